"""The SMTP connections' log lines (denied and refused clients, lost connections, TLS
failures) reach the daemon's stderr, prefixed "chainmaild: " like its other lines."""

import unittest

from harness import Daemon, RawSmtp, wait_until


class SmtpConnectionLog(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Default allowlist 127.0.0.1/32, ::1/128; one connection per client address.
        cls.daemon = Daemon({"smtp.max_connections_per_ip": 1})

    @classmethod
    def tearDownClass(cls):
        cls.daemon.close()

    def assertLogged(self, line):
        self.assertTrue(wait_until(lambda: line in self.daemon.log, 10),
                        f"not on stderr: {line!r}\n" + self.daemon.log_text())

    def test_client_outside_allowlist_is_logged_as_denied(self):
        with RawSmtp(self.daemon.port, source="127.0.0.2") as c:
            self.assertEqual(c.banner.code, 554, c.banner)
            port = c.sock.getsockname()[1]
            self.assertEqual(c.cmd("QUIT").code, 221)
        self.assertLogged(
            f"chainmaild: chainmail.smtp: 127.0.0.2:{port}: denied: not in smtp.allowed_networks")

    def test_client_over_the_connection_limit_is_logged_as_refused(self):
        with RawSmtp(self.daemon.port) as first:
            self.assertEqual(first.banner.code, 220, first.banner)
            with RawSmtp(self.daemon.port) as second:
                self.assertEqual(second.banner.code, 421, second.banner)
                port = second.sock.getsockname()[1]
            self.assertEqual(first.cmd("QUIT").code, 221)
        self.assertLogged(
            f"chainmaild: chainmail.smtp: 127.0.0.1:{port}: refused: over the connection limits")


if __name__ == "__main__":
    unittest.main()

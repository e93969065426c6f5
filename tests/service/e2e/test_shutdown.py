"""SIGTERM drains: idle sessions hear 421 4.3.2 at once and the daemon exits 0 quickly;
a message being transferred may finish, gets its 250 and is in the archive."""

import signal
import time
import unittest

from harness import Daemon, archived_id, make_message, stuff

DRAIN_S = 20


class Shutdown(unittest.TestCase):
    def setUp(self):
        self.daemon = Daemon({"smtp.shutdown_drain_s": str(DRAIN_S)})

    def tearDown(self):
        self.daemon.close()

    def expect_421_and_exit(self, *clients):
        started = time.monotonic()
        self.daemon.signal(signal.SIGTERM)
        for c in clients:
            r = c.reply()
            self.assertEqual(r.code, 421, r)
            self.assertTrue(r.last.startswith("421 4.3.2"), r)
            self.assertIs(c.read_eof(5), True)
        rc = self.daemon.wait(10)
        elapsed = time.monotonic() - started
        self.assertEqual(rc, 0, self.daemon.log_text())
        self.assertLess(elapsed, 5.0, "idle sessions held the shutdown up")

    def test_sigterm_with_idle_clients_gives_421_and_exits_0(self):
        with self.daemon.raw() as banner_only, self.daemon.raw() as after_ehlo, \
                self.daemon.raw() as after_message:
            after_ehlo.ehlo()
            after_message.ehlo()
            record, stored = after_message.send_message(make_message(subject="before SIGTERM"))
            self.expect_421_and_exit(banner_only, after_ehlo, after_message)
        self.daemon.start()
        self.assertEqual(self.daemon.show_raw(record), stored)

    def test_sigterm_mid_data_lets_the_message_finish(self):
        msg = make_message(subject="finishing during drain",
                           body=b"".join(b"line %05d of the message\r\n" % i for i in range(4000)))
        wire, stored = stuff(msg)
        half = len(wire) // 2
        with self.daemon.raw() as c:
            c.ehlo()
            c.envelope()
            self.assertEqual(c.cmd("DATA").code, 354)
            c.send(wire[:half])
            time.sleep(0.2)  # let the daemon read the first half
            self.daemon.signal(signal.SIGTERM)
            time.sleep(1.0)
            self.assertTrue(self.daemon.running(), "exited before the message was finished")
            c.send(wire[half:])
            r = c.reply()
            record = archived_id(r)
            # Between transactions now: the session is closed with 421 4.3.2.
            r = c.reply()
            self.assertTrue(r.last.startswith("421 4.3.2"), r)
        self.assertEqual(self.daemon.wait(10), 0, self.daemon.log_text())
        self.daemon.start()
        self.assertEqual(self.daemon.show_raw(record), stored)
        p = self.daemon.verify()
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_sigterm_mid_bdat_chunk_lets_the_message_finish(self):
        msg = make_message(subject="bdat during drain", body=b"z" * 100000 + b"\r\n")
        half = len(msg) // 2
        with self.daemon.raw() as c:
            c.ehlo()
            c.envelope()
            c.send(f"BDAT {len(msg)} LAST\r\n".encode() + msg[:half])
            time.sleep(0.2)
            self.daemon.signal(signal.SIGTERM)
            time.sleep(1.0)
            self.assertTrue(self.daemon.running(), "exited before the message was finished")
            c.send(msg[half:])
            record = archived_id(c.reply())
        self.assertEqual(self.daemon.wait(10), 0, self.daemon.log_text())
        self.daemon.start()
        self.assertEqual(self.daemon.show_raw(record), msg)

    def test_sigterm_between_bdat_chunks_lets_the_message_finish(self):
        # A client between two BDAT chunks of one message is mid-transfer, not idle.
        msg = make_message(subject="bdat chunks across SIGTERM", body=b"w" * 50000 + b"\r\n")
        half = len(msg) // 2
        with self.daemon.raw() as c:
            c.ehlo()
            c.envelope()
            c.send(f"BDAT {half}\r\n".encode() + msg[:half])
            self.assertEqual(c.reply().code, 250)
            self.daemon.signal(signal.SIGTERM)
            time.sleep(0.5)
            c.send(f"BDAT {len(msg) - half} LAST\r\n".encode() + msg[half:])
            r = c.reply()
            record = archived_id(r)
        self.assertEqual(self.daemon.wait(10), 0, self.daemon.log_text())
        self.daemon.start()
        self.assertEqual(self.daemon.show_raw(record), msg)

    def test_unfinished_message_at_drain_end_is_not_acknowledged(self):
        self.daemon.close()
        self.daemon = Daemon({"smtp.shutdown_drain_s": "1"})
        msg = make_message(subject="never finished")
        wire, _ = stuff(msg)
        with self.daemon.raw() as c:
            c.ehlo()
            c.envelope()
            self.assertEqual(c.cmd("DATA").code, 354)
            c.send(wire[:50])
            started = time.monotonic()
            self.daemon.signal(signal.SIGTERM)
            rc = self.daemon.wait(15)
            self.assertEqual(rc, 0, self.daemon.log_text())
            self.assertLess(time.monotonic() - started, 8)
            extra = c.read_eof(5)
            self.assertFalse(isinstance(extra, bytes) and b"250" in extra, extra)
        self.daemon.start()
        p = self.daemon.verify()
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn(b" 0 records", p.stdout)


if __name__ == "__main__":
    unittest.main()

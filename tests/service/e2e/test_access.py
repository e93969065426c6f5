"""Who may talk to the daemon and the limits they meet, each with its reply code, and the
daemon keeps serving after every one of them."""

import socket
import time
import unittest

from harness import (ConnectionClosed, Daemon, RawSmtp, archived_id, db_connect, make_message,
                     stuff, wait_until)

RCPT = "journal@archive.test"
FROM = "sender@example.test"


class ServingMixin:
    """assertStillServing(): a fresh connection archives a message, byte-exact."""

    def assertStillServing(self, rcpt=RCPT):
        self.assertTrue(self.daemon.running(), "chainmaild exited:\n" + self.daemon.log_text())
        with self.daemon.raw() as c:
            self.assertEqual(c.banner.code, 220, c.banner)
            c.ehlo()
            record, stored = c.send_message(make_message(subject="still serving"),
                                            rcpts=(rcpt,))
            self.assertEqual(c.cmd("QUIT").code, 221)
        self.assertEqual(self.daemon.show_raw(record), stored)

    def assertServedOnceSlotsFree(self):
        """After a connection-limit test: a closed connection's slot is released a moment
        after the client hangs up, and until then a new connection is rightly refused with
        421 4.7.0. Archive a message on the first connection that is let in."""
        def archived():
            with self.daemon.raw() as c:
                if c.banner.code != 220:
                    return False
                c.ehlo()
                record, stored = c.send_message(make_message(subject="after the limit"), rcpts=(RCPT,))
                self.assertEqual(c.cmd("QUIT").code, 221)
            self.assertEqual(self.daemon.show_raw(record), stored)
            return True
        self.assertTrue(wait_until(archived, 10, 0.2), "connection slots not released")


class DeniedClient(ServingMixin, unittest.TestCase):
    """Default allowlist 127.0.0.1/32, ::1/128; a client from 127.0.0.2."""

    @classmethod
    def setUpClass(cls):
        cls.daemon = Daemon()

    @classmethod
    def tearDownClass(cls):
        cls.daemon.close()

    def test_client_outside_allowlist_gets_554_then_only_quit(self):
        with RawSmtp(self.daemon.port, source="127.0.0.2") as c:
            self.assertEqual(c.banner.code, 554, c.banner)
            self.assertTrue(c.banner.last.startswith("554 5.7.1"), c.banner)
            self.assertIn("127.0.0.2", c.banner.text)
            r = c.cmd("EHLO client.test")
            self.assertEqual(r.code, 503, r)
            self.assertNotIn("PIPELINING", r.text)
            for line in ("HELO client.test", "MAIL FROM:<a@b.test>", "RCPT TO:<journal@archive.test>",
                         "DATA", "STARTTLS", "NOOP"):
                r = c.cmd(line)
                self.assertEqual(r.code, 503, f"{line}: {r}")
            r = c.cmd("QUIT")
            self.assertEqual(r.code, 221, r)
            self.assertIs(c.read_eof(5), True)
        self.assertStillServing()

    def test_denied_client_pipelining_a_message_gets_nothing_archived(self):
        wire, _ = stuff(make_message(subject="must not be archived"))
        with RawSmtp(self.daemon.port, source="127.0.0.2") as c:
            self.assertEqual(c.banner.code, 554)
            c.send(b"EHLO x\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<journal@archive.test>\r\n"
                   b"DATA\r\n" + wire + b"QUIT\r\n")
            # Every line of the message is a "command" to a denied session: 503 each, until
            # QUIT (or the server gives up on the flood and closes).
            codes = []
            try:
                while True:
                    r = c.reply()
                    codes.append(r.code)
                    if r.code == 221:
                        break
            except ConnectionClosed:
                pass
            self.assertNotIn(250, codes)
            self.assertNotIn(354, codes)
        with db_connect(self.daemon.db_path, readonly=True) as db:
            n = db.execute("SELECT count(*) FROM messages WHERE subject = 'must not be archived'"
                           ).fetchone()[0]
        self.assertEqual(n, 0)
        self.assertStillServing()


class JournalRecipients(ServingMixin, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.daemon = Daemon({"smtp.journal_recipients": "journal@archive.test"})

    @classmethod
    def tearDownClass(cls):
        cls.daemon.close()

    def test_only_the_journal_address_is_accepted(self):
        with self.daemon.raw() as c:
            c.ehlo()
            self.assertEqual(c.cmd("MAIL FROM:<sender@example.test>").code, 250)
            for other in ("someone@else.test", "journal@other.test", "journal2@archive.test"):
                r = c.cmd(f"RCPT TO:<{other}>")
                self.assertEqual(r.code, 550, f"{other}: {r}")
                self.assertTrue(r.last.startswith("550 5.1.1"), r)
            r = c.cmd("RCPT TO:<journal@archive.test>")
            self.assertEqual(r.code, 250, r)
            wire, stored = stuff(make_message(subject="journal only"))
            record = archived_id(c.data_wire(wire))
        meta = self.daemon.show(record)
        self.assertEqual(len(meta["RCPT TO s"]), 1, meta["_text"])
        self.assertIn("journal@archive.test", meta["RCPT TO s"][0])
        self.assertEqual(self.daemon.show_raw(record), stored)
        self.assertStillServing()

    def test_journal_address_domain_is_case_insensitive(self):
        # RFC 5321 2.4: the domain part is case-insensitive; a gateway configured with
        # capitals must not get a (permanent) 550 for the journal copy.
        with self.daemon.raw() as c:
            c.ehlo()
            self.assertEqual(c.cmd("MAIL FROM:<sender@example.test>").code, 250)
            r = c.cmd("RCPT TO:<journal@ARCHIVE.Test>")
            self.assertEqual(r.code, 250, r)

    def test_data_without_accepted_recipient_is_refused(self):
        with self.daemon.raw() as c:
            c.ehlo()
            self.assertEqual(c.cmd("MAIL FROM:<sender@example.test>").code, 250)
            self.assertEqual(c.cmd("RCPT TO:<someone@else.test>").code, 550)
            r = c.cmd("DATA")
            self.assertIn(r.code, (503, 554), r)
        self.assertStillServing()


def have_ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@unittest.skipUnless(have_ipv6_loopback(), "no IPv6 loopback here")
class Ipv6(unittest.TestCase):
    def test_ipv6_listener_and_allowlist(self):
        with Daemon({"smtp.listen": "[::1]:0"}) as daemon:
            with RawSmtp(daemon.port, host="::1") as c:
                self.assertEqual(c.banner.code, 220, c.banner)  # ::1/128 is allowed by default
                c.ehlo()
                record, stored = c.send_message(make_message(subject="over IPv6"))
            self.assertEqual(daemon.show_raw(record), stored)
            self.assertTrue(daemon.show(record)["client"].startswith("::1 port "))
        with Daemon({"smtp.listen": "[::1]:0", "smtp.allowed_networks": "127.0.0.1/32"}) as daemon:
            with RawSmtp(daemon.port, host="::1") as c:
                self.assertTrue(c.banner.last.startswith("554 5.7.1"), c.banner)
                self.assertEqual(c.cmd("EHLO client.test").code, 503)
                self.assertEqual(c.cmd("QUIT").code, 221)


class ConnectionLimits(ServingMixin, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.daemon = Daemon({"smtp.max_connections": "2"})

    @classmethod
    def tearDownClass(cls):
        cls.daemon.close()

    def test_third_concurrent_connection_gets_421(self):
        a = self.daemon.raw()
        b = self.daemon.raw()
        try:
            self.assertEqual((a.banner.code, b.banner.code), (220, 220))
            with self.daemon.raw() as c:
                self.assertEqual(c.banner.code, 421, c.banner)
                self.assertTrue(c.banner.last.startswith("421 4.7.0"), c.banner)
                self.assertIs(c.read_eof(5), True)
            # The two admitted sessions work meanwhile.
            self.assertEqual(a.ehlo().code, 250)
            self.assertEqual(b.cmd("NOOP").code, 250)
        finally:
            a.cmd("QUIT")
            a.close()
            b.close()

        # Once they are gone, a new client is served again.
        def served():
            with self.daemon.raw() as c:
                return c.banner.code == 220
        self.assertTrue(wait_until(served, 10, 0.2), "slots not released after close")
        self.assertTrue(wait_until(self._both_free, 10, 0.2))
        self.assertServedOnceSlotsFree()

    def _both_free(self):
        a = self.daemon.raw()
        b = self.daemon.raw()
        try:
            return a.banner.code == 220 and b.banner.code == 220
        finally:
            a.close()
            b.close()


class PerIpLimit(ServingMixin, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.daemon = Daemon({"smtp.max_connections_per_ip": "1",
                             "smtp.allowed_networks": "127.0.0.0/8"})

    @classmethod
    def tearDownClass(cls):
        cls.daemon.close()

    def test_second_connection_from_same_ip_gets_421_other_ip_is_served(self):
        with self.daemon.raw() as first:
            self.assertEqual(first.banner.code, 220)
            with self.daemon.raw() as second:
                self.assertTrue(second.banner.last.startswith("421 4.7.0"), second.banner)
            with RawSmtp(self.daemon.port, source="127.0.0.2") as other:
                self.assertEqual(other.banner.code, 220, other.banner)
                self.assertEqual(other.ehlo().code, 250)
            self.assertEqual(first.ehlo().code, 250)
        # The first connection's slot is released when the server side has closed it, a
        # moment after the client hangs up: until then a new connection is (rightly)
        # refused. Send on the first connection that is let in.
        self.assertServedOnceSlotsFree()



class MessageLimits(ServingMixin, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.daemon = Daemon({"smtp.max_recipients": "3", "smtp.max_message_bytes": "10000"})

    @classmethod
    def tearDownClass(cls):
        cls.daemon.close()

    def test_fourth_recipient_gets_452(self):
        with self.daemon.raw() as c:
            c.ehlo()
            self.assertEqual(c.cmd("MAIL FROM:<sender@example.test>").code, 250)
            for i in range(3):
                self.assertEqual(c.cmd(f"RCPT TO:<r{i}@archive.test>").code, 250)
            r = c.cmd("RCPT TO:<r3@archive.test>")
            self.assertEqual(r.code, 452, r)
            self.assertTrue(r.last.startswith("452 4.5.3"), r)
            # The transaction goes on with the three accepted recipients.
            wire, stored = stuff(make_message(subject="three recipients"))
            record = archived_id(c.data_wire(wire))
        meta = self.daemon.show(record)
        self.assertEqual(len(meta["RCPT TO s"]), 3, meta["_text"])
        self.assertNotIn("r3@archive.test", meta["_text"])
        self.assertEqual(self.daemon.show_raw(record), stored)
        self.assertStillServing()

    def test_size_declared_too_large_gets_552_at_mail(self):
        with self.daemon.raw() as c:
            ehlo = c.ehlo()
            self.assertIn("SIZE 10000", ehlo.text)
            r = c.cmd("MAIL FROM:<a@b> SIZE=20000")
            self.assertEqual(r.code, 552, r)
            self.assertTrue(r.last.startswith("552 5.3.4"), r)
            # Within the limit is fine on the same connection.
            record, stored = c.send_message(make_message(subject="declared small"),
                                            mail_params=" SIZE=5000")
        self.assertEqual(self.daemon.show_raw(record), stored)
        self.assertStillServing()

    def test_sent_too_large_gets_552_after_data_and_session_continues(self):
        big = make_message(subject="too big", body=(b"x" * 78 + b"\r\n") * 256)  # ~20 KB
        self.assertGreater(len(big), 20000)
        with self.daemon.raw() as c:
            c.ehlo()
            c.envelope()
            self.assertEqual(c.cmd("DATA").code, 354)
            wire, _ = stuff(big)
            c.send(wire)
            r = c.reply()
            self.assertEqual(r.code, 552, r)
            self.assertTrue(r.last.startswith("552 5.3.4"), r)
            self.assertEqual(c.buf, b"", "more than one reply to one message")
            # The same session keeps working.
            self.assertEqual(c.cmd("NOOP").code, 250)
            record, stored = c.send_message(make_message(subject="small after big"))
        self.assertEqual(self.daemon.show_raw(record), stored)
        self.assertStillServing()

    def test_bdat_too_large_gets_552(self):
        big = make_message(subject="too big bdat", body=b"y" * 20000 + b"\r\n")
        with self.daemon.raw() as c:
            c.ehlo()
            c.envelope()
            c.send(b"BDAT 6000\r\n" + big[:6000])
            self.assertEqual(c.reply().code, 250)
            c.send(f"BDAT {len(big) - 6000} LAST\r\n".encode() + big[6000:])
            r = c.reply()
            self.assertEqual(r.code, 552, r)
            self.assertTrue(r.last.startswith("552 5.3.4"), r)
            # The refused chunk's octets were consumed, not run as commands.
            self.assertEqual(c.cmd("NOOP").code, 250)
            self.assertEqual(c.buf, b"")
            # One chunk alone over the limit: 552 at once; the transaction is over (a
            # further BDAT is out of sequence, RFC 3030 2), its octets still consumed.
            c.envelope()
            c.send(f"BDAT {len(big)}\r\n".encode() + big)
            r = c.reply()
            self.assertTrue(r.last.startswith("552 5.3.4"), r)
            c.send(b"BDAT 5 LAST\r\nxxxxx")
            self.assertEqual(c.reply().code, 503)
            self.assertEqual(c.cmd("RSET").code, 250)
            record, stored = c.bdat_message([make_message(subject="bdat after 552")])
        self.assertEqual(self.daemon.show_raw(record), stored)
        self.assertStillServing()

    def test_command_line_over_512_gets_500_5_5_2(self):
        with self.daemon.raw() as c:
            c.ehlo()
            r = c.cmd("NOOP " + "a" * 595)  # 600 octets without CRLF
            self.assertEqual(r.code, 500, r)
            self.assertTrue(r.last.startswith("500 5.5.2"), r)
            r = c.cmd("MAIL FROM:<" + "b" * 600 + "@example.test>")
            self.assertEqual(r.code, 500, r)
            # The long line was discarded whole: nothing of it runs as a command.
            self.assertEqual(c.buf, b"")
            self.assertEqual(c.cmd("NOOP").code, 250)
            record, stored = c.send_message(make_message(subject="after long line"))
        self.assertEqual(self.daemon.show_raw(record), stored)
        self.assertStillServing()


class DiskFull(unittest.TestCase):
    """archive.min_free_mb above the free space: every message is refused with the
    temporary 452 4.3.1 (the gateway retries), nothing is archived, the session goes on."""

    @classmethod
    def setUpClass(cls):
        cls.daemon = Daemon({"archive.min_free_mb": "1073741824"})  # 1 PiB, the largest allowed

    @classmethod
    def tearDownClass(cls):
        cls.daemon.close()

    def test_messages_get_452_4_3_1_and_nothing_is_archived(self):
        with self.daemon.raw() as c:
            c.ehlo()
            c.envelope()
            r = c.cmd("DATA")
            self.assertTrue(r.last.startswith("452 4.3.1"), r)
            self.assertEqual(c.cmd("NOOP").code, 250)
            c.envelope()
            c.send(b"BDAT 5 LAST\r\nhello")
            r = c.reply()
            self.assertTrue(r.last.startswith("452 4.3.1"), r)
            self.assertEqual(c.cmd("NOOP").code, 250)  # the 5 octets were consumed
            self.assertEqual(c.buf, b"")
        p = self.daemon.verify()
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn(b" 0 records", p.stdout)
        self.assertTrue(self.daemon.running())


class CommandTimeout(ServingMixin, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.daemon = Daemon({"smtp.command_timeout_s": "1"})

    @classmethod
    def tearDownClass(cls):
        cls.daemon.close()

    def _expect_timeout(self, c, started):
        r = c.reply()
        elapsed = time.monotonic() - started
        self.assertEqual(r.code, 421, r)
        self.assertTrue(r.last.startswith("421 4.4.2"), r)
        self.assertGreaterEqual(elapsed, 0.8)
        self.assertLess(elapsed, 5.0)
        self.assertIs(c.read_eof(5), True)

    def test_idle_client_gets_421_4_4_2(self):
        with self.daemon.raw(timeout=10) as c:
            started = time.monotonic()
            self._expect_timeout(c, started)
        self.assertStillServing()

    def test_idle_after_ehlo_gets_421(self):
        with self.daemon.raw(timeout=10) as c:
            c.ehlo()
            started = time.monotonic()
            self._expect_timeout(c, started)
        self.assertStillServing()

    def test_stalled_data_gets_421_and_nothing_is_archived(self):
        with self.daemon.raw(timeout=10) as c:
            c.ehlo()
            c.envelope()
            self.assertEqual(c.cmd("DATA").code, 354)
            c.send(make_message(subject="stalled")[:100])
            started = time.monotonic()
            self._expect_timeout(c, started)
        with db_connect(self.daemon.db_path, readonly=True) as db:
            n = db.execute("SELECT count(*) FROM messages WHERE subject='stalled'").fetchone()[0]
        self.assertEqual(n, 0)
        self.assertStillServing()

    def test_slow_but_steady_data_is_not_timed_out(self):
        msg = make_message(subject="slow data", body=b"".join(b"part %d\r\n" % i for i in range(7)))
        wire, stored = stuff(msg)
        with self.daemon.raw(timeout=10) as c:
            c.ehlo()
            c.envelope()
            self.assertEqual(c.cmd("DATA").code, 354)
            step = len(wire) // 6 + 1
            for i in range(0, len(wire), step):  # ~3 s in all, never idle for 1 s
                c.send(wire[i:i + step])
                time.sleep(0.5)
            record = archived_id(c.reply())
        self.assertEqual(self.daemon.show_raw(record), stored)

    def test_active_client_is_not_timed_out(self):
        with self.daemon.raw(timeout=10) as c:
            for _ in range(6):  # 3 s in all, never idle for 1 s
                time.sleep(0.5)
                self.assertEqual(c.cmd("NOOP").code, 250)


if __name__ == "__main__":
    unittest.main()

"""Byte-exact round trip: what an SMTP client sends (after dot-unstuffing) is exactly what
`chainmail show ID --raw` returns, through Python's smtplib and through a raw socket,
for the awkward cases: 8-bit, binary-ish, a 5000-character line, bare LF / bare CR, NUL,
leading dots, SMTP smuggling sequences, BDAT chunks and a 20 MB message."""

import base64
import random
import smtplib
import socket
import unittest

from harness import (CRLF, Daemon, archived_id, db_connect, envelope_address, make_message,
                     parse_flags, smtplib_wire, stuff, unstuff)

# Message flag bits (docs/payload-registry.md, tag 0x0011).
BARE_CR, BARE_LF, NUL, EIGHT_BIT, LONG_LINE = 1 << 0, 1 << 1, 1 << 2, 1 << 3, 1 << 4
SMUGGLING, EIGHT_BIT_UNDECLARED = 1 << 16, 1 << 17

RCPT = "journal@archive.test"
FROM = "sender@example.test"


def binaryish_body(seed, size):
    """Every byte value (several times, in every order of neighbours) plus seeded random
    bytes; CR, LF and '.' included, so stuffing is exercised too."""
    rnd = random.Random(seed)
    body = bytes(range(256)) * 4 + bytes(reversed(range(256))) + rnd.randbytes(size)
    return body + CRLF


def big_body(size, seed=20):
    """`size` bytes of mixed text: base64 lines, some starting with '.', 8-bit bytes."""
    rnd = random.Random(seed)
    lines = []
    total = 0
    i = 0
    while total < size:
        raw = rnd.randbytes(57)
        line = base64.b64encode(raw)
        if i % 97 == 0:
            line = b"." + line
        if i % 101 == 0:
            line += "\u00e9\u00e8".encode()
        lines.append(line)
        total += len(line) + 2
        i += 1
    return CRLF.join(lines) + CRLF


class RoundTrip(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.daemon = Daemon()

    @classmethod
    def tearDownClass(cls):
        cls.daemon.close()

    # --- helpers ---------------------------------------------------------------------

    def via_smtplib(self, message, eight_bit=True):
        """Sends with smtplib; returns (id, the bytes the server must store)."""
        s = smtplib.SMTP("127.0.0.1", self.daemon.port, local_hostname="client.test",
                         timeout=120)
        try:
            s.ehlo()
            self.assertTrue(s.has_extn("8bitmime"), s.esmtp_features)
            self.assertTrue(s.has_extn("pipelining"), s.esmtp_features)
            self.assertTrue(s.has_extn("chunking"), s.esmtp_features)
            opts = ["BODY=8BITMIME"] if eight_bit else []
            code, resp = s.mail(FROM, opts)
            self.assertEqual(code, 250, resp)
            code, resp = s.rcpt(RCPT)
            self.assertEqual(code, 250, resp)
            code, resp = s.data(message)
            self.assertEqual(code, 250, resp)
            record = archived_id("250 " + resp.decode())
            s.quit()
        finally:
            s.close()
        return record, unstuff(smtplib_wire(message))

    def via_raw(self, message, mail_params=" BODY=8BITMIME"):
        with self.daemon.raw() as c:
            c.ehlo()
            record, stored = c.send_message(message, FROM, (RCPT,), mail_params)
            self.assertEqual(c.cmd("QUIT").code, 221)
        return record, stored

    def assertStored(self, record, expected, flags_set=0, flags_clear=0):
        got = self.daemon.show_raw(record)
        if got != expected:
            # A short, useful diff for large messages.
            i = next((k for k in range(min(len(got), len(expected))) if got[k] != expected[k]),
                     min(len(got), len(expected)))
            self.fail(f"record {record}: stored {len(got)} bytes, sent {len(expected)}; "
                      f"first difference at {i}: got {got[i:i + 40]!r}, "
                      f"want {expected[i:i + 40]!r}")
        meta = self.daemon.show(record)
        self.assertEqual(meta["id"], record)
        self.assertEqual(int(meta["raw length"]), len(expected))
        flags = parse_flags(meta)
        self.assertEqual(flags & flags_set, flags_set, f"flags {flags:#x} lack {flags_set:#x}")
        self.assertEqual(flags & flags_clear, 0, f"flags {flags:#x} have {flags_clear:#x}")
        return meta

    def both(self, message, flags_set=0, flags_clear=0):
        """Round trip through smtplib and through the raw client."""
        for name, send in (("smtplib", self.via_smtplib), ("raw", self.via_raw)):
            with self.subTest(client=name):
                record, expected = send(message)
                self.assertStored(record, expected, flags_set, flags_clear)

    def message_count(self):
        with db_connect(self.daemon.db_path, readonly=True) as db:
            return db.execute("SELECT count(*) FROM messages").fetchone()[0]

    # --- the cases -------------------------------------------------------------------

    def test_plain_message_and_metadata(self):
        subject = b"=?UTF-8?B?R3LDvMOfZQ==?= and =?ISO-8859-1?Q?caf=E9_cr=E8me?="
        msg = make_message(subject=subject, message_id="<plain-1@client.test>",
                           body=b"Plain text.\r\n")
        for name, send in (("smtplib", self.via_smtplib), ("raw", self.via_raw)):
            with self.subTest(client=name):
                record, expected = send(msg)
                self.assertEqual(expected, msg)
                meta = self.assertStored(record, expected, flags_clear=0xFFFF)
                self.assertEqual(meta["Subject"], "Gr\u00fc\u00dfe and caf\u00e9 cr\u00e8me")
                self.assertEqual(meta["Message-ID"], "<plain-1@client.test>")
                self.assertIn("sender@example.test", meta["From"])
                self.assertIn("journal@archive.test", meta["To"])
                self.assertEqual(envelope_address(meta["MAIL FROM"]), FROM)
                self.assertEqual(len(meta["RCPT TO s"]), 1)
                self.assertIn(RCPT, meta["RCPT TO s"][0])
                self.assertEqual(meta["source"], "smtp")
                self.assertTrue(meta["client"].startswith("127.0.0.1 port "), meta["client"])
                self.assertEqual(meta["TLS"], "none")

    def test_eight_bit_body(self):
        body = ("Gr\u00fc\u00dfe aus K\u00f6ln \u2013 \u65e5\u672c\u8a9e\r\n".encode()
                + b"latin-1: caf\xe9\r\n" + bytes(range(0x80, 0x100)) + CRLF)
        self.both(make_message(body=body), flags_set=EIGHT_BIT, flags_clear=EIGHT_BIT_UNDECLARED)

    def test_eight_bit_without_8bitmime_is_kept_and_flagged(self):
        msg = make_message(body=b"caf\xe9\r\n")
        record, expected = self.via_raw(msg, mail_params="")
        self.assertStored(record, expected, flags_set=EIGHT_BIT | EIGHT_BIT_UNDECLARED)

    def test_smtputf8_envelope_and_headers(self):
        sender = "j\u00f6rg@ex\u00e4mple.test"
        msg = (f"From: J\u00f6rg <{sender}>\r\nTo: journal@archive.test\r\n"
               f"Subject: Gr\u00fc\u00dfe \u65e5\u672c\r\nMessage-ID: <utf8@client.test>\r\n\r\n"
               f"K\u00f6rper\r\n").encode()
        s = smtplib.SMTP("127.0.0.1", self.daemon.port, local_hostname="client.test", timeout=60)
        try:
            s.ehlo()
            self.assertTrue(s.has_extn("smtputf8"))
            self.assertEqual(s.mail(sender, ["SMTPUTF8", "BODY=8BITMIME"])[0], 250)
            self.assertEqual(s.rcpt(RCPT)[0], 250)
            code, resp = s.data(msg)
            self.assertEqual(code, 250, resp)
            record = archived_id("250 " + resp.decode())
        finally:
            s.close()
        meta = self.assertStored(record, msg, flags_set=EIGHT_BIT,
                                 flags_clear=EIGHT_BIT_UNDECLARED)
        self.assertEqual(envelope_address(meta["MAIL FROM"]), sender)
        self.assertEqual(meta["Subject"], "Gr\u00fc\u00dfe \u65e5\u672c")
        self.assertIn(sender, meta["From"])

    def test_binaryish_bytes(self):
        msg = make_message(body=binaryish_body(1, 64 * 1024))
        # Every byte value is present, the message holds dots after line breaks.
        self.assertEqual(len(set(msg)), 256)
        self.both(msg, flags_set=BARE_CR | BARE_LF | NUL | EIGHT_BIT)

    def test_5000_character_line(self):
        line = bytes(ord("a") + i % 26 for i in range(5000))
        self.both(make_message(body=b"before\r\n" + line + b"\r\nafter\r\n"), flags_set=LONG_LINE)

    def test_bare_lf_and_bare_cr_lines(self):
        body = b"lf line one\nlf line two\ncr line\rmixed\n\rend\r\n"
        self.both(make_message(body=body), flags_set=BARE_LF | BARE_CR)

    def test_nul_bytes(self):
        body = b"a\x00b\r\n\x00\r\n\x00\x00\x00 after NULs\r\n"
        self.both(make_message(body=body), flags_set=NUL)

    def test_leading_dots_are_stuffed_by_client_and_stored_unstuffed(self):
        body = b".one dot\r\n..two dots\r\n.\r\n...\r\n. space\r\nend\r\n."
        msg = make_message(body=body)
        # Wire check of the model: every line-leading dot is doubled on the wire.
        wire, stored = stuff(msg)
        self.assertIn(b"\r\n..one dot\r\n...two dots\r\n..\r\n....\r\n", wire)
        self.assertEqual(stored, msg + CRLF)
        self.both(msg)

    def test_message_starting_with_a_dot(self):
        # The beginning of the data is the start of a line: the stuffed dot goes too.
        msg = b".starts with a dot\r\nSubject: odd\r\n\r\nbody\r\n"
        record, expected = self.via_raw(msg)
        self.assertEqual(expected, msg)
        self.assertStored(record, expected)

    def test_message_not_ending_in_crlf(self):
        # The client appends CRLF before the end marker; that CRLF belongs to the message.
        msg = make_message(body=b"no final line break")
        self.both(msg)

    def test_smtp_smuggling_sequences_do_not_end_data(self):
        smuggled = (b"MAIL FROM:<evil@attacker.test>\r\nRCPT TO:<victim@archive.test>\r\n"
                    b"DATA\r\nFrom: ceo@victim.test\r\nSubject: smuggled\r\n\r\nPay now.\r\n")
        sequences = [b"\n.\n", b"\n.\r\n", b"\r\n.\n", b"\r.\r\n", b"\r\n.\rX",
                     b"\r\n\x00.\r\n", b"\n\n.\r\n"]
        for seq in sequences:
            with self.subTest(sequence=seq):
                before = self.message_count()
                content = make_message(body=b"Innocent text" + seq + smuggled)
                self.assertNotIn(b"\r\n.\r\n", content)
                with self.daemon.raw() as c:
                    c.ehlo()
                    c.envelope(FROM, (RCPT,))
                    self.assertEqual(c.cmd("DATA").code, 354)
                    c.send(content)  # deliberately NOT stuffed: an attacker's bytes
                    # Nothing may be answered yet: the data has not ended.
                    c.settimeout(0.5)
                    with self.assertRaises(socket.timeout, msg="server replied mid-data"):
                        c.reply()
                    c.settimeout(60)
                    c.send(b".\r\n")
                    r = c.reply()
                    record = archived_id(r)
                    # Exactly one reply: no smuggled MAIL/RCPT/DATA was executed.
                    self.assertEqual(c.cmd("NOOP").last[:3], "250")
                    self.assertEqual(c.buf, b"")
                    self.assertEqual(c.cmd("QUIT").code, 221)
                meta = self.assertStored(record, unstuff(content), flags_set=SMUGGLING)
                self.assertEqual(envelope_address(meta["MAIL FROM"]), FROM)
                self.assertEqual(self.message_count(), before + 1)

    def test_smuggling_via_smtplib_is_stored_as_smtplib_sent_it(self):
        # smtplib doubles a dot after any LF, so "\n.\n" arrives as "\n..\n": kept as is.
        msg = make_message(body=b"one\n.\ntwo\r\n")
        record, expected = self.via_smtplib(msg)
        self.assertIn(b"\n..\n", expected)
        self.assertStored(record, expected, flags_set=BARE_LF)

    def test_bdat_chunks(self):
        head = make_message(body=b"")
        chunks = [head,
                  b"BDAT content is never unstuffed:\r\n.\r\n..two\r\n",
                  binaryish_body(7, 3000),
                  b"last chunk\r\n"]
        with self.daemon.raw() as c:
            ehlo = c.ehlo()
            self.assertIn("CHUNKING", ehlo.text)
            record, stored = c.bdat_message(chunks, FROM, (RCPT,), " BODY=BINARYMIME"
                                            if "BINARYMIME" in ehlo.text else " BODY=8BITMIME")
            self.assertEqual(c.cmd("QUIT").code, 221)
        self.assertStored(record, stored, flags_set=NUL | EIGHT_BIT)

    def test_bdat_pipelined_with_empty_last_chunk(self):
        msg = make_message(body=b"pipelined BDAT\r\n.\r\n")
        with self.daemon.raw() as c:
            c.ehlo()
            c.send(b"MAIL FROM:<sender@example.test>\r\nRCPT TO:<journal@archive.test>\r\n"
                   + f"BDAT {len(msg)}\r\n".encode() + msg + b"BDAT 0 LAST\r\n")
            mail, rcpt, chunk, last = c.replies(4)
            self.assertEqual((mail.code, rcpt.code, chunk.code), (250, 250, 250),
                             (mail, rcpt, chunk))
            record = archived_id(last)
        self.assertStored(record, msg)

    def test_pipelined_data(self):
        msg = make_message(body=b"pipelined DATA\r\n")
        wire, stored = stuff(msg)
        with self.daemon.raw() as c:
            c.ehlo()
            c.send(b"MAIL FROM:<sender@example.test>\r\nRCPT TO:<journal@archive.test>\r\nDATA\r\n")
            mail, rcpt, data = c.replies(3)
            self.assertEqual((mail.code, rcpt.code, data.code), (250, 250, 354))
            # The message, then the next transaction's commands, in one packet.
            c.send(wire + b"RSET\r\nNOOP\r\n")
            record = archived_id(c.reply())
            self.assertEqual([r.code for r in c.replies(2)], [250, 250])
        self.assertStored(record, stored)

    def test_two_messages_on_one_connection(self):
        m1, m2 = make_message(subject="first"), make_message(subject="second")
        with self.daemon.raw() as c:
            c.ehlo()
            r1, s1 = c.send_message(m1)
            r2, s2 = c.send_message(m2)
        self.assertNotEqual(r1, r2)
        self.assertStored(r1, s1)
        self.assertStored(r2, s2)

    def test_identical_messages_get_distinct_ids(self):
        msg = make_message(message_id="<same@client.test>")
        r1, s1 = self.via_raw(msg)
        r2, s2 = self.via_raw(msg)
        self.assertNotEqual(r1, r2)
        self.assertStored(r1, s1)
        self.assertStored(r2, s2)

    def test_20_mb_message(self):
        msg = make_message(body=big_body(20 * 1024 * 1024))
        self.assertGreaterEqual(len(msg), 20 * 1024 * 1024)
        with self.subTest(client="smtplib"):
            record, expected = self.via_smtplib(msg)
            self.assertEqual(expected, msg)
            self.assertStored(record, expected, flags_set=EIGHT_BIT)
        with self.subTest(client="raw DATA"):
            record, expected = self.via_raw(msg)
            self.assertStored(record, expected, flags_set=EIGHT_BIT)
        with self.subTest(client="raw BDAT"):
            step = 5 * 1024 * 1024 + 17
            chunks = [msg[i:i + step] for i in range(0, len(msg), step)]
            with self.daemon.raw() as c:
                c.ehlo()
                record, stored = c.bdat_message(chunks, mail_params=" BODY=8BITMIME")
            self.assertEqual(stored, msg)
            self.assertStored(record, stored, flags_set=EIGHT_BIT)

    def test_zz_verify_passes_after_all_round_trips(self):
        # Named to run last in this class (unittest sorts test names).
        self.assertGreater(self.message_count(), 0)
        p = self.daemon.verify()
        self.assertEqual(p.returncode, 0, p.stdout.decode(errors="replace")
                         + p.stderr.decode(errors="replace"))
        self.assertIn(b"all valid", p.stdout)


if __name__ == "__main__":
    unittest.main()

"""`chainmail import` of .eml and mbox files while the daemon runs and ingests over SMTP:
ids printed, exact bytes back (mboxrd-unquoted), one consistent chain."""

import os
import re
import smtplib
import threading
import time
import unittest

from harness import (IMPORTED_RE, ImportCase, archived_id, db_connect, envelope_address,
                     make_message, record_uuid)

EML = (b"From: Alice <alice@example.test>\r\n"
       b"To: Bob <bob@example.test>\r\n"
       b"Date: Tue, 03 Mar 2026 09:00:00 +0100\r\n"
       b"Message-ID: <eml-1@example.test>\r\n"
       b"Subject: =?UTF-8?Q?Import_=C3=BCber_eml?=\r\n"
       b"\r\n"
       b"An imported message.\r\n"
       b".a line with a leading dot stays as it is\r\n"
       b"8-bit: \xc3\xa9\r\n")

# mboxrd: each message after a From_ line, followed by an empty line; body lines that
# start with "From " (after any number of '>') carry one more '>'.
MBOX_MESSAGES = [
    b"From: one@example.test\nTo: bob@example.test\nSubject: mbox one\n"
    b"Message-ID: <mbox-1@example.test>\n\nFirst message.\n",
    b"From: two@example.test\nTo: bob@example.test\nSubject: mbox two\n"
    b"Message-ID: <mbox-2@example.test>\n\nFrom the start, this line was quoted.\n"
    b">From here, a line that was already quoted once.\nend of two\n",
    b"From: three@example.test\nTo: bob@example.test\nSubject: mbox three\n"
    b"Message-ID: <mbox-3@example.test>\n\nThird message, with an empty line last.\n\n",
]
MBOX_SENDERS = ["one@example.test", "two@example.test", "three@example.test"]


def mboxrd(messages, senders):
    out = b""
    for msg, sender in zip(messages, senders):
        quoted = re.sub(rb"(?m)^(>*From )", rb">\1", msg)
        out += f"From {sender} Tue Mar  3 09:00:00 2026\n".encode() + quoted + b"\n"
    return out


class Import(ImportCase):
    def smtp_load(self, stop, acked, errors):
        """Keeps one SMTP connection busy until `stop` is set."""
        try:
            s = smtplib.SMTP("127.0.0.1", self.daemon.port, timeout=60)
            i = 0
            while not stop.is_set() or i < 3:
                msg = make_message(subject=f"smtp during import {i}",
                                   body=os.urandom(3000).hex().encode() + b"\r\n")
                s.ehlo_or_helo_if_needed()
                s.mail("load@example.test")
                s.rcpt("journal@archive.test")
                code, resp = s.data(msg)
                if code != 250:
                    errors.append(resp)
                    break
                acked.append((archived_id("250 " + resp.decode()), msg, time.monotonic()))
                i += 1
            s.quit()
        except Exception as e:  # noqa: BLE001 - reported by the test
            errors.append(repr(e))

    def test_import_eml_and_mbox_while_daemon_ingests(self):
        eml = self.write("message.eml", EML)
        mbox_data = mboxrd(MBOX_MESSAGES, MBOX_SENDERS)
        self.assertIn(b"\n>From the start", mbox_data)
        self.assertIn(b"\n>>From here", mbox_data)
        mbox = self.write("box.mbox", mbox_data)

        stop, acked, errors = threading.Event(), [], []
        load = threading.Thread(target=self.smtp_load, args=(stop, acked, errors))
        load.start()
        try:
            self.assertTrue(self._wait_for(lambda: len(acked) >= 2, 30), errors)
            started = time.monotonic()
            p = self.daemon.cli("import", eml, mbox)
            p2 = self.daemon.cli("import", eml)  # the same bytes again: a new record
            finished = time.monotonic()
            self.assertTrue(self._wait_for(
                lambda: any(t > finished for _, _, t in acked), 30), errors)
        finally:
            stop.set()
            load.join(60)
        self.assertEqual(errors, [])
        out = p.stdout.decode()
        self.assertEqual(p.returncode, 0, out + p.stderr.decode())
        imported = dict(IMPORTED_RE.findall(out))
        self.assertEqual(sorted(imported), ["box.mbox#1", "box.mbox#2", "box.mbox#3", "message.eml"],
                         out)
        self.assertIn("4 messages imported", out)
        self.assertEqual(p2.returncode, 0, p2.stdout + p2.stderr)
        again = dict(IMPORTED_RE.findall(p2.stdout.decode()))["message.eml"]
        self.assertNotEqual(again, imported["message.eml"])
        self.assertGreater(started, acked[0][2])

        # Exact bytes back: the .eml as is, mbox messages unquoted one level.
        self.assertEqual(self.daemon.show_raw(imported["message.eml"]), EML)
        self.assertEqual(self.daemon.show_raw(again), EML)
        for i, (msg, sender) in enumerate(zip(MBOX_MESSAGES, MBOX_SENDERS), start=1):
            rid = imported[f"box.mbox#{i}"]
            with self.subTest(mbox_message=i):
                self.assertEqual(self.daemon.show_raw(rid), msg)
                meta = self.daemon.show(rid)
                self.assertEqual(meta["source"], "import")
                self.assertEqual(meta["imported from"], f"box.mbox#{i}")
                self.assertEqual(envelope_address(meta["MAIL FROM"]), sender)
                self.assertEqual(meta["Subject"], f"mbox {['one', 'two', 'three'][i - 1]}")
        meta = self.daemon.show(imported["message.eml"])
        self.assertEqual(meta["Subject"], "Import \u00fcber eml")
        self.assertEqual(meta["imported from"], "message.eml")
        self.assertEqual(meta["Message-ID"], "<eml-1@example.test>")

        # The SMTP messages archived around the imports are all there too.
        for rid, msg, _ in acked:
            self.assertEqual(self.daemon.show_raw(rid), msg)
        # One chain with both writers' records: imports interleaved with SMTP records.
        with db_connect(self.daemon.db_path, readonly=True) as db:
            seqs = {record_uuid(r): s for r, s in db.execute("SELECT record_id, seq FROM messages")}
        all_ids = list(imported.values()) + [again] + [r for r, _, _ in acked]
        self.assertEqual(len({seqs[r] for r in all_ids}), len(all_ids))
        p = self.daemon.verify()
        self.assertEqual(p.returncode, 0, p.stdout.decode() + p.stderr.decode())

    def test_import_of_missing_file_fails_and_archives_nothing(self):
        with db_connect(self.daemon.db_path, readonly=True) as db:
            before = db.execute("SELECT count(*) FROM messages").fetchone()[0]
        p = self.daemon.cli("import", os.path.join(self.files, "does-not-exist.eml"))
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(b"does-not-exist.eml", p.stderr)
        with db_connect(self.daemon.db_path, readonly=True) as db:
            after = db.execute("SELECT count(*) FROM messages").fetchone()[0]
        self.assertEqual(after, before)

    @staticmethod
    def _wait_for(predicate, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.05)
        return predicate()


if __name__ == "__main__":
    unittest.main()

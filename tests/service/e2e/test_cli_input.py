"""The CLI against hostile or mistaken input: `chainmail import` from a pipe keeps every
byte and every mbox message, refuses empty messages, archives headerless bytes with a
warning, finds mbox files behind a byte order mark or empty lines; `chainmail show`
cannot be made to write terminal controls or forge a line; the CLI's write commands never
create an archive where there is none."""

import base64
import os
import re
import subprocess
import tempfile
import shutil
import unittest

from harness import CHAINMAIL, IMPORTED_RE, Daemon, ImportCase, db_connect

EML = (b"From: Alice <alice@example.test>\r\n"
       b"Subject: through a pipe\r\n"
       b"\r\n"
       b"Line one.\r\n")

MBOX_1 = b"From: one@example.test\nSubject: one\n\nA\n"
MBOX_2 = b"From: two@example.test\nSubject: two\n\n>From quoted\nB\n"
MBOX = (b"From one@example.test Thu Nov 27 10:00:00 2026\n" + MBOX_1 + b"\n"
        b"From two@example.test Thu Nov 27 10:00:01 2026\n"
        + MBOX_2.replace(b"\n>From", b"\n>>From") + b"\n")


class ImportInput(ImportCase):
    def imported(self, p):
        return dict(IMPORTED_RE.findall(p.stdout.decode()))

    def message_count(self):
        with db_connect(self.daemon.db_path, readonly=True) as db:
            return db.execute("SELECT count(*) FROM messages").fetchone()[0]

    def test_eml_through_a_pipe_is_stored_byte_for_byte(self):
        big = EML + os.urandom(150_000).hex().encode() + b"\r\n"  # several read blocks
        for data in (EML, big):
            with self.subTest(size=len(data)):
                p = self.daemon.cli("import", "/dev/stdin", input=data)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertEqual(self.daemon.show_raw(self.imported(p)["stdin"]), data)

    def test_mbox_through_a_pipe_keeps_every_message(self):
        p = self.daemon.cli("import", "/dev/stdin", input=MBOX)
        self.assertEqual(p.returncode, 0, p.stderr)
        ids = self.imported(p)
        self.assertEqual(sorted(ids), ["stdin#1", "stdin#2"], p.stdout)
        self.assertEqual(self.daemon.show_raw(ids["stdin#1"]), MBOX_1)
        self.assertEqual(self.daemon.show_raw(ids["stdin#2"]), MBOX_2)

    def test_mbox_after_byte_order_mark_or_empty_lines_is_split(self):
        for name, data in (("bom.mbox", b"\xef\xbb\xbf" + MBOX), ("blank.mbox", b"\n\r\n" + MBOX)):
            with self.subTest(name):
                p = self.daemon.cli("import", self.write(name, data))
                self.assertEqual(p.returncode, 0, p.stderr)
                ids = self.imported(p)
                self.assertEqual(sorted(ids), [name + "#1", name + "#2"], p.stdout)
                self.assertEqual(self.daemon.show_raw(ids[name + "#1"]), MBOX_1)
                self.assertEqual(self.daemon.show_raw(ids[name + "#2"]), MBOX_2)

    def test_empty_messages_are_refused_and_later_files_still_imported(self):
        before = self.message_count()
        empty = self.write("empty.eml", b"")
        from_only = self.write("from-only.mbox", b"From a@b Thu Nov 27 10:00:00 2026\n")
        good = self.write("good.eml", EML)
        p = self.daemon.cli("import", empty, "/dev/null", from_only, good)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        err = p.stderr.decode()
        for name in ("empty.eml", "null", "from-only.mbox#1"):
            self.assertIn(f"chainmail: {name}: empty, nothing archived", err)
        self.assertEqual(list(self.imported(p)), ["good.eml"], p.stdout)
        self.assertEqual(self.message_count(), before + 1)

    def test_bytes_without_a_header_are_archived_with_a_warning(self):
        data = b"\x00\x9b" + os.urandom(4094)
        p = self.daemon.cli("import", self.write("random.bin", data))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(b"warning: random.bin does not begin with a mail header", p.stderr)
        self.assertEqual(self.daemon.show_raw(self.imported(p)["random.bin"]), data)

    def test_a_file_name_cannot_write_terminal_controls_or_forge_lines(self):
        name = "evil\x1b[2J\nimported forged.eml as 00000000-0000-7000-8000-000000000000.eml"
        p = self.daemon.cli("import", self.write(name, EML))
        self.assertEqual(p.returncode, 0, p.stderr)
        out = p.stdout.decode()
        self.assertNotIn("\x1b", out)
        self.assertEqual(len([l for l in out.splitlines() if l.startswith("imported ")]), 1, out)
        self.assertIn("evil\\x1b[2J\\nimported forged.eml", out)

        missing = self.daemon.cli("import", os.path.join(self.files, "gone\x1b[31m"))
        self.assertNotEqual(missing.returncode, 0)
        self.assertNotIn(b"\x1b", missing.stderr)
        self.assertIn(b"gone\\x1b[31m", missing.stderr)


class ShowOutput(unittest.TestCase):
    def test_fields_cannot_write_terminal_controls_or_forge_lines(self):
        evil = "\x1b]0;pwned\x07\x1b[2K\rSubject:         Quarterly report\nraw SHA-256:     " + "0" * 64
        subject = "=?utf-8?b?" + base64.b64encode(evil.encode()).decode() + "?="
        message = (b"From: Mall\xc2\x9bory \\ <m@example.test>\r\n"
                   b"To: caf\xc3\xa9 \xe2\x80\xae<b@example.test>\r\n"
                   b"Subject: " + subject.encode() + b"\r\n"
                   b"Message-ID: <x\x1b[2Jy\x7f@z>\r\n"
                   b"\r\n"
                   b"body\r\n")
        with Daemon() as d:
            path = os.path.join(d.data_dir.encode(), b"evil\x1b[31m\xff.eml")
            with open(path, "wb") as f:
                f.write(message)
            p = d.cli("import", path)
            self.assertEqual(p.returncode, 0, p.stderr)
            (rid,) = dict(IMPORTED_RE.findall(p.stdout.decode("utf-8", "replace"))).values()
            p = d.cli("show", rid)
        self.assertEqual(p.returncode, 0, p.stderr)
        out = p.stdout
        self.assertIsNone(re.search(rb"[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]", out), out)
        text = out.decode("utf-8")  # valid UTF-8 throughout
        lines = text.splitlines()
        self.assertEqual(sum(line.startswith("raw SHA-256:") for line in lines), 1, text)
        self.assertEqual(sum(line.startswith("Subject:") for line in lines), 1, text)
        self.assertIn("Subject:         \\x1b]0;pwned\\x07\\x1b[2K\\rSubject:         "
                      "Quarterly report\\nraw SHA-256:     " + "0" * 64 + "\n", text)
        self.assertIn("Message-ID:      <x\\x1b[2Jy\\x7f@z>\n", text)
        self.assertIn("From:            Mall\\u009bory \\\\ <m@example.test>\n", text)
        self.assertIn("To:              caf\u00e9 \\u202e<b@example.test>\n", text)
        self.assertIn("imported from:   evil\\x1b[31m\\xff.eml\n", text)


class NoArchive(unittest.TestCase):
    """Write commands on a data dir that holds no archive: refused, nothing created."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="chainmail-e2e-noarchive-")
        self.eml = os.path.join(self.tmp, "m.eml")
        with open(self.eml, "wb") as f:
            f.write(EML)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def run_cli(self, *args):
        return subprocess.run([CHAINMAIL, *args], cwd=self.tmp, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)

    def test_write_commands_refuse_and_create_nothing(self):
        missing = os.path.join(self.tmp, "chainmial")  # a typo
        empty = os.path.join(self.tmp, "empty")
        os.mkdir(empty)
        commands = [
            ["import", self.eml],
            ["token", "create", "--role", "officer", "--name", "alice"],
            ["token", "revoke", "0123456789abcdef"],
            ["export", "--out", os.path.join(self.tmp, "out.tar")],
        ]
        for data, shown in ((missing, missing), (empty, empty), (None, os.path.join(self.tmp, "var"))):
            for command in commands:
                with self.subTest(data=data, command=command[0]):
                    p = self.run_cli(*(["--data", data] if data else []), *command)
                    self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
                    self.assertIn(f"chainmail: no archive at {shown} (start chainmaild once, or pass "
                                  f"--data/--config)", p.stderr.decode())
        self.assertEqual(sorted(os.listdir(self.tmp)), ["empty", "m.eml"])
        self.assertEqual(os.listdir(empty), [])


if __name__ == "__main__":
    unittest.main()

"""A third-party client: swaks (Swiss Army Knife for SMTP), over STARTTLS and plain,
pipelined, with a message file that has dot lines."""

import os
import re
import shutil
import subprocess
import unittest

from harness import Daemon, make_message

SWAKS = shutil.which("swaks")
ARCHIVED = re.compile(r"<[~-] +250 2\.0\.0 Ok: archived <?([0-9a-f-]{36})>?")


@unittest.skipUnless(SWAKS, "swaks is not installed")
class Swaks(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.daemon = Daemon()

    @classmethod
    def tearDownClass(cls):
        cls.daemon.close()

    def swaks(self, *args):
        p = subprocess.run([SWAKS, "--server", f"127.0.0.1:{self.daemon.port}",
                            "--from", "sender@example.test", "--to", "journal@archive.test",
                            "--helo", "swaks.test", *args],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=60)
        return p.returncode, p.stdout.decode("utf-8", "replace")

    def archived(self, out):
        m = ARCHIVED.search(out)
        self.assertIsNotNone(m, out)
        return m.group(1)

    def test_swaks_starttls_verified(self):
        rc, out = self.swaks("--tls", "--tls-verify", "--tls-ca-path", self.daemon.cert_path,
                             "--header", "Subject: via swaks", "--body", "Hello from swaks.")
        self.assertEqual(rc, 0, out)
        self.assertIn("TLS started", out)
        record = self.archived(out)
        meta = self.daemon.show(record)
        self.assertRegex(meta["TLS"], r"^TLSv1\.[23] \S+")
        self.assertEqual(meta["Subject"], "via swaks")
        self.assertIn("swaks.test", meta["_text"])
        raw = self.daemon.show_raw(record)
        self.assertIn(b"\r\nSubject: via swaks\r\n", raw)
        self.assertIn(b"\r\n\r\nHello from swaks.\r\n", raw)

    def test_swaks_tls_verify_fails_without_the_ca(self):
        # Proves the verified run above really checked the certificate.
        rc, out = self.swaks("--tls", "--tls-verify", "--body", "x")
        self.assertNotEqual(rc, 0, out)
        self.assertIsNone(ARCHIVED.search(out), out)

    def test_swaks_pipelined_message_file_byte_exact(self):
        # swaks always sends CRLF "." CRLF after the file, so the file ends without a
        # line break and the CRLF before the dot (part of the message) completes it.
        msg = make_message(subject="swaks file",
                           body=b".leading dot\r\n..two\r\n.\r\nend")
        path = os.path.join(self.daemon.data_dir, "swaks-message.eml")
        with open(path, "wb") as f:
            f.write(msg)
        rc, out = self.swaks("--pipeline", "--data", path)
        self.assertEqual(rc, 0, out)
        record = self.archived(out)
        self.assertEqual(self.daemon.show_raw(record), msg + b"\r\n")
        self.assertEqual(self.daemon.show(record)["TLS"], "none")

    def test_zz_verify(self):
        p = self.daemon.verify()
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)


if __name__ == "__main__":
    unittest.main()

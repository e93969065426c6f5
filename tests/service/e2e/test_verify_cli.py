"""Evidence bundles through the real programs: mail into the real chainmaild, `chainmail
export` of messages and audit, `chainmail key show` for the keys an auditor pins, and
`chainmail-verify bundle` — valid as exported; INVALID after a byte of the tar changes
(the manifest, then the content), or with an unpinned key; exit codes 0/1/2."""

import os
import shutil
import subprocess
import tarfile
import tempfile
import unittest

from harness import BIN, Daemon, make_message

VERIFY = os.path.join(BIN, "chainmail-verify")


def verify(*args):
    return subprocess.run([VERIFY, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=120)


class VerifyBundleCli(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.daemon = Daemon()
        cls.tmp = tempfile.mkdtemp(prefix="chainmail-e2e-bundle-")
        try:
            cls.ids = []
            with cls.daemon.raw() as c:
                c.ehlo()
                for i in range(5):
                    rid, _ = c.send_message(make_message(subject=f"bundle {i}",
                                                         body=f"Body {i}\r\n".encode() * 50))
                    cls.ids.append(rid)
            if cls.daemon.stop() != 0:
                raise AssertionError("chainmaild did not stop cleanly")
            keys = cls.daemon.cli("key", "show")
            if keys.returncode != 0:
                raise AssertionError(keys.stderr.decode(errors="replace"))
            cls.keys = keys.stdout.decode().split()
            cls.bundle = os.path.join(cls.tmp, "all.tar")
            p = cls.daemon.cli("export", "--out", cls.bundle, "--messages", "all", "--audit")
            if p.returncode != 0:
                raise AssertionError(f"export exited {p.returncode}: {p.stderr.decode(errors='replace')}")
        except BaseException:
            cls.daemon.close()
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        cls.daemon.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def key_args(self, keys=None):
        out = []
        for k in keys or self.keys:
            out += ["--key", k]
        return out

    def test_exported_bundle_verifies(self):
        p = verify("bundle", self.bundle, *self.key_args())
        text = p.stdout.decode()
        self.assertEqual(p.returncode, 0, text)
        self.assertIn("summary: ", text)
        self.assertNotIn("INVALID", text)
        for rid in self.ids:
            self.assertIn(f"record {rid}: valid", text)

    def test_stock_tar_lists_sorted_deterministic_entries(self):
        with tarfile.open(self.bundle) as t:
            members = t.getmembers()
        names = [m.name for m in members]
        self.assertEqual(names, sorted(names))
        self.assertIn("MANIFEST.sha256", names)
        self.assertIn(f"eml/{self.ids[0]}.eml", names)
        for m in members:
            self.assertEqual((m.mtime, m.uid, m.gid, m.mode, m.uname, m.gname),
                             (0, 0, 0, 0o644, "", ""), m.name)

    def test_export_is_audited(self):
        p = self.daemon.cli("export", "--out", os.path.join(self.tmp, "audit.tar"), "--audit")
        self.assertEqual(p.returncode, 0, p.stderr)
        with tarfile.open(os.path.join(self.tmp, "audit.tar")) as t:
            listing = t.extractfile("audit.jsonl").read().decode()
        self.assertIn('"type":"message.export"', listing)
        self.assertIn('"type":"audit.export"', listing)

    def test_changed_byte_is_invalid(self):
        with open(self.bundle, "rb") as f:
            data = bytearray(f.read())
        with tarfile.open(self.bundle) as t:
            member = t.getmember(f"eml/{self.ids[1]}.eml")
        data[member.offset_data + 10] ^= 0x01
        bad = os.path.join(self.tmp, "bad.tar")
        with open(bad, "wb") as f:
            f.write(data)
        p = verify("bundle", bad, *self.key_args())
        text = p.stdout.decode()
        self.assertEqual(p.returncode, 1, text)
        self.assertIn("MANIFEST.sha256: INVALID", text)
        self.assertIn(f"record {self.ids[1]}: INVALID: .eml differs", text)

    def test_unpinned_key_is_invalid(self):
        other = Daemon(start=False)
        try:
            other.start()
            other.stop()
            keys = other.cli("key", "show").stdout.decode().split()
        finally:
            other.close()
        p = verify("bundle", self.bundle, *self.key_args(keys))
        self.assertEqual(p.returncode, 1, p.stdout.decode())

    def test_usage_errors_exit_2(self):
        self.assertEqual(verify("bundle", self.bundle).returncode, 2)  # no key
        self.assertEqual(verify("bundle", self.bundle, "--key", "nonsense").returncode, 2)
        self.assertEqual(verify("frobnicate").returncode, 2)


if __name__ == "__main__":
    unittest.main()

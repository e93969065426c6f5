"""The auditor's and the officer's evidence routes over real HTTP against the real
chainmaild, checked with the real offline tools: checkpoints (signature checked with
openssl as docs/verifying.md shows, against the key `chainmail key show` prints) and a
consistency proof between two of them accepted by `chainmail-verify consistency`; an
officer's message export and an auditor's audit export run as jobs, downloaded (with
curl) and accepted by `chainmail-verify bundle --key ...`; a verification job; the audit
log listing showing the exports and downloads; and jobs forgotten across a restart."""

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import BIN, Daemon, make_message

VERIFY = os.path.join(BIN, "chainmail-verify")


def run(*argv, timeout=120):
    return subprocess.run(list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)


def parse_note(note):
    """(origin, size, root hex) of a checkpoint note's body."""
    origin, size, root = note.split("\n")[:3]
    return origin, int(size), base64.b64decode(root).hex()


class RestAudit(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.daemon = Daemon()
        cls.tmp = tempfile.mkdtemp(prefix="chainmail-e2e-rest-audit-")
        try:
            cls.ids = []
            with cls.daemon.raw() as c:
                c.ehlo()
                for i in range(6):
                    rid, _ = c.send_message(make_message(subject=f"evidence {i}",
                                                         body=f"Line {i}\r\n".encode() * 40))
                    cls.ids.append(rid)
            keys = cls.daemon.cli("key", "show")
            if keys.returncode != 0:
                raise AssertionError(keys.stderr.decode(errors="replace"))
            cls.keys = keys.stdout.decode().split()
            cls.auditor = cls.daemon.token("auditor", name="e2e auditor")
            cls.officer = cls.daemon.token("officer", name="e2e officer")
        except BaseException:
            cls.daemon.close()
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        cls.daemon.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    # --- helpers ---------------------------------------------------------------------

    def url(self, path):
        return f"{self.daemon.http_scheme}://127.0.0.1:{self.daemon.http_port}{path}"

    def get(self, path, token, expect=200):
        status, headers, body = self.daemon.rest("GET", path, token=token)
        self.assertEqual(status, expect, body)
        return headers, body

    def get_json(self, path, token):
        return json.loads(self.get(path, token)[1])

    def note(self, log, size=None):
        path = f"/api/v1/checkpoints/{log}/latest" if size is None else f"/api/v1/checkpoints/{log}?size={size}"
        headers, body = self.get(path, self.auditor)
        self.assertEqual(headers["content-type"], "text/plain; charset=utf-8")
        return body.decode()

    def key_args(self):
        out = []
        for k in self.keys:
            out += ["--key", k]
        return out

    def wait_done(self, location, token):
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            job = self.get_json(location, token)
            if job["state"] in ("done", "failed"):
                return job
            time.sleep(0.05)
        self.fail(f"job {location} did not finish")

    def start_job(self, path, token, body):
        status, headers, raw = self.daemon.rest("POST", path, token=token, body=body)
        self.assertEqual(status, 202, raw)
        job = json.loads(raw)
        self.assertEqual(headers["location"], f"{path}/{job['id']}")
        return headers["location"]

    def curl_download(self, location, token, out):
        """The bundle with curl, as a user would fetch it; returns the response headers."""
        header_file = out + ".headers"
        p = run("curl", "-sS", "--fail", "-H", f"Authorization: Bearer {token}", "-D", header_file,
                "-o", out, self.url(location + "/bundle"))
        self.assertEqual(p.returncode, 0, p.stderr.decode(errors="replace"))
        headers = {}
        with open(header_file) as f:
            for line in f:
                name, sep, value = line.partition(":")
                if sep:
                    headers[name.strip().lower()] = value.strip()
        return headers

    # --- checkpoints and proofs --------------------------------------------------------

    def test_checkpoint_signature_checks_with_openssl(self):
        note = self.note("messages", size=2)
        origin, size, _ = parse_note(note)
        self.assertEqual(size, 2)
        self.assertTrue(origin.endswith("/messages"))
        key = next(k for k in self.keys if k.startswith(origin + "+"))
        work = tempfile.mkdtemp(dir=self.tmp)
        pub = base64.b64decode(key.split("+", 2)[2])[1:]
        with open(os.path.join(work, "pub.der"), "wb") as f:
            f.write(bytes.fromhex("302a300506032b6570032100") + pub)
        body, _, signatures = note.partition("\n\n")
        with open(os.path.join(work, "body.txt"), "w") as f:
            f.write(body + "\n")
        line = next(l for l in signatures.splitlines() if l.startswith(f"\u2014 {origin} "))
        with open(os.path.join(work, "sig.bin"), "wb") as f:
            f.write(base64.b64decode(line.split(" ")[2])[4:])
        def check():
            return run("openssl", "pkeyutl", "-verify", "-pubin", "-inkey", os.path.join(work, "pub.der"),
                       "-keyform", "DER", "-rawin", "-in", os.path.join(work, "body.txt"),
                       "-sigfile", os.path.join(work, "sig.bin"))
        p = check()
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        with open(os.path.join(work, "body.txt"), "w") as f:
            f.write(body.replace("\n2\n", "\n3\n") + "\n")
        self.assertNotEqual(check().returncode, 0, "a changed size must not verify")

    def test_consistency_proof_verifies_with_chainmail_verify(self):
        for log in ("messages", "audit"):
            _, size1, root1 = parse_note(self.note(log, size=2))
            deadline = time.monotonic() + 20  # kept checkpoints follow commits within about a second
            _, size2, root2 = parse_note(self.note(log))
            while size2 <= size1 and time.monotonic() < deadline:
                time.sleep(0.2)
                _, size2, root2 = parse_note(self.note(log))
            self.assertGreater(size2, size1)
            proof = self.get_json(f"/api/v1/logs/{log}/consistency?from={size1}&to={size2}", self.auditor)
            self.assertEqual((proof["size1"], proof["size2"]), (size1, size2))
            self.assertEqual((proof["root1"], proof["root2"]), (root1, root2))
            argv = [VERIFY, "consistency", "--size1", str(size1), "--size2", str(size2),
                    "--root1", root1, "--root2", root2, "--proof", proof["proof"]]
            p = run(*argv)
            self.assertEqual((p.returncode, p.stdout.decode().strip()), (0, "valid"), p.stderr)
            # The held root of another size does not pass.
            _, _, other = parse_note(self.note(log, size=1))
            argv[argv.index("--root1") + 1] = other
            self.assertEqual(run(*argv).returncode, 1)

    def test_bad_proof_requests_are_clear_4xx_with_curl(self):
        for query, status in (("from=0&to=2", 400), ("from=3&to=2", 400), ("from=1&to=999999", 404),
                              ("from=1", 400), ("from=1&to=2&x=1", 400)):
            p = run("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H",
                    f"Authorization: Bearer {self.auditor}",
                    self.url(f"/api/v1/logs/messages/consistency?{query}"))
            self.assertEqual(p.stdout.decode(), str(status), query)
        self.get("/api/v1/checkpoints/messages?size=0", self.auditor, expect=400)
        self.get("/api/v1/checkpoints/nope/latest", self.auditor, expect=404)
        self.get("/api/v1/checkpoints/messages/latest", self.officer, expect=403)

    # --- exports -----------------------------------------------------------------------

    def test_officer_export_downloads_and_verifies_with_a_held_checkpoint(self):
        held = self.note("messages", size=3)
        held_file = os.path.join(self.tmp, "held-3.txt")
        with open(held_file, "w") as f:
            f.write(held)
        location = self.start_job("/api/v1/exports", self.officer,
                                  {"messages": "all", "known_checkpoints": [held]})
        job = self.wait_done(location, self.officer)
        self.assertEqual(job["state"], "done", job)
        self.assertEqual(job["bundle"]["records"], len(self.ids))
        out = os.path.join(self.tmp, "messages.tar")
        headers = self.curl_download(location, self.officer, out)
        self.assertEqual(headers["content-type"], "application/x-tar")
        self.assertIn(f"chainmail-export-{job['id']}.tar", headers["content-disposition"])
        self.assertEqual(os.path.getsize(out), job["bundle"]["size"])
        p = run(VERIFY, "bundle", out, *self.key_args(), "--known-checkpoint", held_file)
        text = p.stdout.decode()
        self.assertEqual(p.returncode, 0, text)
        self.assertNotIn("INVALID", text)
        self.assertIn("messages: held checkpoint at size 3: valid", text)
        self.assertRegex(text, r"summary: \d+ valid, 0 invalid, 0 not checked")
        for rid in self.ids:
            self.assertIn(f"record {rid}: valid", text)
        # Another officer cannot see it.
        other = self.daemon.token("officer", name="e2e officer 2")
        self.get(location, other, expect=404)
        self.get(location + "/bundle", other, expect=404)
        # The export and the download are audit events, in the listing the auditor reads.
        listing = self.get_json("/api/v1/audit/events?type=message.export&order=oldest", self.auditor)
        details = [e["detail"] for e in listing["events"] if e["actor"].startswith("e2e officer [")]
        self.assertEqual(details[-2]["manifest_sha256"], job["bundle"]["manifest_sha256"])
        self.assertEqual(details[-1]["action"], "download")

    def test_auditor_exports_the_audit_log(self):
        location = self.start_job("/api/v1/exports", self.auditor, {"audit": True})
        job = self.wait_done(location, self.auditor)
        self.assertEqual(job["state"], "done", job)
        out = os.path.join(self.tmp, "audit.tar")
        self.curl_download(location, self.auditor, out)
        p = run(VERIFY, "bundle", out, *self.key_args())
        self.assertEqual(p.returncode, 0, p.stdout.decode())
        status, _, body = self.daemon.rest("POST", "/api/v1/exports", token=self.auditor,
                                           body={"messages": "all"})
        self.assertEqual(status, 403, body)

    def test_verification_job_reports_a_valid_archive(self):
        location = self.start_job("/api/v1/verify", self.auditor, {"keys": self.keys})
        job = self.wait_done(location, self.auditor)
        self.assertEqual(job["state"], "done", job)
        report = job["report"]
        self.assertTrue(report["valid"], report)
        self.assertGreaterEqual(report["messages"]["records"], len(self.ids))
        self.assertTrue(report["checkpoints"]["signatures_checked"])

    def test_jobs_and_their_bundles_do_not_survive_a_restart(self):
        location = self.start_job("/api/v1/exports", self.officer, {"messages": [self.ids[0]]})
        job = self.wait_done(location, self.officer)
        self.assertEqual(job["state"], "done", job)
        exports = os.path.join(self.daemon.data_dir, "exports")
        self.assertIn(f"{job['id']}.tar", os.listdir(exports))
        self.daemon.restart()
        self.get(location, self.officer, expect=404)
        self.assertNotIn(f"{job['id']}.tar", os.listdir(exports))


if __name__ == "__main__":
    unittest.main()

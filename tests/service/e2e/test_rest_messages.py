"""The message routes over real HTTP against the real chainmaild: mail sent with smtplib is
found by search (Python's http.client and curl), GET /raw returns exactly the bytes that
were sent, the inclusion proof verifies with `chainmail-verify inclusion` against a
checkpoint whose signature openssl checks under the key `chainmail key show` prints,
labels, the auditor's limits, and bad input answered with named 400s while the daemon
keeps serving."""

import base64
import hashlib
import json
import os
import shutil
import smtplib
import subprocess
import tempfile
import time
import unittest
import urllib.parse

from harness import BIN, UUID_RE, Daemon, smtplib_wire, unstuff

VERIFY = os.path.join(BIN, "chainmail-verify")
RCPT = "journal@archive.test"


def sent_bytes(message):
    """What the archive must hold for `message` sent with smtplib."""
    return unstuff(smtplib_wire(message))


class RestMessages(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.daemon = Daemon()
        cls.tmp = tempfile.mkdtemp(prefix="chainmail-e2e-rest-")
        try:
            cls.officer = cls.daemon.token("officer")
            cls.auditor = cls.daemon.token("auditor")
            cls.marker = os.urandom(6).hex()
            cls.messages = {}  # id -> exact bytes archived
            for i, body in enumerate([
                    b"Plain text.\r\n",
                    b"8-bit: caf\xc3\xa9 \xff\xfe and a NUL \x00 here\r\n.leading dot\r\nno final CRLF",
                    b"bare\nLF and bare\rCR\r\n" + bytes(range(1, 256)) + b"\r\n"]):
                msg = (f"From: Erin <erin@example.test>\r\nTo: Frank <frank@example.test>\r\n"
                       f"Subject: case {cls.marker} #{i}\r\nMessage-ID: <m{i}.{cls.marker}@client.test>\r\n"
                       f"Date: Mon, 02 Mar 2026 10:00:0{i} +0000\r\n\r\n").encode() + body
                cls.messages[cls.send(msg, f"erin.{cls.marker}@example.test")] = sent_bytes(msg)
        except BaseException:
            cls.daemon.close()
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        cls.daemon.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def send(cls, message, mail_from):
        with smtplib.SMTP("127.0.0.1", cls.daemon.port, timeout=60) as s:
            s.ehlo("client.test")
            s.mail(mail_from, ["BODY=8BITMIME"])
            s.rcpt(RCPT)
            code, reply = s.data(message)
            if code != 250:
                raise AssertionError(f"DATA answered {code} {reply!r}")
            return UUID_RE.search(reply.decode()).group(0)

    # --- helpers ---------------------------------------------------------------------

    def url(self, path, **query):
        q = urllib.parse.urlencode(query)
        return path + ("?" + q if q else "")

    def get_json(self, path, token=None, **query):
        status, headers, body = self.daemon.rest("GET", self.url(path, **query), token=token or self.officer)
        self.assertIn("json", headers.get("content-type", ""), body)
        return status, json.loads(body)

    def curl(self, *args):
        base = f"{self.daemon.http_scheme}://127.0.0.1:{self.daemon.http_port}"
        argv = ["curl", "-sS", "-k"]
        for a in args:
            argv.append(base + a if a.startswith("/api/") else a)
        return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)

    def auth(self, token=None):
        return f"Authorization: Bearer {token or self.officer}"

    # --- tests -----------------------------------------------------------------------

    def test_search_finds_what_smtp_sent(self):
        status, page = self.get_json("/api/v1/messages", mail_from=f"erin.{self.marker}@example.test",
                                     order="oldest")
        self.assertEqual(status, 200, page)
        self.assertEqual([m["id"] for m in page["messages"]], list(self.messages))
        first = page["messages"][0]
        self.assertEqual(first["rcpt_to"], [RCPT])
        self.assertEqual(first["subject"], f"case {self.marker} #0")
        self.assertEqual(first["decision"], "accept")
        self.assertIsNone(page["next_cursor"])

        ids = list(self.messages)
        status, page = self.get_json("/api/v1/messages", message_id=f"m1.{self.marker}@client.test")
        self.assertEqual([m["id"] for m in page["messages"]], [ids[1]])
        self.assertIn("nul", page["messages"][0]["flags"])
        self.assertIn("eight_bit", page["messages"][0]["flags"])

        # Paging with curl: one message a page, newest first, following next_cursor.
        seen, cursor = [], None
        while True:
            q = {"subject": self.marker, "limit": "1"}
            if cursor:
                q["cursor"] = cursor
            p = self.curl("-H", self.auth(), self.url("/api/v1/messages", **q))
            self.assertEqual(p.returncode, 0, p.stderr)
            page = json.loads(p.stdout)
            seen += [m["id"] for m in page["messages"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
            self.assertLess(len(seen), 10)
        self.assertEqual(seen, list(reversed(ids)))

    def test_raw_is_exactly_what_was_sent(self):
        for rid, expected in self.messages.items():
            status, headers, body = self.daemon.rest("GET", f"/api/v1/messages/{rid}/raw", token=self.officer)
            self.assertEqual(status, 200)
            self.assertEqual(body, expected, rid)
            self.assertEqual(headers["content-type"], "message/rfc822")
            etag = '"' + hashlib.sha256(expected).hexdigest() + '"'
            self.assertEqual(headers["etag"], etag)
            self.assertEqual(headers["content-disposition"], f'attachment; filename="{rid}.eml"')
            # HEAD: the same head, no body (http.client reads none for HEAD; the next
            # request would fail if the server had sent one).
            status, head_headers, body = self.daemon.rest("HEAD", f"/api/v1/messages/{rid}/raw", token=self.officer)
            self.assertEqual(status, 200)
            self.assertEqual(body, b"")
            self.assertEqual(head_headers["etag"], etag)
            p = self.curl("-I", "-H", self.auth(), "-w", "%{http_code}", f"/api/v1/messages/{rid}/raw")
            self.assertTrue(p.stdout.endswith(b"200"), p.stdout)
            self.assertIn(etag.encode(), p.stdout)

            out = os.path.join(self.tmp, f"{rid}.eml")
            p = self.curl("-H", self.auth(), "-o", out, "-w", "%{http_code}", f"/api/v1/messages/{rid}/raw")
            self.assertEqual(p.stdout, b"200", p.stderr)
            with open(out, "rb") as f:
                self.assertEqual(f.read(), expected)
            p = self.curl("-H", self.auth(), "-H", f"If-None-Match: {etag}", "-o", "/dev/null", "-w",
                          "%{http_code}", f"/api/v1/messages/{rid}/raw")
            self.assertEqual(p.stdout, b"304", p.stderr)

    def test_proof_verifies_with_chainmail_verify(self):
        rid = list(self.messages)[-1]
        deadline = time.monotonic() + 30
        while True:  # the checkpointer signs within about a second of the commit
            status, headers, body = self.daemon.rest("GET", f"/api/v1/messages/{rid}/proof", token=self.auditor)
            if status != 503 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(status, 200, body)
        text = body.decode()
        head, _, note = text.partition("\n\n")
        lines = head.split("\n")
        self.assertEqual(lines[0], "c2sp.org/tlog-proof@v1")
        self.assertTrue(lines[1].startswith("extra "))
        leaf = base64.b64decode(lines[1][6:], validate=True)
        self.assertEqual(len(leaf), 132)
        index = int(lines[2][len("index "):])
        path = [base64.b64decode(h, validate=True).hex() for h in lines[3:]]
        origin, size, root_b64 = note.split("\n")[:3]
        self.assertTrue(origin.endswith("/messages"))
        self.assertEqual(leaf[84:100].hex(), rid.replace("-", ""), "the leaf is this message's")
        self.assertEqual(int.from_bytes(leaf[36:44], "big"), index)
        leaf_hash = hashlib.sha256(b"\x00" + leaf).hexdigest()
        root = base64.b64decode(root_b64, validate=True).hex()

        def inclusion(root_hex, leaf_hex=leaf_hash):
            return subprocess.run([VERIFY, "inclusion", "--index", str(index), "--size", size, "--leaf-hash",
                                   leaf_hex, "--root", root_hex, "--proof", ",".join(path)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)

        ok = inclusion(root)
        self.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr)
        self.assertEqual(ok.stdout.strip(), b"valid")
        self.assertEqual(inclusion("00" * 32).returncode, 1)
        other = hashlib.sha256(b"\x00" + leaf[:-1] + bytes([leaf[-1] ^ 1])).hexdigest()
        self.assertEqual(inclusion(root, other).returncode, 1)

        # The checkpoint's signature, checked with openssl under the pinned verifier key.
        keys = self.daemon.cli("key", "show")
        self.assertEqual(keys.returncode, 0, keys.stderr)
        vkey = next(k for k in keys.stdout.decode().split() if k.startswith(origin + "+"))
        pub = base64.b64decode(vkey.split("+", 2)[2])[-32:]
        der = os.path.join(self.tmp, "pub.der")
        with open(der, "wb") as f:
            f.write(bytes.fromhex("302a300506032b6570032100") + pub)
        body_txt, sig_txt = os.path.join(self.tmp, "body.txt"), os.path.join(self.tmp, "sig.bin")
        checkpoint_body, _, signatures = note.partition("\n\n")
        with open(body_txt, "wb") as f:
            f.write((checkpoint_body + "\n").encode())
        sig_line = next(l for l in signatures.split("\n") if l.startswith("\u2014 " + origin + " "))
        with open(sig_txt, "wb") as f:
            f.write(base64.b64decode(sig_line.split(" ")[2])[-64:])
        p = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", der, "-keyform", "DER", "-rawin",
                            "-in", body_txt, "-sigfile", sig_txt], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_detail_labels_and_audit(self):
        rid = list(self.messages)[0]
        status, d = self.get_json(f"/api/v1/messages/{rid}")
        self.assertEqual(status, 200, d)
        self.assertEqual(d["envelope"]["mail_from"], f"<erin.{self.marker}@example.test> BODY=8BITMIME")
        self.assertEqual(d["envelope"]["helo_name"], "client.test")
        self.assertEqual(d["envelope"]["client_address"], "127.0.0.1")
        self.assertEqual(d["sha256"], hashlib.sha256(self.messages[rid]).hexdigest())

        label = f"case-{self.marker}"
        p = self.curl("-X", "PUT", "-H", self.auth(), "-w", "\n%{http_code}", f"/api/v1/messages/{rid}/labels/{label}")
        self.assertTrue(p.stdout.endswith(b"\n201"), p.stdout)
        status, page = self.get_json("/api/v1/messages", label=label)
        self.assertEqual([m["id"] for m in page["messages"]], [rid])
        status, _, _ = self.daemon.rest("DELETE", f"/api/v1/messages/{rid}/labels/{label}", token=self.officer)
        self.assertEqual(status, 200)
        status, _, _ = self.daemon.rest("DELETE", f"/api/v1/messages/{rid}/labels/{label}", token=self.officer)
        self.assertEqual(status, 404)

        # Auditor: envelope only; a header filter is refused.
        status, d = self.get_json(f"/api/v1/messages/{rid}", token=self.auditor)
        self.assertEqual(status, 200)
        self.assertNotIn("headers", d)
        status, problem = self.get_json("/api/v1/messages", token=self.auditor, subject=self.marker)
        self.assertEqual(status, 403)
        self.assertEqual(problem["parameter"], "subject")
        status, _, _ = self.daemon.rest("GET", f"/api/v1/messages/{rid}/raw", token=self.auditor)
        self.assertEqual(status, 403)

    def test_bad_input_is_a_named_400_and_the_daemon_keeps_serving(self):
        for query, name in [("limit=abc", "limit"), ("limit=0", "limit"), ("limit=501", "limit"),
                            ("limit=-1", "limit"), ("received_since=yesterday", "received_since"),
                            ("mail_from=%C0%AF", "mail_from"), ("subject=a%00b", "subject"),
                            ("cursor=%27%20OR%201%3D1%20--", "cursor"), ("flags=nul%2C%25", "flags"),
                            ("bogus=1", "bogus")]:
            status, headers, body = self.daemon.rest("GET", "/api/v1/messages?" + query, token=self.officer)
            self.assertEqual(status, 400, query)
            self.assertEqual(headers["content-type"], "application/problem+json")
            self.assertEqual(json.loads(body)["parameter"], name, query)
        for rid in ["not-a-uuid", "..", "%2E%2E%2Fetc"]:
            status, _, body = self.daemon.rest("GET", f"/api/v1/messages/{rid}", token=self.officer)
            self.assertIn(status, (400, 404), rid)
        status, page = self.get_json("/api/v1/messages", mail_from="' OR 1=1 --")
        self.assertEqual((status, page["messages"]), (200, []))
        status, page = self.get_json("/api/v1/messages", limit="1")
        self.assertEqual(status, 200)
        self.assertEqual(len(page["messages"]), 1)


if __name__ == "__main__":
    unittest.main()

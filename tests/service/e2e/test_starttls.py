"""STARTTLS against the real daemon and its self-signed certificate (data.dir/tls):
certificate and host name checked, TLS recorded with the message, smtp.require_tls,
TLS 1.2+ only, and no plaintext injected before the handshake survives it."""

import os
import re
import shutil
import smtplib
import socket
import ssl
import subprocess
import unittest

from harness import Daemon, archived_id, make_message

RCPT = "journal@archive.test"
FROM = "sender@example.test"


def openssl_s_client(port, *extra, timeout=30):
    """openssl s_client -starttls smtp; (returncode, combined output)."""
    p = subprocess.run(["openssl", "s_client", "-starttls", "smtp", "-connect",
                        f"127.0.0.1:{port}", "-servername", "localhost", *extra],
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def negotiated_protocol(output):
    """The protocol of a completed handshake, or None ("Cipher is (NONE)")."""
    m = re.search(r"^New, (\S+), Cipher is (\S+)", output, re.M)
    if not m or m.group(2) == "(NONE)":
        return None
    p = re.search(r"^\s*Protocol\s*:\s*(\S+)", output, re.M)
    return p.group(1) if p else m.group(1)


class StartTls(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.daemon = Daemon()

    @classmethod
    def tearDownClass(cls):
        cls.daemon.close()

    def context(self):
        return ssl.create_default_context(cafile=self.daemon.cert_path)

    def test_smtplib_starttls_with_verified_certificate(self):
        msg = make_message(subject="over TLS", body=b"Encrypted on the way in.\r\n")
        s = smtplib.SMTP("localhost", self.daemon.port, local_hostname="client.test",
                         timeout=60)
        try:
            s.ehlo()
            self.assertTrue(s.has_extn("starttls"), s.esmtp_features)
            code, resp = s.starttls(context=self.context())
            self.assertEqual(code, 220, resp)
            self.assertEqual(s.sock.version(), "TLSv1.3")
            s.ehlo()
            self.assertFalse(s.has_extn("starttls"), "STARTTLS advertised again inside TLS")
            self.assertTrue(s.has_extn("size"))
            self.assertEqual(s.mail(FROM, ["BODY=8BITMIME"])[0], 250)
            self.assertEqual(s.rcpt(RCPT)[0], 250)
            code, resp = s.data(msg)
            self.assertEqual(code, 250, resp)
            record = archived_id("250 " + resp.decode())
            s.quit()
        finally:
            s.close()
        self.assertEqual(self.daemon.show_raw(record), msg)
        meta = self.daemon.show(record)
        self.assertRegex(meta["TLS"], r"^TLSv1\.3 \S+")

    def test_large_message_and_bdat_over_tls(self):
        body = b"".join(b"%07d " % i + os.urandom(30).hex().encode() + b"\r\n" for i in range(60000))
        msg = make_message(subject="large over TLS", body=b".dot\r\n" + body)
        with self.daemon.raw() as c:
            c.ehlo()
            c.starttls(self.daemon.cert_path)
            c.ehlo()
            r1, s1 = c.send_message(msg)
            step = 1_000_003
            r2, s2 = c.bdat_message([msg[i:i + step] for i in range(0, len(msg), step)])
        self.assertGreater(len(msg), 4_000_000)
        self.assertEqual(self.daemon.show_raw(r1), s1)
        self.assertEqual(self.daemon.show_raw(r2), s2)
        self.assertEqual(s2, msg)

    def test_certificate_has_ip_san_and_rejects_other_names(self):
        # 127.0.0.1 is in the SAN: verification by IP address works.
        with self.daemon.raw() as c:
            c.ehlo()
            c.starttls(self.daemon.cert_path, server_hostname="127.0.0.1")
            self.assertEqual(c.sock.version(), "TLSv1.3")
            self.assertEqual(c.ehlo().code, 250)
        # Not in the SAN: the host name check fails (proves the check is real).
        with self.daemon.raw() as c:
            c.ehlo()
            with self.assertRaises(ssl.SSLCertVerificationError):
                c.starttls(self.daemon.cert_path, server_hostname="wrong.example")

    def test_second_starttls_is_refused(self):
        with self.daemon.raw() as c:
            c.ehlo()
            c.starttls(self.daemon.cert_path)
            c.ehlo()
            r = c.cmd("STARTTLS")
            self.assertEqual(r.code, 503, r)
            self.assertEqual(c.cmd("NOOP").code, 250)

    def test_plaintext_injected_with_starttls_is_discarded(self):
        with self.daemon.raw() as c:
            ehlo = c.ehlo()
            self.assertIn("STARTTLS", ehlo.text)
            c.send(b"STARTTLS\r\nNOOP\r\n")  # one packet: NOOP is an injection
            r = c.reply()
            self.assertEqual(r.code, 220, r)
            # Nothing answered in plaintext after the 220.
            c.settimeout(0.5)
            try:
                extra = c.sock.recv(4096, socket.MSG_PEEK)
            except socket.timeout:
                extra = b""
            c.settimeout(60)
            self.assertEqual(c.buf + extra, b"", "plaintext after 220 (NOOP answered?)")
            c.wrap_tls(self.daemon.cert_path)
            # Inside TLS: no reply may be waiting (the injected NOOP must not be answered).
            c.settimeout(1.0)
            with self.assertRaises(socket.timeout, msg="a reply arrived unasked inside TLS"):
                c.reply()
            c.settimeout(60)
            # The session was reset: the first reply inside TLS is our EHLO's, and it
            # does not offer STARTTLS again.
            r = c.cmd("EHLO client.test")
            self.assertEqual(r.code, 250)
            self.assertGreater(len(r.lines), 1, f"first TLS reply is not the EHLO reply: {r}")
            self.assertNotIn("STARTTLS", r.text)
            record, stored = c.send_message(make_message(subject="after injection"))
        self.assertRegex(self.daemon.show(record)["TLS"], r"^TLSv1\.[23] ")
        self.assertEqual(self.daemon.show_raw(record), stored)

    def test_mail_transaction_state_is_reset_by_starttls(self):
        with self.daemon.raw() as c:
            c.ehlo()
            c.starttls(self.daemon.cert_path)
            # EHLO state forgotten (RFC 3207 4.2): MAIL before a new EHLO is out of sequence.
            r = c.cmd("MAIL FROM:<sender@example.test>")
            self.assertEqual(r.code, 503, r)
            c.ehlo()
            self.assertEqual(c.cmd("MAIL FROM:<sender@example.test>").code, 250)

    @unittest.skipUnless(shutil.which("openssl"), "openssl not installed")
    def test_openssl_tls12_accepted_tls11_refused(self):
        port = self.daemon.port
        rc, out = openssl_s_client(port, "-tls1_2", "-CAfile", self.daemon.cert_path)
        self.assertEqual(negotiated_protocol(out), "TLSv1.2", out)
        self.assertIn("Verify return code: 0 (ok)", out)

        helptext = subprocess.run(["openssl", "s_client", "-help"], stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT).stdout.decode()
        if not re.search(r"^\s*-tls1_1\b", helptext, re.M):
            self.skipTest("local openssl s_client has no -tls1_1")
        # SECLEVEL=0 so the local client is willing to offer TLS 1.1 at all.
        rc, out = openssl_s_client(port, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0")
        if "no protocols available" in out:
            self.skipTest("local openssl refuses to offer TLS 1.1 (" + out.strip()[-200:] + ")")
        self.assertIsNone(negotiated_protocol(out), "TLS 1.1 was negotiated:\n" + out)
        self.assertNotEqual(rc, 0, out)
        # Refused by the server (protocol_version alert), not given up by the client.
        self.assertIn("alert protocol version", out)
        # The daemon keeps serving.
        with self.daemon.raw() as c:
            self.assertEqual(c.ehlo().code, 250)


class FirstStart(unittest.TestCase):
    def test_tls_material_is_private_and_stable_across_restarts(self):
        with Daemon() as daemon:
            self.assertEqual(os.stat(daemon.data_dir).st_mode & 0o777, 0o700)
            key = os.path.join(daemon.data_dir, "tls", "key.pem")
            self.assertEqual(os.stat(key).st_mode & 0o077, 0, "private key readable by others")
            with open(daemon.cert_path, "rb") as f:
                before = f.read()
            self.assertEqual(daemon.stop(), 0)
            daemon.start()
            with open(daemon.cert_path, "rb") as f:
                self.assertEqual(f.read(), before, "certificate replaced on restart")
            with daemon.raw() as c:
                c.ehlo()
                c.starttls(daemon.cert_path)  # verified against the same certificate
                self.assertEqual(c.ehlo().code, 250)


class RequireTls(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.daemon = Daemon({"smtp.require_tls": "true"})

    @classmethod
    def tearDownClass(cls):
        cls.daemon.close()

    def test_mail_before_starttls_gets_530(self):
        with self.daemon.raw() as c:
            c.ehlo()
            r = c.cmd("MAIL FROM:<sender@example.test>")
            self.assertEqual(r.code, 530, r)
            self.assertTrue(r.last.startswith("530 5.7.0"), r)
            # Nothing got through in plaintext, even pipelined.
            c.send(b"MAIL FROM:<a@b.test>\r\nRCPT TO:<journal@archive.test>\r\nDATA\r\n")
            codes = [x.code for x in c.replies(3)]
            self.assertEqual(codes[0], 530, codes)
            self.assertNotIn(354, codes)
            self.assertNotIn(250, codes)

    def test_after_starttls_it_works(self):
        with self.daemon.raw() as c:
            c.ehlo()
            c.starttls(self.daemon.cert_path)
            c.ehlo()
            msg = make_message(subject="required TLS")
            record, stored = c.send_message(msg)
            self.assertEqual(c.cmd("QUIT").code, 221)
        self.assertEqual(self.daemon.show_raw(record), stored)
        self.assertRegex(self.daemon.show(record)["TLS"], r"^TLSv1\.3 \S+")

    def test_smtplib_with_starttls(self):
        s = smtplib.SMTP("localhost", self.daemon.port, timeout=60)
        try:
            s.starttls(context=ssl.create_default_context(cafile=self.daemon.cert_path))
            msg = make_message(subject="smtplib required TLS")
            s.ehlo()
            self.assertEqual(s.mail(FROM)[0], 250)
            self.assertEqual(s.rcpt(RCPT)[0], 250)
            code, resp = s.data(msg)
            self.assertEqual(code, 250, resp)
            record = archived_id("250 " + resp.decode())
        finally:
            s.close()
        self.assertEqual(self.daemon.show_raw(record), msg)


if __name__ == "__main__":
    unittest.main()

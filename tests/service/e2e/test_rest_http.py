"""The REST API over real sockets against the real daemon: curl and http.client, keep-alive,
HTTPS with a test CA (TLS 1.2 and 1.3 only), /healthz and /metrics, and every kind of bad
input an HTTP server meets — oversized bodies and heads, malformed and smuggling-shaped
requests, odd methods, path traversal, clients that trickle or never speak, a flood of
bad tokens — each answered with a problem+json carrying a request id, and the daemon
serving on after every one."""

import http.client
import json
import os
import re
import shutil
import signal
import smtplib
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

from harness import CHAINMAILD, Daemon, archived_id, db_connect, make_message, wait_until

AUTH_DENIED = 0x0032  # archive/format/payload_tags.h auditevent::kAuthDenied
MAX_BODY = 4096
SECRET_ADDRESS = "metrics-secret@customer.test"


# --- small clients ------------------------------------------------------------------------

class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"Response({self.status}, {self.headers}, {self.body[:300]!r})"


def read_response(sock, head_request=False):
    """One HTTP/1.1 response from `sock` (Content-Length, chunked, or until close)."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before a response head; got {buf!r}")
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    if head_request or status in (100, 204, 304):
        return Response(status, headers, b""), rest
    if "content-length" in headers:
        n = int(headers["content-length"])
        while len(rest) < n:
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
        return Response(status, headers, rest[:n]), rest[n:]
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            while b"\r\n" not in rest:
                rest += sock.recv(65536)
            size_line, rest = rest.split(b"\r\n", 1)
            size = int(size_line.split(b";")[0], 16)
            while len(rest) < size + 2:
                rest += sock.recv(65536)
            body, rest = body + rest[:size], rest[size + 2:]
            if size == 0:
                return Response(status, headers, body), rest
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return Response(status, headers, rest), b""
        rest += chunk


def raw_exchange(port, data, timeout=15, source=None, head_request=False):
    """Sends `data` on a fresh connection; returns (Response, closed_after) where
    closed_after says whether the server closed the connection after answering."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                  source_address=(source, 0) if source else None) as s:
        s.sendall(data)
        resp, _ = read_response(s, head_request)
        s.settimeout(3)
        try:
            closed = s.recv(1) == b""
        except ConnectionResetError:
            closed = True
        except socket.timeout:
            closed = False
        return resp, closed


def curl(*args, timeout=60):
    p = subprocess.run(["curl", "-sS", "--max-time", "30", *args], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def parse_metrics(text):
    """Prometheus text -> {(name, frozenset(labels)): value}; checks every line's shape."""
    sample_re = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
    label_re = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)')
    types, out = {}, {}
    for line in text.splitlines():
        if line.startswith("# HELP "):
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert kind in ("counter", "gauge", "histogram"), line
            types[name] = kind
            continue
        m = sample_re.match(line)
        assert m, f"not a sample line: {line!r}"
        name, labels = m.group(1), {}
        if m.group(2):
            pos = 0
            while pos < len(m.group(2)):
                lm = label_re.match(m.group(2), pos)
                assert lm, f"bad labels in {line!r}"
                labels[lm.group(1)] = lm.group(2)
                pos = lm.end()
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        assert name in types or types.get(base) == "histogram", f"{name} has no TYPE"
        out[(name, frozenset(labels.items()))] = float(m.group(3))
    return out


class ProblemAssertions:
    def assertProblem(self, resp, status, detail_re=None):
        """A problem+json answer of `status` with the RFC 9457 members and a request id."""
        self.assertEqual(resp.status, status, resp)
        ctype = resp.headers.get("content-type", "")
        self.assertTrue(ctype.startswith("application/problem+json"), resp)
        body = json.loads(resp.body)
        for member in ("type", "title", "status", "detail", "request_id"):
            self.assertIn(member, body, resp)
        self.assertEqual(body["status"], status)
        self.assertTrue(body["type"].startswith("urn:chainmail:problem:"), body)
        self.assertEqual(resp.headers.get("x-request-id"), body["request_id"], resp)
        self.assertRegex(body["request_id"], r"^[0-9a-f-]{36}$")
        if detail_re:
            self.assertRegex(body["detail"], detail_re)
        return body

    def assertStillServing(self):
        self.assertTrue(self.daemon.running(), "chainmaild exited:\n" + self.daemon.log_text())
        status, _, body = self.daemon.rest("GET", "/healthz")
        self.assertIn(status, (200, 503), body)
        self.assertIn(json.loads(body)["status"], ("ok", "degraded", "failing"))


def send_mail(daemon, sender=SECRET_ADDRESS):
    with smtplib.SMTP("127.0.0.1", daemon.port, timeout=30) as s:
        s.ehlo("client.test")
        s.mail(f"<{sender}>")
        s.rcpt("<journal@archive.test>")
        code, reply = s.data(make_message(subject="metrics and health"))
        return archived_id(f"{code} {reply.decode()}")


# --- plain HTTP on loopback ----------------------------------------------------------------

class PlainHttp(ProblemAssertions, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.daemon = Daemon({"http.max_body_bytes": MAX_BODY, "http.timeout_s": 3,
                             "http.max_connections_per_ip": 8})
        cls.admin = cls.daemon.token("admin")
        cls.record = send_mail(cls.daemon)

    @classmethod
    def tearDownClass(cls):
        cls.daemon.close()

    @property
    def port(self):
        return self.daemon.http_port

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    # health and metrics

    def test_healthz_is_public_and_ok_once_mail_flows(self):
        def healthy():
            rc, out, err = curl("-i", self.url("/healthz"))
            return out if rc == 0 and b'"status":"ok"' in out else None
        out = wait_until(healthy, 10, 0.2)  # the first checkpoint follows the first commit
        self.assertTrue(out, curl("-i", self.url("/healthz"))[1])
        head, body = out.split(b"\r\n\r\n", 1)
        self.assertIn(b"200", head.split(b"\r\n")[0])
        report = json.loads(body)
        self.assertEqual(set(report["checks"]), {"database", "disk", "writer", "signing", "checkpoint.messages",
                                                 "checkpoint.audit", "newest_message", "fulltext"})
        self.assertEqual(report["checks"]["writer"]["status"], "ok")
        self.assertEqual(report["checks"]["signing"]["status"], "ok")
        self.assertLess(report["checks"]["newest_message"]["age_s"], 600)
        self.assertNotIn(SECRET_ADDRESS.encode(), body)

    def test_metrics_parse_and_count_what_happened(self):
        rc, out, err = curl(self.url("/metrics"), "-D", "-")
        self.assertEqual(rc, 0, err)
        head, body = out.split(b"\r\n\r\n", 1)
        self.assertIn(b"content-type: text/plain; version=0.0.4", head.lower())
        text = body.decode()
        self.assertNotIn(SECRET_ADDRESS, text)
        m = parse_metrics(text)
        value = lambda name, **labels: m.get((name, frozenset(labels.items())))
        self.assertGreaterEqual(value("chainmail_messages_archived_total"), 1)
        self.assertGreater(value("chainmail_archived_bytes_total"), 100)
        self.assertGreaterEqual(value("chainmail_smtp_replies_total", code="250"), 4)  # EHLO MAIL RCPT DATA
        self.assertGreaterEqual(value("chainmail_smtp_replies_total", code="220"), 1)
        self.assertIn(("chainmail_smtp_sessions_active", frozenset()), m)
        commits = value("chainmail_commits_total")
        self.assertGreaterEqual(commits, 2)  # service.start, the message
        self.assertEqual(value("chainmail_commit_batch_size_count"), commits)
        self.assertEqual(value("chainmail_commit_duration_seconds_count"), commits)
        self.assertEqual(value("chainmail_commit_duration_seconds_bucket", le="+Inf"), commits)
        syncs = value("chainmail_commit_syncs_total")
        self.assertGreaterEqual(syncs, 1)
        self.assertEqual(value("chainmail_wal_sync_duration_seconds_count"), syncs)
        self.assertEqual(value("chainmail_wal_sync_duration_seconds_bucket", le="+Inf"), syncs)
        self.assertGreater(value("chainmail_process_start_time_seconds"), time.time() - 3600)
        # A request counted by route pattern and status, then seen in the next scrape.
        before = value("chainmail_http_requests_total", method="GET", route="/api/v1/tokens",
                       code="401") or 0
        self.assertEqual(self.daemon.rest("GET", "/api/v1/tokens")[0], 401)
        m2 = parse_metrics(curl(self.url("/metrics"))[1].decode())
        self.assertEqual(m2[("chainmail_http_requests_total",
                             frozenset({"method": "GET", "route": "/api/v1/tokens",
                                        "code": "401"}.items()))], before + 1)
        self.assertGreaterEqual(m2[("chainmail_http_requests_total",
                                    frozenset({"method": "GET", "route": "/metrics",
                                               "code": "200"}.items()))], 1)
        # Every answer of a route is timed: its histogram counts what its counters count.
        tokens = {"method": "GET", "route": "/api/v1/tokens"}
        answered = sum(v for (name, labels), v in m2.items()
                       if name == "chainmail_http_requests_total" and tokens.items() <= dict(labels).items())
        self.assertEqual(m2[("chainmail_http_request_duration_seconds_count", frozenset(tokens.items()))], answered)
        self.assertEqual(m2[("chainmail_http_request_duration_seconds_bucket",
                             frozenset({**tokens, "le": "+Inf"}.items()))], answered)
        self.assertGreater(m2[("chainmail_http_request_duration_seconds_sum", frozenset(tokens.items()))], 0)

    # connections

    def test_keep_alive_serves_many_requests_on_one_connection(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        try:
            conn.connect()
            sock = conn.sock
            for path, token, expected in [("/healthz", None, 200), ("/api/v1/openapi.yaml", None, 200),
                                          ("/api/v1/tokens", self.admin, 200), ("/nope", None, 404),
                                          ("/api/v1/tokens", None, 401), ("/metrics", None, 200)]:
                headers = {"Authorization": f"Bearer {token}"} if token else {}
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                resp.read()
                self.assertEqual(resp.status, expected, path)
                self.assertIs(conn.sock, sock, f"the connection was not kept alive after {path}")
        finally:
            conn.close()
        # Pipelined: two requests in one write, two answers in order.
        with socket.create_connection(("127.0.0.1", self.port), timeout=15) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\nGET /nope HTTP/1.1\r\nHost: t\r\n\r\n")
            first, rest = read_response(s)
            self.assertIn(first.status, (200, 503))
            # The second answer may already be buffered in `rest`.
            s2 = _Prefixed(s, rest)
            second, _ = read_response(s2)
            self.assertProblem(second, 404)
        # curl reuses its connection for two URLs.
        rc, out, err = curl("-v", self.url("/healthz"), self.url("/metrics"), "-o", "/dev/null",
                            "-o", "/dev/null")
        self.assertEqual(rc, 0, err)
        self.assertRegex(err, r"(?i)re-?using existing connection")

    # bodies

    def test_body_over_the_limit_is_413_and_the_server_keeps_serving(self):
        big = json.dumps({"name": "x" * (MAX_BODY + 100)}).encode()
        resp, closed = raw_exchange(self.port, b"POST /api/v1/tokens HTTP/1.1\r\nHost: t\r\n"
                                    b"Authorization: Bearer " + self.admin.encode() + b"\r\n"
                                    b"Content-Type: application/json\r\n"
                                    b"Content-Length: " + str(len(big)).encode() + b"\r\n\r\n")
        self.assertProblem(resp, 413, r"4096 bytes")
        self.assertTrue(closed, "a declared oversized body is not read: the connection closes")
        # Chunked, no length declared: cut off at the limit.
        chunks = b"".join(b"%x\r\n%s\r\n" % (1000, b"y" * 1000) for _ in range(6)) + b"0\r\n\r\n"
        resp, closed = raw_exchange(self.port, b"POST /api/v1/tokens HTTP/1.1\r\nHost: t\r\n"
                                    b"Authorization: Bearer " + self.admin.encode() + b"\r\n"
                                    b"Transfer-Encoding: chunked\r\n\r\n" + chunks)
        self.assertProblem(resp, 413)
        self.assertTrue(closed)
        # With curl, and a 100-continue expectation that is refused rather than granted.
        p = subprocess.run(["curl", "-sS", "-i", "--max-time", "30", "-X", "POST", self.url("/api/v1/tokens"),
                            "-H", f"Authorization: Bearer {self.admin}", "-H", "Content-Type: application/json",
                            "-H", "Expect: 100-continue", "--data-binary", "@-"],
                           input=big, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        self.assertNotIn(b"100 Continue", p.stdout)
        self.assertIn(b" 413", p.stdout.split(b"\r\n")[0])
        self.assertStillServing()

    def test_a_chunked_request_ends_its_connection(self):
        # A malformed chunk-size line is a 400 (service/http/chunked_body.h), and whatever
        # follows it must not become a second request on the same connection.
        smuggled = b"GET /api/v1/tokens HTTP/1.1\r\nHost: t\r\n\r\n"
        resp, closed = raw_exchange(self.port, b"POST /api/v1/tokens HTTP/1.1\r\nHost: t\r\n"
                                    b"Authorization: Bearer " + self.admin.encode() + b"\r\n"
                                    b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                                    b"zz\r\n" + smuggled)
        self.assertIn(resp.status, (400, 415), resp)
        self.assertEqual(resp.headers.get("connection", "").lower(), "close")
        self.assertTrue(closed, "bytes after a chunked body were read as another request")
        # A well-formed chunked body is read and answered.
        body = json.dumps({"name": "chunked"}).encode()
        resp, closed = raw_exchange(self.port, b"POST /api/v1/tokens HTTP/1.1\r\nHost: t\r\n"
                                    b"Authorization: Bearer " + self.admin.encode() + b"\r\n"
                                    b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                                    + b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
        self.assertEqual(resp.status, 201, resp)
        self.assertTrue(closed)

    def test_post_without_length_has_an_empty_body_and_is_answered_at_once(self):
        # RFC 9112 6.3: no Content-Length and no chunking is an empty body, not "read to EOF".
        start = time.monotonic()
        with socket.create_connection(("127.0.0.1", self.port), timeout=15) as s:
            s.sendall(b"POST /api/v1/tokens HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer "
                      + self.admin.encode() + b"\r\nContent-Type: application/json\r\n\r\n")
            resp, _ = read_response(s)
            self.assertLess(time.monotonic() - start, 2.5, "the server waited for a body")
            self.assertIn(resp.status, (400, 415))
            self.assertProblem(resp, resp.status)
            # Still in step: the next request on the same connection is answered.
            s.sendall(b"GET /nope HTTP/1.1\r\nHost: t\r\n\r\n")
            self.assertProblem(read_response(s)[0], 404)

    # heads

    def test_huge_or_many_headers_are_4xx_and_the_server_keeps_serving(self):
        resp, closed = raw_exchange(self.port, b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: "
                                    + b"a" * 20000 + b"\r\n\r\n")
        self.assertProblem(resp, 431)
        self.assertTrue(closed)
        many = b"".join(b"X-H%d: v\r\n" % i for i in range(200))
        resp, closed = raw_exchange(self.port, b"GET /healthz HTTP/1.1\r\nHost: t\r\n" + many + b"\r\n")
        self.assertProblem(resp, 431)
        resp, closed = raw_exchange(self.port, b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: t\r\n\r\n")
        self.assertProblem(resp, 414)
        self.assertStillServing()

    def test_malformed_and_smuggling_shaped_requests_are_refused(self):
        cases = [
            (b"GARBAGE / NONSENSE\r\n\r\n", 400, r"not HTTP"),
            (b"GET /healthz HTTP/2.0\r\nHost: t\r\n\r\n", 505, r"HTTP/1.1"),
            (b"G" * 40 + b" /healthz HTTP/1.1\r\nHost: t\r\n\r\n", 400, None),
            (b"GET /healthz HTTP/1.1\r\n\r\n", 400, r"Host"),
            (b"GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, r"Host"),
            (b"POST /api/v1/tokens HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
             b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, r"Content-Length and Transfer-Encoding"),
            (b"POST /api/v1/tokens HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
             400, r"Content-Length"),
            (b"POST /api/v1/tokens HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n", 400, r"Content-Length"),
            (b"POST /api/v1/tokens HTTP/1.1\r\nHost: t\r\nContent-Length: 0x10\r\n\r\n", 400, r"Content-Length"),
            (b"POST /api/v1/tokens HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n", 501, r"chunked"),
            (b"POST /api/v1/tokens HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, None),
            (b"POST /api/v1/tokens HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
             b"Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400, r"not a token"),
            (b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-A: a\x00b\r\n\r\n", 400, r"control character"),
            (b"GET /healthz?x=%zz HTTP/1.1\r\nHost: t\r\n\r\n", 400, r"percent"),
            (b"GET healthz HTTP/1.1\r\nHost: t\r\n\r\n", 400, r"'/'"),
            (b"GET /healthz#frag HTTP/1.1\r\nHost: t\r\n\r\n", 400, r"fragment"),
        ]
        for data, status, detail in cases:
            with self.subTest(data=data[:60]):
                resp, _ = raw_exchange(self.port, data)
                self.assertProblem(resp, status, detail)
        self.assertStillServing()

    def test_head_options_and_unknown_methods(self):
        # HEAD is GET without the body: GET's head (Content-Length too), nothing after it —
        # the next request on the connection is answered in step.
        with socket.create_connection(("127.0.0.1", self.port), timeout=15) as s:
            s.sendall(b"HEAD /healthz HTTP/1.1\r\nHost: t\r\n\r\nGET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
            head, rest = read_response(s, head_request=True)
            self.assertEqual(head.status, 200)
            self.assertEqual(head.body, b"")
            self.assertIn("x-request-id", head.headers)
            self.assertEqual(head.headers.get("content-type"), "application/json")
            self.assertGreater(int(head.headers.get("content-length", "0")), 0)
            buf = rest  # what came after the head must be the next answer, not a body
            while b"\r\n\r\n" not in buf:
                buf += s.recv(65536)
            self.assertTrue(buf.startswith(b"HTTP/1.1 200"), buf[:80])
        resp, _ = raw_exchange(self.port, b"HEAD /api/v1/tokens HTTP/1.1\r\nHost: t\r\n\r\n", head_request=True)
        self.assertEqual(resp.status, 401)
        self.assertEqual(resp.body, b"")
        resp, _ = raw_exchange(self.port, b"OPTIONS /api/v1/tokens HTTP/1.1\r\nHost: t\r\n\r\n")
        self.assertProblem(resp, 405)
        self.assertEqual(resp.headers.get("allow"), "GET, HEAD, POST")
        resp, _ = raw_exchange(self.port, b"HEAD /api/v1/exports HTTP/1.1\r\nHost: t\r\n\r\n", head_request=True)
        self.assertEqual(resp.status, 405)
        self.assertEqual(resp.headers.get("allow"), "POST")
        resp, _ = raw_exchange(self.port, b"BREW /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        self.assertProblem(resp, 405)
        resp, _ = raw_exchange(self.port, b"OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n")
        self.assertProblem(resp, 400)
        resp, _ = raw_exchange(self.port, b"GET /api/v2/nothing HTTP/1.1\r\nHost: t\r\n\r\n")
        self.assertProblem(resp, 404)
        rc, out, err = curl("-i", "-X", "DELETE", self.url("/healthz"))
        self.assertIn(b" 405", out.split(b"\r\n")[0])
        self.assertStillServing()

    def test_path_traversal_and_encoded_separators(self):
        for target in [b"/api/v1/../../etc/passwd", b"/api/v1/%2e%2e/%2e%2e/etc/passwd",
                       b"/api/v1/tokens/..", b"/api/v1/tokens/%2E%2E", b"/api/v1/./tokens",
                       b"/api/v1/tokens%2Fabc", b"/api/v1/tokens/abc%2f..%2f..", b"/api/v1/tokens/a%5Cb",
                       b"/api/v1/tokens/%00", b"/healthz%0a"]:
            with self.subTest(target=target):
                resp, _ = raw_exchange(self.port, b"DELETE " + target + b" HTTP/1.1\r\nHost: t\r\n"
                                       b"Authorization: Bearer " + self.admin.encode() + b"\r\n\r\n")
                self.assertIn(resp.status, (400, 404), resp)
                self.assertProblem(resp, resp.status)
        # curl --path-as-is sends the dots unnormalised.
        rc, out, err = curl("-i", "--path-as-is", self.url("/api/v1/../../healthz"))
        self.assertIn(b" 400", out.split(b"\r\n")[0])
        self.assertStillServing()

    # slow and silent clients

    def test_a_trickling_client_gets_408_within_the_timeout_and_others_are_served(self):
        with socket.create_connection(("127.0.0.1", self.port), timeout=20) as s:
            start = time.monotonic()
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n")
            # One header byte every 0.5 s: each read succeeds, the request never ends.
            answer = b""
            for i in range(40):
                self.assertStillServing()  # others are served meanwhile
                try:
                    s.sendall(b"X")
                except OSError:
                    break
                s.settimeout(0.5)
                try:
                    data = s.recv(65536)
                    if not data:
                        break
                    answer += data
                    if b"\r\n\r\n" in answer:
                        break
                except socket.timeout:
                    pass
            elapsed = time.monotonic() - start
        self.assertIn(b" 408 ", answer.split(b"\r\n")[0], answer)
        self.assertIn(b"application/problem+json", answer)
        self.assertLess(elapsed, 3 + 2.5, "the request deadline (http.timeout_s = 3) was not enforced")
        self.assertGreater(elapsed, 2.5)

    def test_a_slow_body_gets_408(self):
        with socket.create_connection(("127.0.0.1", self.port), timeout=20) as s:
            s.sendall(b"POST /api/v1/tokens HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n{")
            s.settimeout(10)
            start = time.monotonic()
            resp, _ = read_response(s)
            self.assertProblem(resp, 408)
            self.assertLess(time.monotonic() - start, 6)

    def test_connections_per_address_are_limited_and_others_still_served(self):
        idle = []
        try:
            for _ in range(8):
                idle.append(socket.create_connection(("127.0.0.1", self.port), timeout=10,
                                                     source_address=("127.0.0.4", 0)))
            time.sleep(0.3)  # let each be accepted and counted
            resp, closed = raw_exchange(self.port, b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n",
                                        source="127.0.0.4")
            self.assertProblem(resp, 503, r"too many connections")
            self.assertIn("retry-after", resp.headers)
            self.assertStillServing()  # from 127.0.0.1
        finally:
            for s in idle:
                s.close()
        # Those idle connections never sent a request: closed at the deadline, slots freed.
        ok = wait_until(lambda: raw_exchange(self.port, b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n",
                                             source="127.0.0.4")[0].status in (200, 503), 10, 0.3)
        self.assertTrue(ok)


class _Prefixed:
    """A socket whose first reads return `prefix`."""

    def __init__(self, sock, prefix):
        self.sock, self.prefix = sock, prefix

    def recv(self, n):
        if self.prefix:
            out, self.prefix = self.prefix[:n], self.prefix[n:]
            return out
        return self.sock.recv(n)


# --- a flood of bad tokens ------------------------------------------------------------------

class BadTokenFlood(ProblemAssertions, unittest.TestCase):
    def test_flood_from_one_address_is_slowed_and_audited_once(self):
        with Daemon({"http.auth_failures_per_minute": 10}) as d:
            self.daemon = d
            statuses = []
            for i in range(25):
                conn = http.client.HTTPConnection("127.0.0.1", d.http_port, timeout=15,
                                                  source_address=("127.0.0.3", 0))
                conn.request("GET", "/api/v1/tokens", headers={"Authorization": f"Bearer cmt_bad{i}"})
                r = conn.getresponse()
                resp = Response(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
                conn.close()
                statuses.append(resp.status)
                if resp.status == 429:
                    self.assertProblem(resp, 429)
                    self.assertGreater(int(resp.headers["retry-after"]), 0)
                    self.assertLessEqual(int(resp.headers["retry-after"]), 60)
                else:
                    self.assertProblem(resp, 401)
            # The first ten fail as themselves; then the address waits (unless the
            # minute turned over mid-flood, which restarts the count).
            self.assertEqual(statuses[:10].count(401), 10, statuses)
            self.assertIn(429, statuses, statuses)
            # Another address is unaffected, and public routes stay open to this one.
            self.assertEqual(d.rest("GET", "/api/v1/tokens", token="cmt_other")[0], 401)
            conn = http.client.HTTPConnection("127.0.0.1", d.http_port, timeout=15,
                                              source_address=("127.0.0.3", 0))
            conn.request("GET", "/healthz")
            self.assertIn(conn.getresponse().status, (200, 503))
            conn.close()
            # A valid token from the flooded address still works: sharing an address with
            # a flood locks nobody out.
            admin = d.token("admin")
            conn = http.client.HTTPConnection("127.0.0.1", d.http_port, timeout=15,
                                              source_address=("127.0.0.3", 0))
            conn.request("GET", "/api/v1/tokens", headers={"Authorization": f"Bearer {admin}"})
            self.assertEqual(conn.getresponse().status, 200)
            conn.close()
            self.assertEqual(d.stop(), 0)  # records the open windows
            with db_connect(d.db_path, readonly=True) as db:
                rows = db.execute(
                    "SELECT p.payload FROM audit_events e JOIN payloads p ON p.record_id = e.record_id "
                    "WHERE e.type = ? ORDER BY e.seq", (AUTH_DENIED,)).fetchall()
            flood = [bytes(p) for (p,) in rows if b"127.0.0.3" in bytes(p)]
            failures = statuses.count(401)
            windows = 1 if failures == 10 else 2  # a minute boundary splits the flood in two
            self.assertEqual(len(flood), windows, rows)
            counts = [int(re.search(rb'"count":(\d+)', p).group(1)) for p in flood]
            self.assertEqual(sum(counts), failures, "every failure counted, the 429s are not failures")
            self.assertTrue(all(b"invalid token" in p for p in flood))


# --- HTTPS with a test CA ---------------------------------------------------------------------

def make_test_ca(directory):
    """A CA and a server certificate for 127.0.0.1 signed by it; returns (ca, cert, key)."""
    def run(*args):
        subprocess.run(["openssl", *args], cwd=directory, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)
    run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=chainmail e2e test CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign")
    run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    with open(os.path.join(directory, "ext.cnf"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf")
    return (os.path.join(directory, n) for n in ("ca.pem", "server.pem", "server.key"))


def s_client(port, *extra):
    p = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", *extra],
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=30)
    out = p.stdout.decode("utf-8", "replace")
    m = re.search(r"^New, (\S+), Cipher is (\S+)", out, re.M)
    protocol = m.group(1) if m and m.group(2) != "(NONE)" else None
    return p.returncode, protocol, out


@unittest.skipUnless(shutil.which("openssl") and shutil.which("curl"), "needs openssl and curl")
class Https(ProblemAssertions, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ca_dir = tempfile.mkdtemp(prefix="chainmail-ca-")
        cls.ca, cert, key = make_test_ca(cls.ca_dir)
        cls.daemon = Daemon({"http.tls": "on", "http.tls_cert": cert, "http.tls_key": key,
                             "http.timeout_s": 3})
        cls.admin = cls.daemon.token("admin")

    @classmethod
    def tearDownClass(cls):
        cls.daemon.close()
        shutil.rmtree(cls.ca_dir, ignore_errors=True)

    def url(self, path):
        return f"https://127.0.0.1:{self.daemon.http_port}{path}"

    def test_curl_verifies_against_the_test_ca(self):
        self.assertEqual(self.daemon.http_scheme, "https")
        rc, out, err = curl("--cacert", self.ca, "-i", self.url("/healthz"))
        self.assertEqual(rc, 0, err)
        self.assertRegex(out.split(b"\r\n")[0], rb" (200|503)")
        rc, out, err = curl("--cacert", self.ca, "-H", f"Authorization: Bearer {self.admin}",
                            self.url("/api/v1/tokens"))
        self.assertEqual(rc, 0, err)
        self.assertIn("tokens", json.loads(out))
        rc, out, err = curl(self.url("/healthz"))  # the system store does not know the test CA
        self.assertEqual(rc, 60, err)

    def test_http_client_keeps_alive_over_tls(self):
        ctx = ssl.create_default_context(cafile=self.ca)
        conn = http.client.HTTPSConnection("127.0.0.1", self.daemon.http_port, timeout=15, context=ctx)
        try:
            conn.connect()
            sock = conn.sock
            for path in ("/healthz", "/metrics", "/api/v1/openapi.yaml"):
                conn.request("GET", path)
                r = conn.getresponse()
                r.read()
                self.assertIn(r.status, (200, 503))
                self.assertIs(conn.sock, sock)
            self.assertIn(sock.version(), ("TLSv1.2", "TLSv1.3"))
        finally:
            conn.close()

    def test_tls12_and_tls13_work_tls11_is_refused(self):
        port = self.daemon.http_port
        rc, protocol, out = s_client(port, "-tls1_2", "-CAfile", self.ca)
        self.assertEqual(protocol, "TLSv1.2", out)
        self.assertIn("Verify return code: 0 (ok)", out)
        rc, protocol, out = s_client(port, "-tls1_3", "-CAfile", self.ca)
        self.assertEqual(protocol, "TLSv1.3", out)
        for old in ("-tls1_1", "-tls1"):
            rc, protocol, out = s_client(port, old, "-cipher", "DEFAULT@SECLEVEL=0")
            if "no protocols available" in out or "unknown option" in out:
                continue  # the local client cannot even offer it
            self.assertIsNone(protocol, f"{old} was negotiated:\n{out}")
            self.assertNotEqual(rc, 0, out)
            self.assertIn("alert protocol version", out, "refused by the server, not given up by the client")
        self.assertStillServing()

    def test_silent_and_plaintext_clients_do_not_block_others(self):
        silent = socket.create_connection(("127.0.0.1", self.daemon.http_port), timeout=10)
        try:
            with socket.create_connection(("127.0.0.1", self.daemon.http_port), timeout=10) as plain:
                plain.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
                plain.settimeout(10)
                try:
                    reply = plain.recv(65536)
                except ConnectionResetError:
                    reply = b""
                self.assertNotIn(b"ok", reply, "plaintext HTTP was served on the HTTPS port")
            start = time.monotonic()
            rc, out, err = curl("--cacert", self.ca, self.url("/healthz"))
            self.assertEqual(rc, 0, err)
            self.assertLess(time.monotonic() - start, 2.5, "a silent client held up the server")
            # The silent client is closed at the deadline (http.timeout_s = 3), perhaps
            # after a TLS alert record (0x15), never with anything else.
            silent.settimeout(10)
            start = time.monotonic()
            got = b""
            try:
                while chunk := silent.recv(4096):
                    got += chunk
            except ConnectionResetError:
                pass
            self.assertLess(time.monotonic() - start, 6)
            self.assertTrue(got == b"" or got[0] == 0x15, got)
        finally:
            silent.close()
        self.assertStillServing()

    def assertStillServing(self):
        self.assertTrue(self.daemon.running(), "chainmaild exited:\n" + self.daemon.log_text())
        rc, out, err = curl("--cacert", self.ca, self.url("/healthz"))
        self.assertEqual(rc, 0, err)


# --- refusing to start, and stopping ----------------------------------------------------------

class StartAndStop(unittest.TestCase):
    def test_plain_http_beyond_loopback_refuses_to_start(self):
        d = Daemon({"http.listen": "0.0.0.0:0"}, start=False)
        try:
            p = subprocess.run(d.args(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, timeout=60)
            self.assertEqual(p.returncode, 2, p.stderr)
            err = p.stderr.decode()
            self.assertIn("0.0.0.0:0 is not a loopback address", err)
            self.assertIn("http.tls = on", err)
            self.assertNotIn("ready", err)
        finally:
            d.close()

    def test_bad_smtp_listen_refuses_to_start_before_touching_the_archive(self):
        # As a bad http.listen: exit 2, and no archive created (so no service.start in it).
        d = Daemon({"smtp.listen": "127.0.0.1:99999"}, start=False)
        try:
            p = subprocess.run(d.args(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, timeout=60)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("smtp.listen", p.stderr.decode())
            self.assertFalse(os.path.exists(d.db_path), "the archive was opened")
        finally:
            d.close()

    def test_sigterm_with_idle_keep_alive_connections_stops_promptly(self):
        with Daemon() as d:
            conns = []
            for _ in range(3):
                c = http.client.HTTPConnection("127.0.0.1", d.http_port, timeout=30)
                c.request("GET", "/healthz")
                c.getresponse().read()
                conns.append(c)  # left open, idle
            start = time.monotonic()
            self.assertEqual(d.stop(), 0)
            self.assertLess(time.monotonic() - start, 8, "shutdown waited on idle connections")
            self.assertIn("stopped cleanly", d.log_text())
            for c in conns:
                c.close()


if __name__ == "__main__":
    unittest.main()

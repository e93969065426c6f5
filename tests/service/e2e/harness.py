"""Shared machinery for the end-to-end tests: the real chainmaild, the real CLI.

- Daemon: a context manager running build/bin/chainmaild on its own temporary data dir
  and a free port (smtp.listen=127.0.0.1:0); stop() (SIGTERM), kill() (SIGKILL),
  restart() on the same data dir.
- cli(data_dir, *args): runs build/bin/chainmail, returns the CompletedProcess (bytes).
- RawSmtp: a minimal byte-level SMTP client (exact bytes out, replies in, multi-line
  replies parsed) for what smtplib cannot do: BDAT, smuggling sequences, pipelined
  plaintext before TLS, a client bound to 127.0.0.2.
- stuff() / unstuff() model RFC 5321 dot-stuffing so expected bytes are computed, not
  assumed.

The binaries come from $CHAINMAIL_BIN (ctest sets it) or build/bin next to the sources.
Every daemon uses its own temp dir and port 0, so test modules may run in parallel.
"""

import os
import re
import shutil
import signal
import socket
import sqlite3
import ssl
import subprocess
import tempfile
import threading
import time
import unittest
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.environ.get("CHAINMAIL_BIN") or os.path.normpath(
    os.path.join(HERE, "..", "..", "..", "build", "bin"))
CHAINMAILD = os.path.join(BIN, "chainmaild")
CHAINMAIL = os.path.join(BIN, "chainmail")

CRLF = b"\r\n"
START_TIMEOUT_S = 30.0
IO_TIMEOUT_S = 60.0

ARCHIVED_RE = re.compile(r"^250 2\.0\.0 Ok: archived <?([0-9a-fA-F-]{36})>?\s*$")
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# One line of `chainmail import`'s output: the input's name and the record's id.
IMPORTED_RE = re.compile(r"^imported (\S+) as (" + UUID_RE.pattern + r")$", re.M)


class DaemonError(Exception):
    pass


class Daemon:
    """chainmaild on a temp data dir (or `data_dir`), listening on 127.0.0.1:<free port>.

    `settings` are extra --set key=value overrides, e.g. {"smtp.max_recipients": 3}.
    """

    def __init__(self, settings=None, data_dir=None, start=True):
        self.settings = dict(settings or {})
        self._owns_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="chainmail-e2e-")
        self.proc = None
        self.port = None
        self.http_port = None  # the REST API's port (http.listen=127.0.0.1:0)
        self.log = []  # every stderr line of every run, for diagnostics
        self._log_lock = threading.Lock()
        self._ready = threading.Event()
        self._reader = None
        if start:
            try:
                self.start()
            except BaseException:
                self.close()
                raise

    # --- lifecycle -------------------------------------------------------------------

    def args(self):
        sets = {
            "data.dir": self.data_dir,
            "smtp.listen": "127.0.0.1:0",
            "http.listen": "127.0.0.1:0",
            "smtp.hostname": "chainmail.test",
            "archive.min_free_mb": "0",
        }
        sets.update({k: str(v) for k, v in self.settings.items()})
        argv = [CHAINMAILD]
        for k, v in sets.items():
            argv += ["--set", f"{k}={v}"]
        return argv

    def start(self, timeout=START_TIMEOUT_S):
        if self.proc is not None and self.proc.poll() is None:
            raise DaemonError("already running")
        if not os.access(CHAINMAILD, os.X_OK):
            raise DaemonError(f"{CHAINMAILD} is not built")
        self.port = None
        self._ready.clear()
        self.proc = subprocess.Popen(self.args(), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._reader = threading.Thread(target=self._read_stderr, args=(self.proc,), daemon=True)
        self._reader.start()
        if not self._ready.wait(timeout) or self.port is None:
            try:
                rc = self.proc.wait(2)
            except subprocess.TimeoutExpired:
                rc = None
            self.kill()
            raise DaemonError(f"chainmaild not ready within {timeout}s (exit {rc}):\n"
                              + self.log_text())
        return self

    def _read_stderr(self, proc):
        port_re = re.compile(r"SMTP listening on \S+ port (\d+)")
        http_re = re.compile(r"REST API on (\S+) port (\d+)")
        for raw in iter(proc.stderr.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self._log_lock:
                self.log.append(line)
            m = port_re.search(line)
            if m:
                self.port = int(m.group(1))
            m = http_re.search(line)
            if m:
                self.http_port = int(m.group(2))
                self.http_scheme = "https" if m.group(1).startswith("https") else "http"
            if line.strip() == "chainmaild: ready":
                self._ready.set()
        proc.stderr.close()
        self._ready.set()  # exited: wake start() so it can report

    def token(self, role, name=None, expires=None):
        """A new API token of `role` made with `chainmail token create`; returns the secret."""
        args = ["token", "create", "--role", role, "--name", name or f"e2e {role}"]
        if expires is not None:
            args += ["--expires", str(expires)]
        r = cli(self.data_dir, *args)
        if r.returncode != 0:
            raise DaemonError(f"chainmail token create failed: {r.stderr.decode()}")
        return r.stdout.decode().strip().splitlines()[-1]

    def rest(self, method, path, token=None, body=None, headers=None, timeout=IO_TIMEOUT_S):
        """One REST request over a fresh connection: (status, headers dict lower-case, body bytes).
        `body` may be bytes, str or a JSON-able value (sent as application/json)."""
        import http.client
        import json as _json
        hdrs = dict(headers or {})
        if token is not None:
            hdrs["Authorization"] = f"Bearer {token}"
        if body is not None and not isinstance(body, (bytes, str)):
            body = _json.dumps(body)
            hdrs.setdefault("Content-Type", "application/json")
        if getattr(self, "http_scheme", "http") == "https":
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            conn = http.client.HTTPSConnection("127.0.0.1", self.http_port, timeout=timeout, context=ctx)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def log_text(self):
        with self._log_lock:
            return "\n".join(self.log)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=60):
        """SIGTERM; returns the exit code. Raises DaemonError if it does not exit in time."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            threads = self.thread_report()
            self.kill()
            raise DaemonError(f"chainmaild did not exit within {timeout}s of SIGTERM; its threads:\n"
                              f"{threads}\nits log:\n" + "\n".join(self.log[-40:]))
        self._join_reader()
        return rc

    def thread_report(self):
        """Where each thread of the running daemon is: each thread's state, kernel wait
        channel and kernel stack from /proc (a thread stuck in the kernel, or a process
        whose main thread has already exited, is out of gdb's reach), then gdb's
        backtraces when gdb is installed and can attach."""
        pid = self.proc.pid
        lines = []
        try:
            tids = sorted(os.listdir(f"/proc/{pid}/task"))
        except OSError as e:
            tids = []
            lines.append(f"  /proc/{pid}/task: {e}")
        for tid in tids:
            parts = []
            for name in ("comm", "stat", "wchan", "stack"):
                try:
                    with open(f"/proc/{pid}/task/{tid}/{name}") as f:
                        text = f.read().strip()
                except OSError:
                    continue
                if name == "stat":  # the state letter follows the parenthesised name
                    text = "state " + text[text.rfind(")") + 2:].split(" ", 1)[0]
                parts.append(text.replace("\n", " | "))
            lines.append(f"  {tid}: " + " ; ".join(parts))
        if shutil.which("gdb"):
            try:
                out = subprocess.run(["gdb", "-p", str(pid), "-batch", "-nx", "-ex", "thread apply all bt 25"],
                                     capture_output=True, text=True, timeout=60)
                lines.append("gdb:\n" + (out.stdout + out.stderr)[-20000:])
            except (subprocess.SubprocessError, OSError) as e:
                lines.append(f"gdb failed: {e}")
        return "\n".join(lines)

    def wait(self, timeout):
        rc = self.proc.wait(timeout)
        self._join_reader()
        return rc

    def kill(self):
        """SIGKILL; returns the exit status (negative signal number)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.kill()
        rc = self.proc.wait()
        self._join_reader()
        return rc

    def _join_reader(self):
        if self._reader is not None:
            self._reader.join(10)

    def restart(self):
        if self.running():
            self.stop()
        return self.start()

    def close(self):
        if self.running():
            self.kill()
        if self._owns_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # --- conveniences ----------------------------------------------------------------

    @property
    def db_path(self):
        return os.path.join(self.data_dir, "chainmail.db")

    @property
    def cert_path(self):
        return os.path.join(self.data_dir, "tls", "cert.pem")

    def raw(self, **kw):
        return RawSmtp(self.port, **kw)

    def cli(self, *args, **kw):
        return cli(self.data_dir, *args, **kw)

    def show(self, record_id):
        return show(self.data_dir, record_id)

    def show_raw(self, record_id):
        return show_raw(self.data_dir, record_id)

    def verify(self):
        return cli(self.data_dir, "verify")


# --- the CLI ---------------------------------------------------------------------------

def cli(data_dir, *args, timeout=300, input=None):
    """chainmail --data DIR ARGS...; CompletedProcess with bytes stdout/stderr."""
    return subprocess.run([CHAINMAIL, "--data", data_dir, *args], input=input,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)


def show_raw(data_dir, record_id):
    p = cli(data_dir, "show", record_id, "--raw")
    if p.returncode != 0:
        raise AssertionError(f"chainmail show {record_id} --raw exited {p.returncode}: "
                             f"{p.stderr.decode(errors='replace')}")
    return p.stdout


def show(data_dir, record_id):
    """`chainmail show ID` parsed: {field: value} (repeated fields, e.g. 'RCPT TO', as lists
    under field + 's' as well), plus the text under '_text'."""
    p = cli(data_dir, "show", record_id)
    if p.returncode != 0:
        raise AssertionError(f"chainmail show {record_id} exited {p.returncode}: "
                             f"{p.stderr.decode(errors='replace')}")
    text = p.stdout.decode("utf-8", "replace")
    fields = {"_text": text, "RCPT TO s": []}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if not sep:
            continue
        value = value.strip()
        if key == "RCPT TO":
            fields["RCPT TO s"].append(value)
        fields.setdefault(key, value)
    return fields


def envelope_address(value):
    """'<a@b> BODY=8BITMIME' (as `show` prints MAIL FROM / RCPT TO) -> 'a@b'."""
    m = re.match(r"\s*<([^>]*)>", value)
    return m.group(1) if m else value.strip()


def parse_flags(show_fields):
    return int(show_fields["flags"], 16)


# --- dot-stuffing model (RFC 5321 4.5.2) -----------------------------------------------

def stuff(message):
    """What a correct client sends after DATA's 354 for `message`: a dot at the start of a
    line (after CRLF, or at the start) doubled, CRLF appended when the message does not
    end with one, then the end marker. Returns (wire, stored) where `stored` is what the
    server must archive."""
    stored = message if message.endswith(CRLF) else message + CRLF
    wire = re.sub(rb"(\A|\r\n)\.", rb"\1..", stored) + b".\r\n"
    return wire, stored


def unstuff(wire_content):
    """What the server must store for DATA content `wire_content` (the bytes between the
    354 and the final '.CRLF', i.e. ending with the CRLF that belongs to the message):
    a dot after CRLF (or at the start) is removed, every other byte kept."""
    return re.sub(rb"(\A|\r\n)\.", rb"\1", wire_content)


def smtplib_wire(message):
    """What Python's smtplib.SMTP.data() sends for bytes `message` (it stuffs a dot after
    any LF, bare or not, and appends CRLF when missing), without the final '.CRLF'."""
    q = re.sub(rb"(?m)^\.", b"..", message)
    if q[-2:] != CRLF:
        q += CRLF
    return q


def archived_id(reply_text):
    """The record id from '250 2.0.0 Ok: archived <id>' (str or the last line of a
    Reply), or raise AssertionError."""
    text = reply_text if isinstance(reply_text, str) else reply_text.last
    m = ARCHIVED_RE.match(text.strip())
    if not m:
        raise AssertionError(f"not an 'archived' reply: {text!r}")
    return m.group(1)


# --- a byte-level SMTP client ----------------------------------------------------------

class Reply:
    def __init__(self, lines, raw):
        self.lines = lines  # text lines without CRLF
        self.raw = raw      # the exact bytes
        self.code = int(lines[-1][:3])

    @property
    def last(self):
        return self.lines[-1]

    @property
    def text(self):
        return "\n".join(self.lines)

    def __repr__(self):
        return f"Reply({self.text!r})"


class ConnectionClosed(ConnectionError):
    pass


class RawSmtp:
    """One SMTP connection with exact control over every byte."""

    def __init__(self, port, host="127.0.0.1", source=None, timeout=IO_TIMEOUT_S,
                 read_banner=True):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.buf = b""
        self.tls = False
        try:
            self.sock.settimeout(timeout)
            if source is not None:
                self.sock.bind((source, 0))
            self.sock.connect((host, port))
            self.banner = self.reply() if read_banner else None
        except BaseException:
            self.sock.close()
            raise

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def settimeout(self, t):
        self.sock.settimeout(t)

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def _fill(self):
        try:
            chunk = self.sock.recv(65536)
        except ConnectionResetError as e:
            raise ConnectionClosed(f"connection reset by the server; unread: {self.buf!r}") from e
        if not chunk:
            raise ConnectionClosed("connection closed by the server; unread: %r" % self.buf)
        self.buf += chunk

    def readline(self):
        while True:
            i = self.buf.find(b"\n")
            if i >= 0:
                line, self.buf = self.buf[:i + 1], self.buf[i + 1:]
                return line
            self._fill()

    def reply(self):
        """One complete (possibly multi-line) reply."""
        lines, raw = [], b""
        while True:
            line = self.readline()
            raw += line
            text = line.rstrip(b"\r\n").decode("utf-8", "replace")
            if len(text) < 3 or not text[:3].isdigit():
                raise AssertionError(f"malformed reply line {line!r}")
            lines.append(text)
            if len(text) == 3 or text[3] == " ":
                return Reply(lines, raw)
            if text[3] != "-":
                raise AssertionError(f"malformed reply line {line!r}")

    def replies(self, n):
        return [self.reply() for _ in range(n)]

    def cmd(self, line):
        """Sends one command line (CRLF added) and returns its reply."""
        if isinstance(line, str):
            line = line.encode()
        self.send(line + CRLF)
        return self.reply()

    def read_eof(self, timeout=10):
        """True when the server closes the connection within `timeout` without sending
        more bytes; returns the unexpected bytes otherwise."""
        old = self.sock.gettimeout()
        self.sock.settimeout(timeout)
        try:
            extra = self.buf
            self.buf = b""
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True if not extra else extra
                extra += chunk
        except (ConnectionResetError, ssl.SSLError):
            return True if not extra else extra
        except socket.timeout:
            return extra or False
        finally:
            try:
                self.sock.settimeout(old)
            except OSError:
                pass

    def ehlo(self, name="client.test"):
        r = self.cmd(f"EHLO {name}")
        if r.code != 250:
            raise AssertionError(f"EHLO: {r}")
        return r

    def starttls(self, cafile, server_hostname="localhost"):
        r = self.cmd("STARTTLS")
        if r.code != 220:
            raise AssertionError(f"STARTTLS: {r}")
        if self.buf:
            raise AssertionError(f"bytes after the STARTTLS reply in plaintext: {self.buf!r}")
        self.wrap_tls(cafile, server_hostname)
        return r

    def wrap_tls(self, cafile, server_hostname="localhost"):
        ctx = ssl.create_default_context(cafile=cafile)
        self.sock = ctx.wrap_socket(self.sock, server_hostname=server_hostname)
        self.tls = True

    def envelope(self, mail_from="sender@example.test", rcpts=("journal@archive.test",),
                 mail_params=""):
        r = self.cmd(f"MAIL FROM:<{mail_from}>{mail_params}")
        if r.code != 250:
            raise AssertionError(f"MAIL: {r}")
        for rc in rcpts:
            r = self.cmd(f"RCPT TO:<{rc}>")
            if r.code != 250:
                raise AssertionError(f"RCPT: {r}")

    def data_wire(self, wire):
        """DATA, then `wire` (already stuffed, ending with the '.CRLF' marker); returns the
        final reply."""
        r = self.cmd("DATA")
        if r.code != 354:
            raise AssertionError(f"DATA: {r}")
        self.send(wire)
        return self.reply()

    def send_message(self, message, mail_from="sender@example.test",
                     rcpts=("journal@archive.test",), mail_params=""):
        """A whole transaction with correct stuffing. Returns (record_id, stored_bytes)."""
        self.envelope(mail_from, rcpts, mail_params)
        wire, stored = stuff(message)
        r = self.data_wire(wire)
        return archived_id(r), stored

    def bdat_message(self, chunks, mail_from="sender@example.test",
                     rcpts=("journal@archive.test",), mail_params=""):
        """MAIL, RCPT, then one BDAT per chunk (the last with LAST). Returns (id, bytes)."""
        self.envelope(mail_from, rcpts, mail_params)
        for i, chunk in enumerate(chunks):
            last = i == len(chunks) - 1
            self.send(f"BDAT {len(chunk)}{' LAST' if last else ''}\r\n".encode() + chunk)
            r = self.reply()
            if last:
                return archived_id(r), b"".join(chunks)
            if r.code != 250:
                raise AssertionError(f"BDAT chunk {i}: {r}")


# --- the database, read directly (for checks that need no CLI) ------------------------

def record_uuid(blob):
    return str(uuid.UUID(bytes=bytes(blob)))


def db_connect(path, readonly=False):
    if readonly:
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    return sqlite3.connect(path, timeout=30)


def wait_until(predicate, timeout, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = predicate()
        if v:
            return v
        time.sleep(interval)
    return predicate()


def make_message(subject="e2e", body=b"Hello.\r\n", extra_headers=b"", message_id=None):
    """A small, well-formed RFC 5322 message (CRLF line ends)."""
    message_id = message_id or f"<{uuid.uuid4()}@client.test>"
    head = (b"From: Sender <sender@example.test>\r\n"
            b"To: Journal <journal@archive.test>\r\n"
            b"Date: Mon, 02 Mar 2026 10:00:00 +0000\r\n"
            + b"Message-ID: " + message_id.encode() + CRLF
            + b"Subject: " + (subject.encode() if isinstance(subject, str) else subject) + CRLF
            + extra_headers)
    return head + CRLF + body


class ImportCase(unittest.TestCase):
    """A test class sharing one daemon, with a directory for the files it imports."""

    @classmethod
    def setUpClass(cls):
        cls.daemon = Daemon()
        cls.files = os.path.join(cls.daemon.data_dir, "import-files")
        os.mkdir(cls.files)

    @classmethod
    def tearDownClass(cls):
        cls.daemon.close()

    def write(self, name, data):
        path = os.path.join(self.files, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

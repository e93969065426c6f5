"""Shared pieces of the chainmail benchmarks (bench/ingest.py runs them, bench/evidence.py
and bench/ingest.py hold the scenarios): the processes started and stopped, /proc
readings, smtp-sink and chainmaild as servers, smtp-source as load, archive checks.
"""

import os
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.request

KIB = 1024
MIB = 1024 * 1024
CLK_TCK = os.sysconf("SC_CLK_TCK")
SENDER = "sender@bench.test"
RECIPIENT = "journal@bench.test"


class BenchError(Exception):
    """The benchmark could not run (exit 2)."""


class Interrupted(BaseException):
    pass


def on_signal(signum, _frame):
    raise Interrupted(signal.Signals(signum).name)


# ---------------------------------------------------------------- processes we start

class Procs:
    """Every process this script starts, so that all of them are stopped on any exit.
    Their pids also go to WORK/pids ("pid comm" lines) for bench/run's last-resort trap."""

    def __init__(self, work):
        self.live = []
        self.pidfile = os.path.join(work, "pids")

    def start(self, argv, comm, **kw):
        p = subprocess.Popen(argv, **kw)
        self.live.append(p)
        with open(self.pidfile, "a") as f:
            f.write(f"{p.pid} {comm}\n")
        return p

    def stop(self, p, sig=signal.SIGTERM, grace=60.0):
        """Signal p, wait up to grace seconds, then SIGKILL. Returns its exit status."""
        if p.poll() is None:
            try:
                p.send_signal(sig)
                p.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if p in self.live:
            self.live.remove(p)
        return p.returncode

    def stop_all(self):
        for p in list(self.live):
            self.stop(p, grace=5.0)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tail(path, n=15):
    try:
        with open(path, "rb") as f:
            lines = f.read().decode("utf-8", "replace").splitlines()
        return "\n".join("    | " + l for l in lines[-n:])
    except OSError:
        return "    | (no log)"


# ---------------------------------------------------------------- /proc readings

def proc_status(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def kib_field(status, key):
    return int(status[key].split()[0])  # "12345 kB"


def stat_cpu(path):
    """(comm, user seconds, system seconds) from a /proc/.../stat file."""
    with open(path) as f:
        s = f.read()
    comm = s[s.index("(") + 1:s.rindex(")")]
    fields = s[s.rindex(")") + 2:].split()
    return comm, int(fields[11]) / CLK_TCK, int(fields[12]) / CLK_TCK


def thread_cpu(pid):
    out = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            comm, u, s = stat_cpu(f"/proc/{pid}/task/{tid}/stat")
        except (OSError, ValueError, IndexError):
            continue
        out[int(tid)] = (comm, u + s)
    return out


def io_write_bytes(pid):
    try:
        with open(f"/proc/{pid}/io") as f:
            for line in f:
                if line.startswith("write_bytes:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


class Snapshot:
    """What chainmaild has used so far: whole-process CPU, per-thread CPU, disk writes."""

    def __init__(self, pid):
        _, self.user, self.sys = stat_cpu(f"/proc/{pid}/stat")
        self.threads = thread_cpu(pid)
        self.written = io_write_bytes(pid)
        self.children = children_cpu()


# ---------------------------------------------------------------- servers

class Server:
    kind = "?"

    def __init__(self, procs, work, tag):
        self.procs, self.work, self.tag = procs, work, tag
        self.port = free_port()
        self.log = os.path.join(work, f"{tag}.{self.kind}.log")
        self.proc = None

    @property
    def pid(self):
        return self.proc.pid


class Sink(Server):
    kind = "smtp-sink"

    def start(self):
        # -u nobody: required as root; -c: running counters (to the log); 256: backlog.
        argv = ["smtp-sink", "-c"]
        if os.geteuid() == 0:
            argv += ["-u", "nobody"]
        argv += [f"127.0.0.1:{self.port}", "256"]
        with open(self.log, "wb") as logf:
            self.proc = self.procs.start(argv, "smtp-sink", stdout=logf, stderr=logf,
                                         stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"smtp-sink exited with {self.proc.returncode}:\n{tail(self.log)}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
                    if s.recv(64).startswith(b"220"):
                        s.sendall(b"QUIT\r\n")
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise BenchError(f"smtp-sink did not answer on port {self.port}:\n{tail(self.log)}")

    def stop(self):
        self.procs.stop(self.proc, grace=5.0)


class Daemon(Server):
    kind = "chainmaild"

    def __init__(self, procs, work, tag, bindir, extra=(), flags=(), expected=()):
        """extra: --set key=value overrides; flags: other command-line flags; expected:
        log line prefixes (after "chainmaild: ") that flags make routine."""
        super().__init__(procs, work, tag)
        self.bindir = bindir
        self.data = os.path.join(work, f"{tag}.data")
        self.extra = list(extra)
        self.flags = list(flags)
        self.expected = tuple(expected)

    def start(self):
        self.http_port = free_port()
        argv = [os.path.join(self.bindir, "chainmaild"),
                "--set", f"data.dir={self.data}",
                "--set", f"smtp.listen=127.0.0.1:{self.port}",
                # A free port keeps the REST listener from colliding with a chainmaild
                # already on the default 8025.
                "--set", f"http.listen=127.0.0.1:{self.http_port}",
                "--set", "archive.min_free_mb=0"]
        for kv in self.extra:
            argv += ["--set", kv]
        argv += self.flags
        self.argv = argv
        with open(self.log, "wb") as logf:
            self.proc = self.procs.start(argv, "chainmaild", stdout=logf, stderr=logf,
                                         stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"chainmaild exited with {self.proc.returncode} before ready:\n"
                                 f"{tail(self.log)}")
            with open(self.log, "rb") as f:
                if b"chainmaild: ready" in f.read():
                    return
            time.sleep(0.05)
        raise BenchError(f"chainmaild not ready after 60 s:\n{tail(self.log)}")

    def metric(self, name):
        """One unlabelled sample of the daemon's /metrics (float), or None if absent."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}/metrics", timeout=10) as r:
            for line in r.read().decode("utf-8", "replace").splitlines():
                if line.startswith(name + " "):
                    return float(line.split()[1])
        return None

    def wait_indexed(self, timeout=300.0):
        """Waits until the full-text indexer has caught up (lag 0); returns the seconds
        waited, or None on timeout."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            lag = self.metric("chainmail_fulltext_lag_messages")
            if lag is None or lag == 0:  # None: full-text search is off, nothing to wait for
                return time.monotonic() - t0
            time.sleep(0.2)
        return None

    def stop(self):
        """SIGTERM; returns (peak RSS KiB, exit status, log lines that are not routine)."""
        st = proc_status(self.pid)
        hwm = kib_field(st, "VmHWM")
        rc = self.procs.stop(self.proc, grace=90.0)
        routine = ("STARTTLS uses the self-signed", "archive ", "SMTP listening",
                   "chainmail.smtp: SMTP listening", "REST API on",
                   "ready", "received SIGTERM", "stopped cleanly", "writer: ") + self.expected
        with open(self.log, "rb") as f:
            lines = f.read().decode("utf-8", "replace").splitlines()
        odd = [l for l in lines
               if not any(l.startswith("chainmaild: " + r) for r in routine)]
        clean = any(l.startswith("chainmaild: stopped cleanly") for l in lines)
        writer = [l[len("chainmaild: "):] for l in lines if l.startswith("chainmaild: writer: ")]
        return hwm, rc, clean, odd, writer


# ---------------------------------------------------------------- the load generator

def smtp_source(port, sessions, messages, body, timeout):
    """Runs smtp-source once; returns (seconds, its CPU seconds). Raises on failure."""
    argv = ["smtp-source", "-c", "-d", "-s", str(sessions), "-m", str(messages),
            "-l", str(body), "-f", SENDER, "-t", RECIPIENT, f"127.0.0.1:{port}"]
    cpu0 = children_cpu()
    t0 = time.monotonic()
    try:
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise SourceFailed(f"smtp-source timed out after {timeout:.0f} s: {' '.join(argv)}")
    elapsed = time.monotonic() - t0
    cpu = children_cpu() - cpu0
    if r.returncode != 0:
        err = r.stderr.decode("utf-8", "replace").strip().splitlines()
        raise SourceFailed(f"smtp-source exited {r.returncode}: {' '.join(argv)}\n" +
                           "\n".join("    | " + l for l in err[-10:]))
    return elapsed, cpu


class SourceFailed(Exception):
    pass


def calibrate(port, sessions, body):
    """Warm-up runs of growing size until one lasts >= 1 s; returns (sent, msg/s)."""
    m = max(2 * sessions, 10)
    sent = 0
    while True:
        elapsed, _ = smtp_source(port, sessions, m, body, timeout=120)
        sent += m
        if elapsed >= 1.0 or m >= 2_000_000:
            return sent, m / elapsed
        m *= 4 if elapsed < 0.25 else 2


def measured_count(rate, seconds, sessions):
    return int(min(max(rate * seconds, 5 * sessions, 20), 5_000_000))


# ---------------------------------------------------------------- checks

def archive_counts(data):
    """(messages-log leaves, messages rows, raw bytes) read straight from chainmail.db."""
    db = sqlite3.connect(f"file:{os.path.join(data, 'chainmail.db')}?mode=ro", uri=True)
    try:
        leaves = db.execute("SELECT count(*) FROM leaves WHERE log = "
                            "(SELECT id FROM logs WHERE name = 'messages')").fetchone()[0]
        rows, raw = db.execute("SELECT count(*), coalesce(sum(raw_length), 0) "
                               "FROM messages").fetchone()
        all_leaves = db.execute("SELECT count(*) FROM leaves").fetchone()[0]
    finally:
        db.close()
    return leaves, rows, raw, all_leaves


def verify(bindir, data):
    t0 = time.monotonic()
    r = subprocess.run([os.path.join(bindir, "chainmail"), "--data", data, "verify"],
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=3600)
    elapsed = time.monotonic() - t0
    out = (r.stdout + r.stderr).decode("utf-8", "replace").strip().splitlines()
    return r.returncode, elapsed, out


# ---------------------------------------------------------------- reporting helpers

def fmt_rate(x):
    return f"{x:,.0f}" if x >= 100 else f"{x:,.1f}"


def mib(x):
    return x / MIB


def vs(res):
    """verify's runtime for the summary table."""
    if "verify_s" not in res:
        return "-"
    return f"{res['verify_s']:.1f} s" + ("" if res.get("verify_rc") == 0 else "!")


def verdict(ok):
    return "PASS" if ok else "FAIL"


def busiest_threads(pid, before, after, wall, n=4):
    """Per-thread CPU during the run, in cores: the busiest n by name[tid], then the rest."""
    rows = []
    for tid, (comm, cpu) in after.threads.items():
        d = cpu - before.threads.get(tid, (comm, 0.0))[1]
        if d > 0:
            rows.append((d, tid, comm))
    rows.sort(reverse=True)
    shown = [r for r in rows[:n] if r[0] >= 0.01 * wall]
    parts = [f"{comm}[{'main' if tid == pid else tid}] {d / wall:.2f}" for d, tid, comm in shown]
    rest = rows[len(shown):]
    if rest:
        parts.append(f"{len(rest)} others {sum(d for d, _, _ in rest) / wall:.2f}")
    process = (after.user + after.sys) - (before.user + before.sys)
    gone = process - sum(d for d, _, _ in rows)
    if gone > 0.01 * wall:
        parts.append(f"threads that exited {gone / wall:.2f}")
    return f"{len(after.threads)} threads; CPU by thread (cores): " + ", ".join(parts)


# ---------------------------------------------------------------- what scenarios share

class Harness:
    """What every scenario shares: the processes started, integrity failures (exit 1), the
    results (one dict per scenario; "summary" is its line in the summary table)."""

    def __init__(self, args):
        self.args = args
        self.procs = Procs(args.work)
        self.failures = []   # integrity problems -> exit 1
        self.results = []

    def integrity(self, what):
        self.failures.append(what)
        print(f"  !! {what}")

    def check_archive(self, d, sent, res):
        """Stops nothing; reads counts, runs verify, records failures."""
        leaves, rows, raw, all_leaves = archive_counts(d.data)
        res["archived"], res["raw_bytes"] = leaves, raw
        ok = leaves == sent and rows == sent
        line = f"  archived {leaves:,} leaves / {rows:,} index rows, sent {sent:,}: " + \
               ("ok" if ok else "MISMATCH")
        if all_leaves != leaves:
            line += f" ({all_leaves - leaves} leaves in other logs)"
        print(line)
        if not ok:
            self.integrity(f"{res['scenario']}: archived {leaves} leaves / {rows} rows, sent {sent} "
                           f"(data dir kept: {d.data})")
            res["keep"] = True
        if self.args.skip_verify:
            print("  verify: skipped (--skip-verify)")
            return
        rc, secs, out = verify(self.args.bindir, d.data)
        res["verify_rc"], res["verify_s"] = rc, secs
        summary = out[-1] if out else "(no output)"
        print(f"  verify: exit {rc} in {secs:.2f} s = {mib(raw) / secs:,.1f} MiB/s of raw bytes "
              f"({rows / secs:,.0f} msg/s): {summary}")
        if rc != 0:
            for l in out[:20]:
                print(f"    | {l}")
            self.integrity(f"{res['scenario']}: chainmail verify exited {rc} (data dir kept: {d.data})")
            res["keep"] = True

    def stop_daemon(self, d, res):
        hwm, rc, clean, odd, writer = d.stop()
        res["peak_rss_kib"] = hwm
        for l in writer:  # group commit: how many messages each fsync covered, and where time went
            print(f"  chainmaild {l}")
        if odd:
            print("  chainmaild said:")
            for l in odd[:10]:
                print(f"    | {l}")
            if len(odd) > 10:
                print(f"    | ... {len(odd) - 10} more lines in {d.log}")
        if rc != 0 or not clean:
            self.integrity(f"{res['scenario']}: chainmaild exited {rc} on SIGTERM"
                           f"{'' if clean else ' without stopping cleanly'}:\n{tail(d.log)}")
            res["keep"] = True
        return hwm

    def discard(self, d, res):
        if not self.args.keep and not res.get("keep"):
            shutil.rmtree(d.data, ignore_errors=True)

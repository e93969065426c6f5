#!/usr/bin/env python3
"""chainmail ingest benchmark: Postfix's smtp-source against chainmaild and smtp-sink.

Called by bench/run (which builds nothing, checks the tools, makes the work directory and
cleans it up); see bench/README.md for what is measured and how to read the output.

Exit status: 0 = the report ran (targets may still FAIL: it is a report); 1 = an integrity
problem (archived count differs from the count sent, verify failed, smtp-source got a
non-250 reply from chainmaild, chainmaild did not stop cleanly); 2 = the benchmark could
not run (missing tools, a process that would not start, a timeout).
"""

import argparse
import datetime
import json
import os
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time

KIB = 1024
MIB = 1024 * 1024
CLK_TCK = os.sysconf("SC_CLK_TCK")

# name, sessions, body bytes (smtp-source -l), ratio target (chainmaild/smtp-sink) or None
SCENARIOS = [
    ("1x10k", 1, 10 * KIB, None),
    ("20x10k", 20, 10 * KIB, 0.4),
    ("1x100k", 1, 100 * KIB, None),
    ("20x100k", 20, 100 * KIB, 0.5),
]
MEMORY_SESSIONS = 100
MEMORY_BODY = 10 * MIB          # 10485760, as in the issue
RSS_TARGET_MIB = 256
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

    def __init__(self, procs, work, tag, bindir, extra=()):
        super().__init__(procs, work, tag)
        self.bindir = bindir
        self.data = os.path.join(work, f"{tag}.data")
        self.extra = list(extra)

    def start(self):
        argv = [os.path.join(self.bindir, "chainmaild"),
                "--set", f"data.dir={self.data}",
                "--set", f"smtp.listen=127.0.0.1:{self.port}",
                # The REST listener is not there yet; a free port keeps a later one from
                # colliding with a chainmaild already on the default 8025.
                "--set", f"http.listen=127.0.0.1:{free_port()}",
                "--set", "archive.min_free_mb=0"]
        for kv in self.extra:
            argv += ["--set", kv]
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

    def stop(self):
        """SIGTERM; returns (peak RSS KiB, exit status, log lines that are not routine)."""
        st = proc_status(self.pid)
        hwm = kib_field(st, "VmHWM")
        rc = self.procs.stop(self.proc, grace=90.0)
        routine = ("STARTTLS uses the self-signed", "archive ", "SMTP listening", "ready",
                   "received SIGTERM", "stopped cleanly", "writer: ")
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


# ---------------------------------------------------------------- scenarios

class Bench:
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

    def measure_sink(self, name, sessions, body, when):
        """One smtp-sink measurement: a fresh smtp-sink, warm-up, measured run. It is not
        what is under test, so one failed attempt (seen once on a loaded machine: "lost
        connection") gets a second one with a fresh smtp-sink before giving up."""
        seconds = self.args.seconds
        for attempt in (1, 2):
            sink = Sink(self.procs, self.args.work, f"{name}.{when}.{attempt}")
            sink.start()
            try:
                _, rate = calibrate(sink.port, sessions, body)
                n = measured_count(rate, seconds, sessions)
                t, src_cpu = smtp_source(sink.port, sessions, n, body, timeout=60 + 20 * seconds)
                return {"when": when, "messages": n, "seconds": t, "msg_s": n / t,
                        "source_cpu": src_cpu}
            except SourceFailed as e:
                state = ("still running" if sink.proc.poll() is None
                         else f"exited with status {sink.proc.returncode}")
                msg = f"against smtp-sink ({state}): {e}\n  smtp-sink log:\n{tail(sink.log, 5)}"
                if attempt == 2:
                    raise BenchError(msg)
                print(f"  smtp-sink attempt 1 failed, retrying with a fresh one: {msg}")
            finally:
                sink.stop()

    def throughput(self, name, sessions, body, target):
        seconds = self.args.seconds
        res = {"scenario": name, "sessions": sessions, "body_bytes": body}
        self.results.append(res)
        print(f"\n== {name}: {sessions} session{'s' if sessions > 1 else ''} x "
              f"{body // KIB} KiB body (smtp-source -s {sessions} -l {body} -d)")

        # The null ceiling, measured before and after chainmaild; the better of the two
        # counts, so that a burst of other load on the machine lowers it less.
        sink_runs = [self.measure_sink(name, sessions, body, "before")]

        # chainmaild, fresh data dir, same smtp-source command.
        d = Daemon(self.procs, self.args.work, name, self.args.bindir)
        d.start()
        try:
            warm, rate = calibrate(d.port, sessions, body)
            n = measured_count(rate, seconds, sessions)
            before = Snapshot(d.pid)
            t, src_cpu = smtp_source(d.port, sessions, n, body, timeout=60 + 20 * seconds)
            after = Snapshot(d.pid)
        except SourceFailed as e:
            self.integrity(f"{name}: against chainmaild: {e}")
            res["keep"] = True
            self.stop_daemon(d, res)
            return
        sent = warm + n
        st = proc_status(d.pid)
        cpu_user, cpu_sys = after.user - before.user, after.sys - before.sys
        res["chainmaild"] = {"messages": n, "seconds": t, "msg_s": n / t,
                             "warmup_messages": warm, "cpu_user_s": cpu_user, "cpu_sys_s": cpu_sys,
                             "source_cpu": src_cpu, "threads_now": int(st["Threads"])}
        written = None
        if before.written is not None and after.written is not None:
            written = after.written - before.written
        threads_line = busiest_threads(d.pid, before, after, t)
        self.stop_daemon(d, res)
        sink_runs.append(self.measure_sink(name, sessions, body, "after"))

        leaves, rows, raw, _ = archive_counts(d.data)
        msg_bytes = raw / rows if rows else body
        res["message_bytes"] = msg_bytes
        for r in sink_runs:
            r["mib_s"] = mib(r["msg_s"] * msg_bytes)
        res["sink_runs"] = sink_runs
        res["sink"] = max(sink_runs, key=lambda r: r["msg_s"])
        s, c = res["sink"], res["chainmaild"]
        c["mib_s"] = mib(c["msg_s"] * msg_bytes)
        ratio = c["msg_s"] / s["msg_s"]
        res["ratio"] = ratio

        print(f"  message size as archived: {msg_bytes:,.0f} bytes (body + smtp-source headers)")
        for r in sink_runs:
            print(f"  smtp-sink   {r['messages']:>9,} msgs in {r['seconds']:6.2f} s  "
                  f"{fmt_rate(r['msg_s']):>9} msg/s  {r['mib_s']:8.1f} MiB/s   "
                  f"{r['when']} chainmaild{'  (the ceiling)' if r is s else ''}")
        print(f"  chainmaild  {c['messages']:>9,} msgs in {c['seconds']:6.2f} s  "
              f"{fmt_rate(c['msg_s']):>9} msg/s  {c['mib_s']:8.1f} MiB/s   "
              f"peak RSS {res['peak_rss_kib'] / KIB:.1f} MiB")
        tgt = f"   target >= {target:.1f}  {verdict(ratio >= target)}" if target else "   (no target)"
        print(f"  ratio chainmaild/smtp-sink {ratio:.3f}{tgt}")
        wtxt = ""
        if written is not None:
            wtxt = f"; disk writes {mib(written):,.1f} MiB = {written / max(1, n * msg_bytes):.2f}x raw"
        print(f"  chainmaild CPU {(cpu_user + cpu_sys) / t:.2f} cores (user {cpu_user / t:.2f}, "
              f"sys {cpu_sys / t:.2f}) = {1e6 * (cpu_user + cpu_sys) / n:,.0f} us/msg; "
              f"smtp-source {c['source_cpu'] / t:.2f} cores (vs {s['source_cpu'] / s['seconds']:.2f} "
              f"against smtp-sink){wtxt}")
        print(f"  chainmaild {threads_line}")
        self.check_archive(d, sent, res)
        if target is not None:
            res["target_ratio"], res["pass"] = target, ratio >= target
        self.discard(d, res)

    def memory(self):
        name = "memory"
        res = {"scenario": name, "sessions": MEMORY_SESSIONS, "body_bytes": MEMORY_BODY}
        self.results.append(res)
        print(f"\n== {name}: {MEMORY_SESSIONS} concurrent sessions x one {MEMORY_BODY // MIB} MiB "
              f"message (smtp-source -s {MEMORY_SESSIONS} -m {MEMORY_SESSIONS} -l {MEMORY_BODY})")
        d = Daemon(self.procs, self.args.work, name, self.args.bindir, extra=[
            f"smtp.max_message_bytes={64 * MIB}",
            "smtp.max_connections=200",
            "smtp.max_connections_per_ip=200",
        ])
        d.start()
        peak = {"rss": 0, "threads": 0}
        stop_sampling = threading.Event()

        def sample():
            while not stop_sampling.wait(0.1):
                try:
                    st = proc_status(d.pid)
                except OSError:
                    return
                peak["rss"] = max(peak["rss"], kib_field(st, "VmRSS"))
                peak["threads"] = max(peak["threads"], int(st["Threads"]))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        before = Snapshot(d.pid)
        try:
            t, _ = smtp_source(d.port, MEMORY_SESSIONS, MEMORY_SESSIONS, MEMORY_BODY, timeout=900)
        except SourceFailed as e:
            stop_sampling.set()
            self.integrity(f"{name}: against chainmaild: {e}")
            res["keep"] = True
            hwm = self.stop_daemon(d, res)
            print(f"  peak RSS {hwm / KIB:.1f} MiB (target < {RSS_TARGET_MIB} MiB)")
            try:
                self.check_archive(d, MEMORY_SESSIONS, res)
            except Exception as e2:  # the count is already known to be short
                print(f"  (archive check: {e2})")
            return
        after = Snapshot(d.pid)
        stop_sampling.set()
        sampler.join()
        threads_line = busiest_threads(d.pid, before, after, t)
        hwm = self.stop_daemon(d, res)
        _, rows, raw, _ = archive_counts(d.data)
        cpu = (after.user - before.user) + (after.sys - before.sys)
        res.update({"seconds": t, "mib_s": mib(raw) / t if raw else 0,
                    "peak_threads": peak["threads"], "pass": hwm / KIB < RSS_TARGET_MIB})
        print(f"  {MEMORY_SESSIONS} msgs ({mib(raw):,.0f} MiB raw) in {t:.2f} s = "
              f"{mib(raw) / t:,.1f} MiB/s; chainmaild CPU {cpu / t:.2f} cores; "
              f"peak threads {peak['threads']}")
        print(f"  peak RSS (VmHWM) {hwm / KIB:.1f} MiB   target < {RSS_TARGET_MIB} MiB   "
              f"{verdict(hwm / KIB < RSS_TARGET_MIB)}")
        print(f"  chainmaild {threads_line}")
        self.check_archive(d, MEMORY_SESSIONS, res)
        self.discard(d, res)

    def summary(self):
        print("\n== summary (MiB = 2^20 bytes; ratio = chainmaild msg/s / smtp-sink msg/s)")
        print(f"  {'scenario':<10} {'smtp-sink msg/s':>16} {'chainmaild msg/s':>17} "
              f"{'MiB/s':>8} {'ratio':>7} {'peak RSS':>10} {'verify':>8}  target")
        for r in self.results:
            if "ratio" in r:
                tgt = (f"ratio >= {r['target_ratio']:.1f}  {verdict(r['pass'])}"
                       if "target_ratio" in r else "-")
                print(f"  {r['scenario']:<10} {fmt_rate(r['sink']['msg_s']):>16} "
                      f"{fmt_rate(r['chainmaild']['msg_s']):>17} {r['chainmaild']['mib_s']:8.1f} "
                      f"{r['ratio']:7.3f} {r['peak_rss_kib'] / KIB:7.1f} MiB {vs(r):>8}  {tgt}")
            elif r["scenario"] == "memory" and "pass" in r:
                print(f"  {'memory':<10} {'':>16} {'':>17} {r['mib_s']:8.1f} {'':>7} "
                      f"{r['peak_rss_kib'] / KIB:7.1f} MiB {vs(r):>8}  RSS < {RSS_TARGET_MIB} MiB  "
                      f"{verdict(r['pass'])}")
        if self.failures:
            print(f"\nINTEGRITY PROBLEMS ({len(self.failures)}):")
            for f in self.failures:
                print("  - " + f.splitlines()[0])
        else:
            print("\nevery message sent was archived and verified")


def header(args):
    try:
        fs = subprocess.run(["stat", "-f", "-c", "%T", args.work], capture_output=True,
                            text=True).stdout.strip()
    except OSError:
        fs = "?"
    try:
        rev = subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True,
                             text=True, cwd=os.path.dirname(os.path.abspath(__file__))).stdout.strip()
    except OSError:
        rev = ""
    try:
        pf = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "postfix"], capture_output=True,
                            text=True).stdout.strip()
    except OSError:
        pf = ""
    load = os.getloadavg()
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"chainmail ingest benchmark, {now}; chainmail {rev or '?'}; postfix {pf or '?'} "
          f"smtp-source/smtp-sink")
    print(f"  {os.cpu_count()} CPUs, load average {load[0]:.2f}; data dirs in {args.work} ({fs}); "
          f"each measured run sized for ~{args.seconds:g} s after a warm-up")
    if fs == "tmpfs":
        print("  WARNING: the data dirs are on tmpfs: fsync is free there, figures are not durable-disk figures")
    if load[0] > 0.5:
        print("  WARNING: the machine is not idle; figures will be noisy")


def main():
    ap = argparse.ArgumentParser(prog="bench/run", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bindir", required=True, help=argparse.SUPPRESS)
    ap.add_argument("--work", required=True, help=argparse.SUPPRESS)
    ap.add_argument("--seconds", type=float, default=8.0,
                    help="length each measured run is sized for (default 8)")
    names = [s[0] for s in SCENARIOS] + ["memory"]
    ap.add_argument("--only", default=",".join(names),
                    help=f"comma-separated scenarios to run (default all: {','.join(names)})")
    ap.add_argument("--keep", action="store_true", help="keep the data dirs (bench/run prints where)")
    ap.add_argument("--skip-verify", action="store_true",
                    help="do not run chainmail verify after each scenario (counts are still checked)")
    ap.add_argument("--json", help="also write the figures to this JSON file")
    args = ap.parse_args()
    only = [x.strip() for x in args.only.split(",") if x.strip()]
    unknown = [x for x in only if x not in names]
    if unknown:
        ap.error(f"unknown scenario(s) {unknown}; known: {names}")

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)

    bench = Bench(args)
    code = 0
    try:
        header(args)
        for name, sessions, body, target in SCENARIOS:
            if name in only:
                bench.throughput(name, sessions, body, target)
        if "memory" in only:
            bench.memory()
        bench.summary()
        code = 1 if bench.failures else 0
    except BenchError as e:
        print(f"\nbench: cannot run: {e}", file=sys.stderr)
        code = 2
    except Interrupted as e:
        print(f"\nbench: interrupted ({e})", file=sys.stderr)
        code = 130
    finally:
        bench.procs.stop_all()
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"results": bench.results, "failures": bench.failures}, f, indent=2)
    if any(r.get("keep") for r in bench.results) and code == 1:
        print(f"(data dirs of failed scenarios kept under {args.work})", file=sys.stderr)
        with open(os.path.join(args.work, "keep"), "w") as f:
            f.write("1\n")
    return code


if __name__ == "__main__":
    sys.exit(main())

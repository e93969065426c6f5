#!/usr/bin/env python3
"""chainmail REST benchmark: searches and raw downloads against an archive of 1,000,000
messages, driven by wrk (Debian package) with 32 concurrent connections.

  bench/rest.py [--messages N] [--seconds S] [--connections C] [--build-dir DIR]
                [--data DIR] [--only SCENARIO,...] [--keep-log] [--warmup S] [--rate R]

The archive is made once by bench/gen_archive (through the real archive path) under
BUILD_DIR/bench-rest/<N>, and reused while it has N messages. --data DIR serves an
existing archive instead (never generated nor deleted here; the daemon migrates an older
schema at start). chainmaild then serves it with everything on; every search and
download is authenticated (an officer token) and audited — its audit event durably
committed before the answer — exactly as in production. Each scenario runs wrk for S
seconds over a Lua-scripted list of requests whose values exist in the archive, and
prints requests/s and latency p50/p99: first closed-loop (each connection sends again as
soon as it is answered, so the server is saturated and Little's law sets the mean: C in
flight / requests per second), then, for the searches and raw, paced at R requests/s
offered (default 4,000, the target's throughput): the latency a client sees at that load.
wrk's p99 is corrected for coordinated omission (wrk's stats_correct: a request held up
for T ms also counts the T / interval requests its connection did not send meanwhile), so
a single stall of the server or of the disk weighs once per request it held up. Any
answer other than 2xx is counted by status, with the start of the first such body, and
the daemon's REST error lines are shown.
Beside them, from /metrics as the histogram bucket bounds they fall in: the daemon's own
p50 and p99 to answer (routing to the answer ready: wrk's figure without the client, the
loopback and wrk's correction); those of the writer's group commits (BEGIN to synced),
of which every audited answer waits for one, after the one under way when its event
arrived; and those of the WAL's fdatasyncs: the disk's share of each commit. At the end,
the disk alone, with the daemon idle: 16 KiB fdatasyncs at 1,000/s for S seconds, with
the count over 10 and 50 ms and the longest — the stalls no code above the disk can
avoid, since every audited answer waits for one sync.

Scenarios: by_sender, by_recipient_and_date, by_message_id (the searches), fulltext (q=
with one or two words of a message's subject, newest first; needs an archive with a
full-text index, e.g. --data BUILD_DIR/bench-fulltext/1000000 from bench/fulltext.py;
issue 5's target p99 < 50 ms), raw, and the peer healthz: GET /healthz of the same daemon in the same run — public and its report
cached for a second, so no token, no database read and no audit event: the ceiling of
the HTTP layer plus wrk on this machine right now. Each search is also printed as a
fraction of it.

Targets (issue 4): p99 < 10 ms for the searches at 1,000,000 messages, and at least 4,000
authenticated, audited searches per second. Exit 0 when the report ran (a target may
FAIL), 1 when a request failed (non-2xx), 2 when it could not run.
"""
import argparse, os, random, re, shutil, signal, socket, sqlite3, subprocess, sys, tempfile, time, urllib.parse, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEARCHES = ("by_sender", "by_recipient_and_date", "by_message_id")
SCENARIOS = SEARCHES + ("fulltext", "raw", "healthz")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def count_messages(data):
    db = os.path.join(data, "chainmail.db")
    if not os.path.exists(db):
        return 0
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        # Seqs run from 0 without gaps: the unique index answers at once, count(*) reads it all.
        last = c.execute("SELECT max(seq) FROM messages").fetchone()[0]
        return 0 if last is None else last + 1
    finally:
        c.close()


def fulltext_off(bindir):
    """The full-text indexer off, where chainmaild has one: an archive made by gen_archive
    has no full-text index, and the daemon would start indexing all N messages in the
    background (hours of CPU and fsyncs) while the searches are measured."""
    cfg = subprocess.run([os.path.join(bindir, "chainmaild"), "--print-config"], capture_output=True, text=True)
    return ["--set", "fulltext.enabled=off"] if "fulltext.enabled" in cfg.stdout else []


def ensure_archive(bindir, data, n, given):
    have = count_messages(data)
    if have >= n:
        print(f"  archive: reusing {data} ({have:,} messages)")
        return
    if given:
        print(f"bench/rest.py: --data {data} holds {have:,} messages, fewer than --messages {n:,}")
        sys.exit(2)
    shutil.rmtree(data, ignore_errors=True)
    print(f"  archive: generating {n:,} messages in {data} (bench/gen_archive; takes a while, once)")
    t = time.monotonic()
    r = subprocess.run([os.path.join(bindir, "gen_archive"), data, str(n), "64"])
    if r.returncode != 0:
        sys.exit(2)
    print(f"  archive: generated in {time.monotonic() - t:.0f} s")


def samples(data, k=2000):
    c = sqlite3.connect(f"file:{os.path.join(data, 'chainmail.db')}?mode=ro", uri=True)
    total = c.execute("SELECT max(seq) FROM messages").fetchone()[0] or 0
    rng = random.Random(42)
    seqs = [rng.randrange(total + 1) for _ in range(k)]
    out = {"sender": [], "rcpt": [], "msgid": [], "id": [], "received": []}
    for s in seqs:
        row = c.execute("SELECT record_id, mail_from, message_id, received_us FROM messages WHERE seq = ?", (s,)).fetchone()
        if not row:
            continue
        rid, mail_from, msgid, received = row
        h = rid.hex()
        out["id"].append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
        out["sender"].append(mail_from.strip("<>"))
        out["msgid"].append(msgid)
        out["received"].append(received)
        r = c.execute("SELECT address FROM message_addresses WHERE record_id = ? AND kind = 0 LIMIT 1", (rid,)).fetchone()
        if r:
            out["rcpt"].append(r[0])
    c.close()
    out["text"] = text_queries(data, seqs, rng)
    return out


def text_queries(data, seqs, rng):
    """q= values for the fulltext scenario: one or two Latin words of a sampled message's
    subject (so each finds at least that message), alternately; [] without an index."""
    path = os.path.join(data, "fulltext.sqlite")
    if not os.path.exists(path):
        return []
    c = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    out = []
    for s in seqs:
        row = c.execute("SELECT subject FROM fulltext_docs WHERE seq = ?", (s,)).fetchone()
        words = [w for w in re.findall(r"[A-Za-z]{2,}", row[0] if row else "") if w not in ("AND", "OR", "NOT")]
        if words:
            out.append(" ".join(rng.sample(words, min(len(words), 1 + len(out) % 2))))
    c.close()
    return out


def disk_stalls(directory, seconds, rate=1000):
    """The disk alone, the daemon idle (no request in flight): 16 KiB written and fdatasynced in
    `directory` `rate` times a second for `seconds` (about the daemon's WAL sync rate under
    the searches). Returns the latencies (ms, sorted). Every audited answer waits for one
    such sync; a sync that stalls holds every answer in flight, so the stalls over 10 ms
    bound any p99 measured in the same minutes, whatever the daemon does."""
    path = os.path.join(directory, ".fsync-probe")
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    lat = []
    try:
        page = os.urandom(16384)
        start = time.monotonic()
        i = 0
        while time.monotonic() - start < seconds:
            wait = start + i / rate - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            os.pwrite(fd, page, (i % 64) * len(page))
            t = time.perf_counter()
            os.fdatasync(fd)
            lat.append((time.perf_counter() - t) * 1000)
            i += 1
    finally:
        os.close(fd)
        os.unlink(path)
    return sorted(lat)


def rfc3339(us):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(us / 1e6))


def paths(kind, s):
    q = urllib.parse.quote
    if kind == "by_sender":
        return [f"/api/v1/messages?mail_from={q(v)}&limit=50" for v in s["sender"]]
    if kind == "by_recipient_and_date":
        return [f"/api/v1/messages?rcpt_to={q(v)}&received_since={q(rfc3339(r - 30 * 86400e6))}"
                f"&received_before={q(rfc3339(r + 86400e6))}&limit=50" for v, r in zip(s["rcpt"], s["received"])]
    if kind == "by_message_id":
        return [f"/api/v1/messages?message_id={q(v)}" for v in s["msgid"] if v]
    if kind == "fulltext":
        return [f"/api/v1/messages?q={q(v)}&limit=50" for v in s["text"]]
    if kind == "raw":
        return [f"/api/v1/messages/{v}/raw" for v in s["id"]]
    if kind == "healthz":
        return ["/healthz"]
    raise ValueError(kind)


# wrk runs one Lua state per thread: each counts its own non-2xx answers by status (with
# the first body of each), and done() gathers them through the threads setup() saw.
PACING = """
local ffi = require("ffi")
ffi.cdef[[ typedef struct { long tv_sec; long tv_nsec; } pace_ts; int clock_gettime(int, pace_ts *); ]]
local pace_now = ffi.new("pace_ts")
local function now_ms()
  ffi.C.clock_gettime(1, pace_now)  -- CLOCK_MONOTONIC
  return tonumber(pace_now.tv_sec) * 1000 + tonumber(pace_now.tv_nsec) / 1e6
end
local per_thread = %f  -- requests per second offered by this wrk thread
local first, issued = nil, 0
delay = function()  -- ms until this request's slot in the thread's schedule; 0 when behind
  local t = now_ms()
  first = first or t
  issued = issued + 1
  local wait = first + issued * 1000 / per_thread - t
  if wait < 0 then return 0 end
  return math.floor(wait + 0.5)
end
"""

LUA = """
local paths = {%s}
local headers = {%s}
local i = 0
statuses = {}
bodies = {}
local threads = {}
setup = function(thread)
  table.insert(threads, thread)
end
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1], headers)
end
response = function(status, headers, body)
  if status < 200 or status > 299 then
    statuses[status] = (statuses[status] or 0) + 1
    if not bodies[status] then bodies[status] = string.sub(body or "", 1, 300) end
  end
end
done = function(summary, latency, requests)
  local non2xx = 0
  for _, t in ipairs(threads) do
    local b = t:get("bodies")
    for status, n in pairs(t:get("statuses")) do
      non2xx = non2xx + n
      io.write(string.format("STATUS %%d %%d %%s\\n", status, n, (string.gsub(b[status] or "", "\\n", " "))))
    end
  end
  io.write(string.format("RESULT requests=%%d seconds=%%f p50_us=%%d p99_us=%%d non2xx=%%d errors=%%d\\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99), non2xx,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


WRK_THREADS = 2


def run_wrk(port, token, plist, seconds, connections, work, rate=None):
    """wrk for `seconds`: closed loop (each connection sends its next request as soon as the
    answer arrives: the server's saturation) or, with `rate`, paced at `rate` requests/s in
    all (each wrk thread keeps a constant-rate schedule; a server that cannot keep up falls
    back to the closed loop). wrk's p99 is corrected for coordinated omission (its
    stats_correct adds the requests a stalled connection did not send), so one stall of
    the server or the disk counts once for every request it held up."""
    script = os.path.join(work, "bench.lua")
    headers = '["Authorization"] = "Bearer %s"' % token if token else ""
    with open(script, "w") as f:
        if rate:
            f.write(PACING % (rate / WRK_THREADS))
        f.write(LUA % (",".join('"%s"' % p.replace('"', '\\"') for p in plist), headers))
    r = subprocess.run(["wrk", f"-t{WRK_THREADS}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", script,
                        f"http://127.0.0.1:{port}"], capture_output=True, text=True)
    m = re.search(r"RESULT requests=(\d+) seconds=([\d.]+) p50_us=(\d+) p99_us=(\d+) non2xx=(\d+) errors=(\d+)",
                  r.stdout)
    if not m:
        print(r.stdout, r.stderr)
        sys.exit(2)
    n, s, p50, p99, non2xx, errors = int(m[1]), float(m[2]), int(m[3]), int(m[4]), int(m[5]), int(m[6])
    return {"rps": n / s, "p50_ms": p50 / 1000, "p99_ms": p99 / 1000, "non2xx": non2xx, "errors": errors,
            "statuses": re.findall(r"STATUS (\d+) (\d+) (.*)", r.stdout)}


HISTOGRAMS = {"server": "chainmail_http_request_duration_seconds", "commit": "chainmail_commit_duration_seconds",
              "sync": "chainmail_wal_sync_duration_seconds"}


def histograms(port):
    """From /metrics (public): how long the daemon took to answer (routing to the answer
    ready, summed over every route but /metrics: wrk's latency without the client, the
    network and wrk's correction), the writer's commit durations (BEGIN to synced) and the
    WAL's fdatasync durations: {"server"|"commit"|"sync": {upper bound s: cumulative count}}."""
    out = {k: {} for k in HISTOGRAMS}
    try:
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    except OSError:
        return out
    for line in text.splitlines():
        for key, family in HISTOGRAMS.items():
            m = re.match(family + r'_bucket\{(?:(.*),)?le="([^"]+)"\} (\d+)', line)
            if m and 'route="/metrics"' not in (m[1] or ""):
                le = float(m[2])  # float("+Inf") is inf
                out[key][le] = out[key].get(le, 0) + int(m[3])
    return out


def quantiles(before, after):
    """p50 and p99 between two histograms, as the bucket bounds (ms) they fall in. Each
    audited answer waited for one commit (BEGIN to synced), after the one under way when its
    event arrived; each commit waited for one fdatasync of the WAL (the disk's share)."""
    bounds = sorted(after)
    counts = [after[b] - before.get(b, 0) for b in bounds]  # cumulative
    if not counts or counts[-1] == 0:
        return None, None
    def q(f):
        for b, c in zip(bounds, counts):
            if c >= f * counts[-1]:
                return b * 1000
        return float("inf")
    return q(0.5), q(0.99)


def measure(port, token, plist, args, work, rate):
    """One measured wrk run, with the daemon's answer, commit and WAL sync p50/p99 over it."""
    before = histograms(port)
    res = run_wrk(port, token, plist, args.seconds, args.connections, work, rate)
    after = histograms(port)
    for key in HISTOGRAMS:
        q50, q99 = quantiles(before[key], after[key])
        res[key] = f"<= {q50:g} / <= {q99:g}" if q50 is not None else "-"
    return res


def target(kind, p99_ms):
    if kind in SEARCHES:
        return f"p99 < 10 ms {'PASS' if p99_ms < 10 else 'FAIL'}"
    if kind == "fulltext":
        return f"p99 < 50 ms (issue 5) {'PASS' if p99_ms < 50 else 'FAIL'}"
    if kind == "healthz":
        return "the peer: HTTP and wrk only"
    return ""


def trouble(res):
    out = f"  ({res['non2xx']} non-2xx)" if res["non2xx"] else ""
    return out + (f"  ({res['errors']} socket errors)" if res["errors"] else "")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--build-dir", default=os.environ.get("BUILD_DIR", "build"))
    ap.add_argument("--data", help="an existing archive to serve (default BUILD_DIR/bench-rest/N, made if missing)")
    ap.add_argument("--only", default=",".join(SCENARIOS), help="comma-separated, of: " + ",".join(SCENARIOS))
    ap.add_argument("--keep-log", action="store_true", help="keep chainmaild's log and say where")
    ap.add_argument("--rate", type=int, default=4000,
                    help="after each search's (and raw's) closed-loop run, one paced at this many requests/s "
                         "offered (default 4000, the issue's throughput target; 0: none)")
    ap.add_argument("--warmup", type=int, default=3,
                    help="seconds of each scenario run first and not measured (0: measure from a cold start)")
    args = ap.parse_args()
    only = args.only.split(",")
    if any(k not in SCENARIOS for k in only):
        ap.error("--only takes a comma-separated list of: " + ",".join(SCENARIOS))
    build = os.path.join(ROOT, args.build_dir)
    bindir = os.path.join(build, "bin")
    if not shutil.which("wrk"):
        print("bench/rest.py: wrk not found (apt-get install wrk; ./dev bench installs it)")
        sys.exit(2)
    data = os.path.abspath(args.data) if args.data else os.path.join(build, "bench-rest", str(args.messages))
    print(f"chainmail REST benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    ensure_archive(bindir, data, args.messages, given=bool(args.data))
    s = samples(data)
    work = tempfile.mkdtemp(prefix="chainmail-rest-bench-")
    port = free_port()
    log_path = os.path.join(work, "chainmaild.log")
    log = open(log_path, "wb")
    started = time.monotonic()
    # wrk is one client address with C connections: the per-address limit (default 32) is
    # set to 2C, because a connection of the previous scenario (or one the server just
    # ended after http's 1,000 requests per connection) holds its slot until the server
    # has finished its request, while wrk is already connecting again — at exactly C those
    # reconnections were the "unexplained" 503s "too many connections".
    d = subprocess.Popen([os.path.join(bindir, "chainmaild"), "--set", f"data.dir={data}",
                          "--set", "smtp.listen=127.0.0.1:0", "--set", f"http.listen=127.0.0.1:{port}",
                          "--set", "archive.min_free_mb=0",
                          "--set", f"http.max_connections={max(128, 4 * args.connections)}",
                          "--set", f"http.max_connections_per_ip={2 * args.connections}",
                          "--set", "http.auth_failures_per_minute=1000000"] +
                         ([] if s["text"] else fulltext_off(bindir)),  # an archive with its index keeps it on
                         stdout=log, stderr=log)
    failed = False
    try:
        for _ in range(6000):  # a schema migration of a large archive runs before "ready"
            if b"chainmaild: ready" in open(log_path, "rb").read():
                break
            if d.poll() is not None:
                print(open(log_path).read())
                sys.exit(2)
            time.sleep(0.1)
        print(f"  chainmaild ready in {time.monotonic() - started:.1f} s")
        tok = subprocess.run([os.path.join(bindir, "chainmail"), "--data", data, "token", "create", "--role", "officer",
                              "--name", "rest bench"], capture_output=True, text=True).stdout.strip().splitlines()[-1]
        print(f"  {args.connections} connections, wrk -t{WRK_THREADS}, {args.seconds} s per scenario after "
              f"{args.warmup} s not measured; every request but /healthz authenticated (officer token) and audited "
              f"before it is answered.\n  Each scenario runs closed-loop (every connection sends again as soon as "
              f"it is answered: the server saturated)" +
              (f", then paced at {args.rate:,} requests/s offered" if args.rate else "") +
              ". p99 is wrk's, corrected for coordinated omission.\n")
        print(f"  {'scenario':24} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}  {'server p50/p99 ms':>18}  "
              f"{'commit p50/p99 ms':>18}  {'sync p50/p99 ms':>18}  target")
        results = {}
        for kind in SCENARIOS:
            if kind not in only:
                continue
            token = None if kind == "healthz" else tok
            if kind == "fulltext" and not s["text"]:
                print(f"  {kind:24} skipped: {data} has no full-text index (fulltext.sqlite)")
                continue
            if args.warmup:  # a daemon that has run a while: its caches hold what the scenario reads
                run_wrk(port, token, paths(kind, s), args.warmup, args.connections, work)
            paced = [None] + ([args.rate] if args.rate and kind in SEARCHES + ("raw",) else [])
            for rate in paced:
                res = measure(port, token, paths(kind, s), args, work, rate)
                if rate is None:
                    results[kind] = res
                failed = failed or res["non2xx"] > 0 or res["errors"] > 0
                label = kind if rate is None else f"  at {rate:,}/s offered"
                print(f"  {label:24} {res['rps']:8.0f} {res['p50_ms']:8.2f} {res['p99_ms']:8.2f}  "
                      f"{res['server']:>18}  {res['commit']:>18}  {res['sync']:>18}  "
                      f"{target(kind, res['p99_ms'])}{trouble(res)}")
                for status, n, body in res["statuses"]:
                    print(f"      {n} x {status}: {body[:200]}")
        searches = {k: results[k]["rps"] for k in SEARCHES if k in results}
        if searches:
            best = max(searches.values())
            print(f"\n  audited searches/s (best scenario) {best:,.0f}   target >= 4,000  "
                  f"{'PASS' if best >= 4000 else 'FAIL'}")
            if "healthz" in results:
                ceiling = results["healthz"]["rps"]
                print("  as a fraction of /healthz req/s: " +
                      ", ".join(f"{k} {v / ceiling:.2f}" for k, v in searches.items()))
            lat = disk_stalls(data, args.seconds)
            n = len(lat)
            print(f"  the disk alone, now: 16 KiB fdatasyncs in {data}, {n / args.seconds:,.0f}/s for "
                  f"{args.seconds} s: p50 {lat[n // 2]:.2f} ms, p99 {lat[(n * 99) // 100]:.2f} ms, "
                  f"{sum(1 for x in lat if x > 10)} over 10 ms, {sum(1 for x in lat if x > 50)} over 50 ms, "
                  f"longest {lat[-1]:.0f} ms\n"
                  f"    (the floor under every audited answer: a sync that stalls holds every answer in flight)")
    finally:
        d.send_signal(signal.SIGTERM)
        try:
            d.wait(120)
        except subprocess.TimeoutExpired:
            d.kill()
        log.close()
        # REST errors, and the writer's totals (commits, batch sizes, time writing rows vs
        # committing): every audited search is a submission to it.
        for line in open(log_path, errors="replace"):
            if "REST" in line or "writer:" in line:
                print("  " + line.rstrip()[:300])
        if args.keep_log:
            print(f"  chainmaild's log: {log_path}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""chainmail MIME-extraction and full-text benchmark (issue 5), on the realistic mail mix of
bench/mail_mix.h (plain, HTML, attachments, nine charsets, a Zipf vocabulary of 50,000
words). See bench/README.md, "MIME extraction and full-text search".

  bench/fulltext.py [--only extraction,ingest,queries] [--messages N] [--build-dir DIR]
                    [--seconds S] [--ingest-messages M] [--rounds R] [--threads T]
                    [--queries Q] [--relevance-queries R] [--budget S]

Scenarios, each with its peer measured in the same run:
  extraction  bin/mime_bench: ExtractMime MB/s of raw mail, one thread and every core,
              against SHA-256 + zstd of the same bytes (what ingest already pays)
  ingest      bin/fulltext_ingest_bench: the same M messages through the real archive path
              with full-text off, on (extraction + the real indexer, its thread at a low
              priority) and extraction alone, alternated; target on >= 0.75 x off, with the
              ratio of each round. Then the indexer's catch-up after each burst and its
              backfill rate, against ingest's rate.
  queries     bin/fulltext_query_bench on an archive of N messages (default 1,000,000) made
              once by bin/gen_fulltext_archive under BUILD_DIR/bench-fulltext/N (the real
              archive path; the real indexer builds the index) and reused; p50/p99 of one-
              and two-word queries, newest first (target p99 < 50 ms) and by relevance,
              against a search by envelope sender.

Exit 0 when the report ran (a target may FAIL), 1 when something went wrong (a commit or
a query failed, the indexer did not catch up), 2 when it could not run.
"""
import argparse, os, re, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCENARIOS = ("extraction", "ingest", "queries")


def run(argv, results):
    """Runs a benchmark program, passing its output through; RESULT lines are kept, not shown."""
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, bufsize=1)
    try:
        for line in p.stdout:
            if line.startswith("RESULT "):
                words = line.split()
                results.append((words[1], dict(w.split("=", 1) for w in words[2:])))
            else:
                print(line, end="", flush=True)
        return p.wait()
    except BaseException:
        p.terminate()
        p.wait()
        raise


def archive_messages(data):
    """Messages of a finished gen_fulltext_archive run (its mailmix.txt), else 0."""
    try:
        m = re.match(r"seed (\d+) messages (\d+)", open(os.path.join(data, "mailmix.txt")).read())
        return int(m[2]) if m else 0
    except OSError:
        return 0


def ensure_archive(bindir, data, n):
    have = archive_messages(data)
    if have >= n:
        print(f"  archive: reusing {data} ({have:,} messages, full-text index complete)")
        return True
    if os.path.exists(data):
        print(f"  archive: {data} is incomplete (no mailmix.txt): made again")
        subprocess.run(["rm", "-rf", data], check=True)
    print(f"  archive: generating {n:,} messages in {data} (bin/gen_fulltext_archive, through the real archive "
          f"path with the real indexer; tens of minutes on 2 cores, once)", flush=True)
    t = time.monotonic()
    rc = subprocess.run([os.path.join(bindir, "gen_fulltext_archive"), data, str(n), "32"]).returncode
    if rc != 0:
        print(f"  archive: gen_fulltext_archive exited {rc}")
        return False
    print(f"  archive: generated in {time.monotonic() - t:.0f} s")
    return True


def verdict(ok):
    return "PASS" if ok else "FAIL"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default=",".join(SCENARIOS), help="comma-separated, of: " + ",".join(SCENARIOS))
    ap.add_argument("--build-dir", default=os.environ.get("BUILD_DIR", "build"))
    ap.add_argument("--messages", type=int, default=1_000_000, help="archive size for the queries (default 1,000,000)")
    ap.add_argument("--seconds", type=float, default=4, help="per extraction run (default 4)")
    ap.add_argument("--ingest-messages", type=int, default=10_000, help="per ingest run (default 10,000)")
    ap.add_argument("--rounds", type=int, default=2, help="ingest rounds of off,on,extract,extract,on,off (default 2)")
    ap.add_argument("--indexer-eager", action="store_true",
                    help="ingest: add the what-if runs with the indexer's thread at the sessions' priority (nice 0)")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2, help="query threads (default: cores)")
    ap.add_argument("--queries", type=int, default=200, help="newest-first queries per class (default 200)")
    ap.add_argument("--relevance-queries", type=int, default=50, help="relevance queries per class (default 50)")
    ap.add_argument("--budget", type=float, default=60, help="seconds at most per query class and order")
    args = ap.parse_args()
    only = [x for x in args.only.split(",") if x]
    if any(x not in SCENARIOS for x in only):
        ap.error("--only takes a comma-separated list of: " + ",".join(SCENARIOS))
    build = os.path.join(ROOT, args.build_dir)
    bindir = os.path.join(build, "bin")
    programs = {"extraction": ["mime_bench"], "ingest": ["fulltext_ingest_bench"],
                "queries": ["gen_fulltext_archive", "fulltext_query_bench"]}
    for s in only:
        for prog in programs[s]:
            if not os.access(os.path.join(bindir, prog), os.X_OK):
                print(f"bench/fulltext.py: {bindir}/{prog} is missing: build first (./dev build)")
                sys.exit(2)
    load = os.getloadavg()[0]
    print(f"chainmail MIME extraction and full-text benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
          f"{os.cpu_count()} CPUs, load average {load:.2f}")
    if load > 0.5:
        print("  WARNING: the machine is busy (load average > 0.5): every figure moves; compare ratios")
    results, failed = [], False
    if "extraction" in only:
        failed |= run([os.path.join(bindir, "mime_bench"), "--seconds", str(args.seconds)], results) != 0
        print()
    if "ingest" in only:
        work = os.path.join(build, "bench-fulltext", "ingest-work")
        failed |= run([os.path.join(bindir, "fulltext_ingest_bench"), work, "--messages", str(args.ingest_messages),
                       "--rounds", str(args.rounds)] + (["--indexer-eager", "on"] if args.indexer_eager else []),
                      results) != 0
        print()
    if "queries" in only:
        data = os.path.join(build, "bench-fulltext", str(args.messages))
        print(f"== queries at {args.messages:,} messages")
        if not ensure_archive(bindir, data, args.messages):
            sys.exit(2)
        failed |= run([os.path.join(bindir, "fulltext_query_bench"), data, "--threads", str(args.threads),
                       "--queries", str(args.queries), "--relevance-queries", str(args.relevance_queries),
                       "--budget", str(args.budget)], results) != 0
        print(f"  REST (q= on GET /api/v1/messages through chainmaild, audited, with wrk): bench/rest.py --data {data} "
              f"--only fulltext,by_sender,healthz")
        print()

    print("== summary")
    for kind, r in results:
        if kind == "extraction":
            print(f"  extraction, {r['threads']} thread(s): {float(r['extract_mbps']):.1f} MB/s, "
                  f"{float(r['extract_mbps']) / float(r['peer_mbps']):.2f} x SHA-256+zstd")
        elif kind == "ingest":
            off, on, ex = float(r["off_mps"]), float(r["on_mps"]), float(r["extract_mps"])
            print(f"  ingest full-text on/off {on / off:.3f} (by round {float(r['on_off_min']):.3f}-"
                  f"{float(r['on_off_max']):.3f}; extraction alone {ex / off:.3f}, by round "
                  f"{float(r['extract_off_min']):.3f}-{float(r['extract_off_max']):.3f})   target >= 0.75  "
                  f"{verdict(on / off >= 0.75)}")
            print(f"  ingest CPU per message: off {float(r['cpu_off_us']):.0f} us, on {float(r['cpu_on_us']):.0f} us "
                  f"(+{100 * (float(r['cpu_on_us']) / float(r['cpu_off_us']) - 1):.0f}%), extraction alone "
                  f"{float(r['cpu_extract_us']):.0f} us (+{100 * (float(r['cpu_extract_us']) / float(r['cpu_off_us']) - 1):.0f}%)")
            if float(r["on_eager_mps"]) > 0:
                print(f"  what-if, indexer thread at the sessions' priority: on-eager/off "
                      f"{float(r['on_eager_mps']) / off:.3f}")
            print(f"  indexer backfill {float(r['indexer_mps']):.0f} msg/s = {float(r['indexer_mps']) / off:.2f} x "
                  f"ingest with full-text off")
        elif kind == "queries":
            p99 = float(r["newest_p99"])
            print(f"  {r['kind']} queries newest first p50 {float(r['newest_p50']):.1f} ms p99 {p99:.1f} ms   "
                  f"target p99 < 50 ms  {verdict(p99 < 50)};  by relevance p50 {float(r['relevance_p50']):.1f} ms "
                  f"p99 {float(r['relevance_p99']):.1f} ms")
    if failed:
        print("  something FAILED (see above): exit 1")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)

"""The evidence scenarios of the chainmail benchmark (see bench/README.md), run by
bench/ingest.py:

- verify: `chainmail verify` over an archive of 100,000 messages of 100 KiB that
  smtp-source sent through chainmaild, in MB/s of raw message bytes (MB = 10^6 bytes, as
  openssl counts), against `openssl speed -evp sha256` on one core, 16384-byte blocks,
  measured in the same run. Target: verify >= 0.4 x openssl.
- checkpoints: ingest with checkpoints signed (the default) against chainmaild
  --without-checkpoints (benchmark only), alternating, same messages. Target: on >= 0.9 x off.
"""

import os
import re
import resource
import sqlite3
import subprocess

from benchlib import (KIB, BenchError, Daemon, Snapshot, SourceFailed, archive_counts,
                      calibrate, fmt_rate, measured_count, smtp_source, verdict, verify)

MB = 1000 * 1000
VERIFY_MESSAGES = 100_000
VERIFY_SESSIONS = 20
VERIFY_BODY = 100 * KIB
VERIFY_TARGET = 0.4            # verify MB/s >= 0.4 x openssl sha256 MB/s on one core
OPENSSL_BLOCK = 16384          # the openssl speed column compared against
OPENSSL_SECONDS = 3
CHECKPOINT_SESSIONS = 20
CHECKPOINT_BODY = 10 * KIB     # the highest commit rate: where per-commit costs show most
CHECKPOINT_TARGET = 0.9        # msg/s with checkpoints >= 0.9 x without
WITHOUT = "--without-checkpoints"
WARNING = "WARNING: " + WITHOUT  # how chainmaild announces it (service/daemon/daemon.cpp)


# ---------------------------------------------------------------- openssl speed

def openssl_sha256():
    """`openssl speed -evp sha256` on one core: MB/s in the 16384-byte column."""
    argv = ["openssl", "speed", "-evp", "sha256", "-bytes", str(OPENSSL_BLOCK),
            "-seconds", str(OPENSSL_SECONDS)]
    try:
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise BenchError(f"{' '.join(argv)}: {e}")
    return parse_openssl_speed(r.stdout, OPENSSL_BLOCK, " ".join(argv))


def parse_openssl_speed(text, block, what):
    """The table openssl prints ("The 'numbers' are in 1000s of bytes per second"):
        type          16384 bytes          (any number of "N bytes" columns)
        sha256         1580646.40k
    Returns MB/s (10^6 bytes) in the `block` column of the sha256 row."""
    header = row = None
    for line in text.splitlines():
        tokens = line.split()
        if tokens and tokens[0] == "type":
            header = [int(t) for t in re.findall(r"(\d+) bytes", line)]
        elif header is not None and tokens and tokens[0].lower() == "sha256":
            row = tokens[1:]
    if header is None or row is None or block not in header or len(row) != len(header):
        raise BenchError(f"{what}: no sha256 figure for {block}-byte blocks in its output:\n{text}")
    value = row[header.index(block)]
    if not value.endswith("k"):
        raise BenchError(f"{what}: unexpected figure {value!r}")
    return float(value[:-1]) * 1000 / MB


# ---------------------------------------------------------------- helpers

def rusage_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime, r.ru_stime


def timed_verify(bindir, data):
    """chainmail verify; returns (exit status, seconds, user s, sys s, output lines)."""
    u0, s0 = rusage_children()
    rc, secs, out = verify(bindir, data)
    u1, s1 = rusage_children()
    return rc, secs, u1 - u0, s1 - s0, out


def db_query(data, sql, *params):
    db = sqlite3.connect(f"file:{os.path.join(data, 'chainmail.db')}?mode=ro", uri=True)
    try:
        return db.execute(sql, params).fetchone()[0]
    finally:
        db.close()


def stored_checkpoints(data):
    return db_query(data, "SELECT count(*) FROM checkpoints")


def start_events_naming(data, flag):
    """Audit payloads whose detail lists `flag` among benchmark_only_flags (service.start)."""
    needle = f'"benchmark_only_flags":["{flag}"'.encode()
    return db_query(data, "SELECT count(*) FROM payloads WHERE instr(payload, ?) > 0", needle)


# ---------------------------------------------------------------- verify

def verify_scenario(h):
    args = h.args
    n = args.verify_messages
    res = {"scenario": "verify", "sessions": VERIFY_SESSIONS, "body_bytes": VERIFY_BODY,
           "messages": n}
    h.results.append(res)
    print(f"\n== verify: chainmail verify over {n:,} messages of {VERIFY_BODY // KIB} KiB body "
          f"(sent by smtp-source -s {VERIFY_SESSIONS} -l {VERIFY_BODY} -d through chainmaild); "
          f"MB = 10^6 bytes")

    d = Daemon(h.procs, args.work, "verify", args.bindir)
    d.start()
    try:
        t, _ = smtp_source(d.port, VERIFY_SESSIONS, n, VERIFY_BODY, timeout=60 + n / 20)
    except SourceFailed as e:
        h.integrity(f"verify: building the archive: {e}")
        res["keep"] = True
        h.stop_daemon(d, res)
        return
    h.stop_daemon(d, res)
    leaves, rows, raw, all_leaves = archive_counts(d.data)
    on_disk = sum(os.path.getsize(os.path.join(d.data, f)) for f in os.listdir(d.data)
                  if f.startswith("chainmail.db"))
    print(f"  archive built: {n:,} msgs in {t:.1f} s = {fmt_rate(n / t)} msg/s; {raw / MB:,.0f} MB raw, "
          f"{on_disk / MB:,.0f} MB on disk; {stored_checkpoints(d.data)} checkpoints")
    ok = leaves == n and rows == n
    print(f"  archived {leaves:,} leaves / {rows:,} index rows, sent {n:,}: {'ok' if ok else 'MISMATCH'}"
          f" ({all_leaves - leaves:,} leaves in other logs)")
    if not ok:
        h.integrity(f"verify: archived {leaves} leaves / {rows} rows, sent {n} (data dir kept: {d.data})")
        res["keep"] = True

    # openssl before and after the verify runs; the better of each counts (a burst of
    # other load on the machine then lowers each figure less).
    ssl = [openssl_sha256()]
    runs = []
    for _ in range(2):
        rc, secs, user, sys_, out = timed_verify(args.bindir, d.data)
        runs.append({"seconds": secs, "mb_s": raw / MB / secs, "msg_s": rows / secs,
                     "cpu_user_s": user, "cpu_sys_s": sys_, "rc": rc})
        summary = out[-1] if out else "(no output)"
        print(f"  chainmail verify: exit {rc} in {secs:6.2f} s = {raw / MB / secs:7.1f} MB/s of raw bytes "
              f"({fmt_rate(rows / secs)} msg/s); CPU {(user + sys_) / secs:.2f} cores "
              f"(user {user / secs:.2f}, sys {sys_ / secs:.2f})")
        if rc != 0:
            for l in out[:20]:
                print(f"    | {l}")
            h.integrity(f"verify: chainmail verify exited {rc} (data dir kept: {d.data})")
            res["keep"] = True
            break
    print(f"  verify said: {summary}")
    ssl.append(openssl_sha256())
    for when, x in zip(("before", "after"), ssl):
        print(f"  openssl speed -evp sha256 -bytes {OPENSSL_BLOCK} (one core): {x:7.1f} MB/s   "
              f"{when} verify")
    best = max(runs, key=lambda r: r["mb_s"])
    ceiling = max(ssl)
    ratio = best["mb_s"] / ceiling
    res.update({"archive_seconds": t, "raw_bytes": raw, "verify_runs": runs, "openssl_mb_s": ssl,
                "verify_mb_s": best["mb_s"], "ratio": ratio, "target_ratio": VERIFY_TARGET,
                "pass": ratio >= VERIFY_TARGET and best["rc"] == 0,
                "verify_rc": best["rc"], "verify_s": best["seconds"]})
    print(f"  ratio verify/openssl {ratio:.3f} (better verify run / better openssl run)   "
          f"target >= {VERIFY_TARGET}  {verdict(res['pass'])}")
    res["summary"] = (f"{'verify':<12} {best['mb_s']:7.1f} MB/s = {ratio:.3f} x openssl sha256 "
                      f"{ceiling:.1f} MB/s (one core)   target >= {VERIFY_TARGET}  {verdict(res['pass'])}")
    h.discard(d, res)


# ---------------------------------------------------------------- checkpoints on/off

def checkpoints_scenario(h):
    args = h.args
    sessions, body = CHECKPOINT_SESSIONS, CHECKPOINT_BODY
    res = {"scenario": "checkpoints", "sessions": sessions, "body_bytes": body}
    h.results.append(res)
    print(f"\n== checkpoints: ingest with checkpoints signed vs chainmaild {WITHOUT}, "
          f"{sessions} sessions x {body // KIB} KiB body (smtp-source -s {sessions} -l {body} -d)")
    # Sized on a chainmaild of its own, so that every measured run gets the same warm-up
    # (one smtp-source run of as many messages as the calibration sent) and the same count.
    d = Daemon(h.procs, args.work, "checkpoints.calibration", args.bindir)
    d.start()
    try:
        warm, rate = calibrate(d.port, sessions, body)
    except SourceFailed as e:
        h.integrity(f"checkpoints calibration: against chainmaild: {e}")
        res["keep"] = True
        h.stop_daemon(d, res)
        return
    n = measured_count(rate, args.seconds, sessions)
    order = (False, True, True, False) * args.checkpoint_rounds  # ABBA: a steady drift cancels
    print(f"  sized on a chainmaild of its own ({fmt_rate(rate)} msg/s); each run: a fresh data dir, "
          f"a warm-up of {warm:,} msgs, then {n:,} msgs measured; order "
          + ", ".join("on" if on else "off" for on in order))
    h.stop_daemon(d, res)
    h.discard(d, res)
    runs = []
    for i, on in enumerate(order, 1):
        tag = f"checkpoints.{i}.{'on' if on else 'off'}"
        d = Daemon(h.procs, args.work, tag, args.bindir,
                   flags=() if on else (WITHOUT,), expected=() if on else (WARNING,))
        d.start()
        run = {"checkpoints": on, "scenario": f"checkpoints run {i}"}
        try:
            smtp_source(d.port, sessions, warm, body, timeout=120)
            before = Snapshot(d.pid)
            t, _ = smtp_source(d.port, sessions, n, body, timeout=60 + 20 * args.seconds)
            after = Snapshot(d.pid)
        except SourceFailed as e:
            h.integrity(f"checkpoints run {i}: against chainmaild: {e}")
            res["keep"] = True
            h.stop_daemon(d, run)
            return
        cpu = (after.user - before.user) + (after.sys - before.sys)
        with open(d.log, "rb") as f:
            warned = WARNING.encode() in f.read()
        h.stop_daemon(d, run)
        stored = stored_checkpoints(d.data)
        recorded = start_events_naming(d.data, WITHOUT)
        run.update({"messages": n, "seconds": t, "msg_s": n / t, "cpu_s": cpu,
                    "checkpoints_stored": stored})
        runs.append(run)
        label = "checkpoints on" if on else WITHOUT
        print(f"  run {i}  {label:<21} {n:>9,} msgs in {t:6.2f} s  {fmt_rate(n / t):>9} msg/s  "
              f"CPU {cpu / t:.2f} cores  {stored} checkpoints stored")
        if on and (stored == 0 or recorded):
            h.integrity(f"checkpoints run {i}: checkpoints on, yet {stored} checkpoints stored and "
                        f"{recorded} service.start events naming {WITHOUT}")
        if not on:
            print(f"         start warning printed: {'yes' if warned else 'NO'}; service.start events "
                  f"naming {WITHOUT}: {recorded}")
            if stored or not warned or recorded != 1:
                h.integrity(f"checkpoints run {i}: {WITHOUT}: {stored} checkpoints stored, warning "
                            f"{'printed' if warned else 'missing'}, {recorded} service.start events "
                            f"naming it (want 0, printed, 1)")
        h.check_archive(d, warm + n, run)
        if run.get("keep"):
            res["keep"] = True
        h.discard(d, run)

    best_on = max((r for r in runs if r["checkpoints"]), key=lambda r: r["msg_s"])
    best_off = max((r for r in runs if not r["checkpoints"]), key=lambda r: r["msg_s"])
    ratio = best_on["msg_s"] / best_off["msg_s"]
    res.update({"runs": runs, "on_msg_s": best_on["msg_s"], "off_msg_s": best_off["msg_s"],
                "ratio": ratio, "target_ratio": CHECKPOINT_TARGET, "pass": ratio >= CHECKPOINT_TARGET})
    print(f"  ratio on/off {ratio:.3f} (better run of each)   target >= {CHECKPOINT_TARGET}  "
          f"{verdict(res['pass'])}")
    res["summary"] = (f"{'checkpoints':<12} {fmt_rate(best_on['msg_s'])} msg/s on, "
                      f"{fmt_rate(best_off['msg_s'])} msg/s off = {ratio:.3f}   "
                      f"target >= {CHECKPOINT_TARGET}  {verdict(res['pass'])}")


# name -> the function that runs it with the benchmark's Harness, in the order run
SCENARIOS = {"verify": verify_scenario, "checkpoints": checkpoints_scenario}

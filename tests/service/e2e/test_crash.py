"""The durability proof: acknowledged means durable.

Many concurrent senders (plain DATA, pipelined BDAT, DATA inside STARTTLS) push distinct
messages (1 KB - 200 KB) as fast as they can, each reusing its connection; the
daemon is SIGKILLed mid-load and restarted on the same data dir. Every message that got
its 250 must be present byte-exact and `chainmail verify` must pass. Four rounds on the
same, growing archive; records of earlier rounds must survive later crashes too.
Messages whose connection broke before a 250 may or may not be present."""

import base64
import hashlib
import math
import random
import sys
import threading
import time
import unittest

from harness import (CRLF, ConnectionClosed, Daemon, RawSmtp, archived_id, db_connect,
                     record_uuid, show_raw, stuff)

SENDERS = 12
ROUNDS = 4
LOAD_SECONDS = (1.3, 1.8)        # SIGKILL after this long under load (varied per round)
MIN_SIZE, MAX_SIZE = 1024, 200 * 1024
SHOW_SAMPLE_PER_ROUND = 30       # `chainmail show --raw` byte comparisons per round


def message_for(seed):
    """A distinct, reproducible message of 1 KB - 200 KB (log-uniform), with dot lines."""
    rnd = random.Random(seed)
    size = int(math.exp(rnd.uniform(math.log(MIN_SIZE), math.log(MAX_SIZE))))
    head = (f"From: load-{seed}@example.test\r\nTo: journal@archive.test\r\n"
            f"Message-ID: <load-{seed}@client.test>\r\nSubject: load {seed}\r\n\r\n").encode()
    lines = []
    total = len(head)
    i = 0
    while total < size:
        line = base64.b64encode(rnd.randbytes(57))
        if i % 50 == 7:
            line = b"." + line  # exercise stuffing under load
        lines.append(line)
        total += len(line) + 2
        i += 1
    return head + CRLF.join(lines) + CRLF


class Sender(threading.Thread):
    """One connection, reused for message after message until it breaks or stop is set."""

    MODES = ("data", "bdat", "starttls+data")

    def __init__(self, port, index, round_no, stop, results, cafile):
        super().__init__(daemon=True)
        self.port, self.index, self.round_no = port, index, round_no
        self.mode = self.MODES[index % len(self.MODES)]
        self.cafile = cafile
        self.stop, self.results = stop, results
        self.acked = []        # (record_id, seed, sha256, length)
        self.in_flight = 0     # messages sent whose connection broke before a reply
        self.refused = []      # non-250 final replies (should be none)
        self.error = None

    def run(self):
        n = 0
        c = None
        try:
            c = RawSmtp(self.port, timeout=60)
            c.ehlo(f"sender{self.index}.test")
            if self.mode == "starttls+data":
                c.starttls(self.cafile)
                c.ehlo(f"sender{self.index}.test")
            envelope = b"MAIL FROM:<load@example.test>\r\nRCPT TO:<journal@archive.test>\r\n"
            while not self.stop.is_set():
                seed = (self.round_no * 100 + self.index) * 1_000_000 + n
                n += 1
                message = message_for(seed)
                wire, stored = stuff(message)
                if self.mode == "bdat":
                    # Two chunks, pipelined with the envelope.
                    half = len(message) // 2
                    self.in_flight = 1
                    c.send(envelope + f"BDAT {half}\r\n".encode() + message[:half]
                           + f"BDAT {len(message) - half} LAST\r\n".encode() + message[half:])
                    codes = [r.code for r in c.replies(3)]
                    if codes != [250, 250, 250]:
                        self.refused.append(codes)
                        break
                else:
                    c.send(envelope + b"DATA\r\n")
                    codes = [r.code for r in c.replies(3)]
                    if codes != [250, 250, 354]:
                        self.refused.append(codes)
                        break
                    self.in_flight = 1
                    c.send(wire)
                r = c.reply()
                self.in_flight = 0
                if r.code != 250:
                    self.refused.append(r.text)
                    c.cmd("RSET")
                    continue
                self.acked.append((archived_id(r), seed, hashlib.sha256(stored).digest(),
                                   len(stored)))
        except (ConnectionClosed, OSError) as e:
            self.error = e  # expected once the daemon is killed
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.error = e
            self.results.append(f"sender {self.index}: unexpected {e!r}")
        finally:
            if c is not None:
                c.close()


class CrashDurability(unittest.TestCase):
    def test_sigkill_under_load_loses_nothing_acknowledged(self):
        rng = random.Random(4242)
        acked = {}  # record_id -> (seed, sha256, length, round)
        report = []
        with Daemon() as daemon:
            for round_no in range(1, ROUNDS + 1):
                stop = threading.Event()
                problems = []
                senders = [Sender(daemon.port, i, round_no, stop, problems, daemon.cert_path)
                           for i in range(SENDERS)]
                for s in senders:
                    s.start()
                time.sleep(rng.uniform(*LOAD_SECONDS))
                status = daemon.kill()
                stop.set()
                for s in senders:
                    s.join(60)
                    self.assertFalse(s.is_alive(), "a sender is stuck after SIGKILL")
                self.assertEqual(status, -9, "chainmaild was not running at SIGKILL:\n"
                                 + daemon.log_text())
                self.assertEqual(problems, [])
                refused = [r for s in senders for r in s.refused]
                self.assertEqual(refused, [], "refusals under load (not a crash effect)")

                round_acked = [a for s in senders for a in s.acked]
                in_flight = sum(s.in_flight for s in senders)
                self.assertGreater(len(round_acked), 0, f"round {round_no}: nothing acknowledged")
                for rid, seed, digest, length in round_acked:
                    self.assertNotIn(rid, acked, f"record id {rid} acknowledged twice")
                    acked[rid] = (seed, digest, length, round_no)

                daemon.start()  # restart on the same data dir
                present = self.check_all_present(daemon, acked)
                newest = [s.acked[-1][0] for s in senders if s.acked]
                self.check_sample_byte_exact(daemon, acked, round_no, rng, newest)
                p = daemon.verify()
                out = p.stdout.decode(errors="replace") + p.stderr.decode(errors="replace")
                self.assertEqual(p.returncode, 0, f"round {round_no}: verify failed:\n{out}")
                line = (f"round {round_no}: {len(round_acked)} acknowledged "
                        f"({sum(a[3] for a in round_acked) / 1e6:.1f} MB), {in_flight} in flight "
                        f"at SIGKILL; archive holds {present} records, {len(acked)} acknowledged "
                        f"in all, {present - len(acked)} unacknowledged but present")
                report.append(line)
                print(line, file=sys.stderr)
            self.assertEqual(daemon.stop(), 0)
        print("\n".join(report), file=sys.stderr)

    def check_all_present(self, daemon, acked):
        """Every acknowledged id is in the archive with the SHA-256 and length of what was
        sent (verify then proves the stored bytes hash to it). Returns the record count."""
        with db_connect(daemon.db_path, readonly=True) as db:
            rows = {record_uuid(rid): (bytes(sha), length) for rid, sha, length in
                    db.execute("SELECT record_id, raw_sha256, raw_length FROM messages")}
            leaves = {record_uuid(r) for (r,) in db.execute("SELECT record_id FROM leaves")}
        missing = [rid for rid in acked if rid not in rows or rid not in leaves]
        self.assertEqual(missing, [], f"{len(missing)} acknowledged messages lost, e.g. "
                         + ", ".join(f"{rid} (round {acked[rid][3]})" for rid in missing[:5]))
        wrong = [rid for rid, (seed, digest, length, _) in acked.items()
                 if rows[rid] != (digest, length)]
        self.assertEqual(wrong, [], "acknowledged messages stored with other content")
        return len(rows)

    def check_sample_byte_exact(self, daemon, acked, round_no, rng, newest):
        """`chainmail show --raw` for a sample of this round's and older rounds' records,
        always including the last one acknowledged on each connection (closest to the
        crash)."""
        this_round = [rid for rid, v in acked.items() if v[3] == round_no]
        older = [rid for rid, v in acked.items() if v[3] < round_no]
        sample = rng.sample(this_round, min(len(this_round), SHOW_SAMPLE_PER_ROUND))
        sample += rng.sample(older, min(len(older), 10))
        for rid in set(sample) | set(newest):
            seed, digest, length, _ = acked[rid]
            _, stored = stuff(message_for(seed))
            got = show_raw(daemon.data_dir, rid)
            self.assertEqual(len(got), len(stored), f"record {rid}: length")
            self.assertTrue(got == stored, f"record {rid}: bytes differ from what was sent")


if __name__ == "__main__":
    unittest.main()

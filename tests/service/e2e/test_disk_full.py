"""A real full disk: ENOSPC from the kernel, not the archive.min_free_mb threshold (set
to 0 here), on small tmpfs filesystems that fill up.

RealDiskFull: the data dir fills. Concurrent senders push incompressible mail by DATA and
BDAT, some of it large enough to spool to disk, until the filesystem is full. Every reply
is 250 with a record id or a temporary 452 4.3.1 / 451 4.3.0, never a 5xx, never a
connection dropped without a reply; a REST search while the disk is full is 503
problem+json or is served with its audit event committed; the daemon stays up. Space is
freed (a filler file placed on the same tmpfs beforehand is deleted) and mail is archived
again, also after a stop and start while the disk was full; every refused message, sent
again as a gateway would, is archived; the full-text index catches up. After a clean
stop `chainmail verify` passes and every message that got a 250 is there byte-exact.

KeyDirFull: only the signing key's directory is full, where the signed heads are kept
(archive/signed_heads.h). Mail is still archived, but no checkpoint note leaves the
daemon unless its head was recorded first, and a note that cannot be recorded is a 503.

The tmpfs filesystems are mounted in a private mount namespace of this test process,
entered in setUpModule before any thread starts (unshare(2) refuses a threaded process),
so the daemon and the CLI it runs see them and nothing outside does: as root a plain
mount namespace (CI runs the tests as root), otherwise a user namespace that maps our own
uid. A system that allows neither fails these tests; it does not skip them.
"""

import ctypes
import json
import os
import random
import shutil
import tempfile
import threading
import time
import unittest

from harness import (ConnectionClosed, Daemon, RawSmtp, archived_id, db_connect, make_message,
                     stuff, wait_until)

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
MS_PRIVATE = 1 << 18
MS_REC = 1 << 14
MNT_DETACH = 2

FREE_MB_AFTER_FILLER = 3   # what the senders fill in the first round
SENDERS = 4
FILL_DEADLINE_S = 8.0
MESSAGE_SEARCH = 0x10      # the audit event type of a search (payload_tags.h)
TEMPORARY = ("452 4.3.1", "451 4.3.0")

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p] * 3 + [ctypes.c_ulong, ctypes.c_char_p]
NAMESPACE = None  # how setUpModule entered the private mount namespace


def _libc_call(name, *args):
    if getattr(_libc, name)(*args) != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"{name}: {os.strerror(e)}")


def setUpModule():
    """Moves this process into a private mount namespace (see the module's docstring)."""
    global NAMESPACE
    if threading.active_count() != 1:
        raise AssertionError("a private mount namespace needs a single-threaded process")
    uid, gid = os.getuid(), os.getgid()
    try:
        if os.geteuid() == 0:
            NAMESPACE = "a mount namespace (as root)"
            _libc_call("unshare", CLONE_NEWNS)
        else:
            NAMESPACE = "a user and mount namespace (unprivileged)"
            _libc_call("unshare", CLONE_NEWUSER | CLONE_NEWNS)
            with open("/proc/self/setgroups", "w") as f:
                f.write("deny")
            with open("/proc/self/uid_map", "w") as f:
                f.write(f"{uid} {uid} 1")
            with open("/proc/self/gid_map", "w") as f:
                f.write(f"{gid} {gid} 1")
        # Nothing mounted here may propagate to the host's namespace.
        _libc_call("mount", None, b"/", None, MS_REC | MS_PRIVATE, None)
    except OSError as e:
        raise AssertionError(
            f"cannot enter {NAMESPACE} for a private tmpfs: {e}. These tests need root or "
            "unprivileged user namespaces (user.max_user_namespaces > 0, "
            "kernel.unprivileged_userns_clone=1 where it exists, no AppArmor userns "
            "restriction).") from e


def mount_tmpfs(path, size):
    """A tmpfs of `size` bytes on `path`, in this process's private namespace (it vanishes
    with the process at the latest)."""
    try:
        _libc_call("mount", b"tmpfs", path.encode(), b"tmpfs", 0, f"size={size},mode=0700".encode())
    except OSError as e:
        raise AssertionError(f"cannot mount a tmpfs on {path} in {NAMESPACE}: {e}") from e


def remove_mounted(top, mounts):
    """Unmounts `mounts` (below or at `top`) and removes `top`."""
    for path in mounts:
        _libc.umount2(path.encode(), MNT_DETACH)
    shutil.rmtree(top, ignore_errors=True)


def free_bytes(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def place_filler(directory, leave_bytes):
    """A file taking all the free space of `directory`'s filesystem but `leave_bytes`."""
    path = os.path.join(directory, "filler")
    size = free_bytes(directory) - leave_bytes
    if size <= 0:
        raise AssertionError(f"{directory} has only {free_bytes(directory)} bytes free")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.posix_fallocate(fd, 0, size)
    finally:
        os.close(fd)
    return path


BASE64 = bytes.maketrans(bytes(range(256)),
                         b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" * 4)
WORD = "quiddity"  # in every message's first body line, for the full-text check


def random_message(rng, tag, size):
    """A message whose body is a line with WORD, then `size` bytes of random base64 text
    (incompressible) in 76-character lines."""
    raw = rng.randbytes(size).translate(BASE64)
    lines = [raw[i:i + 76] for i in range(0, size, 76)]
    return make_message(subject=tag, body=f"{WORD} {tag}\r\n".encode() + b"\r\n".join(lines) + b"\r\n")


class RealDiskFull(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mnt = tempfile.mkdtemp(prefix="chainmail-e2e-enospc-")
        mount_tmpfs(cls.mnt, 64 << 20)
        cls.daemon = Daemon({"archive.min_free_mb": "0", "archive.spool_memory_kb": "64"},
                            data_dir=os.path.join(cls.mnt, "data"))

    @classmethod
    def tearDownClass(cls):
        cls.daemon.close()
        remove_mounted(cls.mnt, [cls.mnt])

    # --- helpers ---------------------------------------------------------------------

    def transaction(self, c, rng, tag):
        """One message on connection `c`, by DATA or (about every other time) BDAT in
        chunks. Returns (stage, reply, the message's bytes); after a refusal the session
        is RSET."""
        msg = random_message(rng, tag, rng.choice((4_000, 100_000, 400_000)))
        wire, stored = stuff(msg)
        stages = [("MAIL", "MAIL FROM:<sender@example.test>", 250),
                  ("RCPT", "RCPT TO:<journal@archive.test>", 250)]
        if rng.random() < 0.5:
            stages.append(("DATA", "DATA", 354))
        for stage, line, expect in stages:
            r = c.cmd(line)
            if r.code != expect:
                c.cmd("RSET")
                return stage, r, stored
        if stages[-1][0] == "DATA":
            c.send(wire)
            return "end of data", c.reply(), stored
        chunks = [stored[i:i + 65536] for i in range(0, len(stored), 65536)]
        for i, chunk in enumerate(chunks):
            last = i == len(chunks) - 1
            c.send(f"BDAT {len(chunk)}{' LAST' if last else ''}\r\n".encode() + chunk)
            r = c.reply()
            if last:
                return "end of data", r, stored
            if r.code != 250:
                c.cmd("RSET")
                return f"BDAT chunk {i}", r, stored

    def sender(self, n, outcome, stop):
        """Sends messages on one connection until `stop`, recording (stage, reply, message
        bytes); a dropped connection is recorded as such and the sender reconnects."""
        rng = random.Random(n)
        c = None
        i = 0
        while not stop.is_set():
            try:
                if c is None:
                    c = RawSmtp(self.daemon.port, timeout=30)
                    if c.banner.code != 220:
                        outcome.append(("banner", c.banner, None))
                        c.close()
                        c = None
                        continue
                    c.ehlo()
                outcome.append(self.transaction(c, rng, f"sender {n} message {i}"))
                i += 1
            except (ConnectionClosed, OSError) as e:
                outcome.append(("dropped", e, None))
                if c is not None:
                    c.close()
                c = None
        if c is not None:
            try:
                c.cmd("QUIT")
            except (ConnectionClosed, OSError):
                pass
            c.close()

    def fill(self, first_sender):
        """Runs SENDERS senders (numbered from `first_sender`) until each has met the full
        disk twice (or the deadline). Checks every reply, adds each message archived
        to self.archived and each refused to self.refused, and returns how many were
        refused."""
        outcomes = [[] for _ in range(SENDERS)]
        stop = threading.Event()
        threads = [threading.Thread(target=self.sender, args=(first_sender + n, outcomes[n], stop),
                                    daemon=True)
                   for n in range(SENDERS)]
        for t in threads:
            t.start()

        def each_refused_twice():
            return all(sum(1 for _, r, _ in o if getattr(r, "code", 0) // 100 == 4) >= 2
                       for o in outcomes)
        wait_until(each_refused_twice, FILL_DEADLINE_S, 0.02)
        stop.set()
        for t in threads:
            t.join(60)
            if t.is_alive():
                self.fail("a sender hung:\n" + self.daemon.thread_report())
        refused = 0
        for stage, reply, stored in (x for o in outcomes for x in o):
            self.assertTemporaryOrArchived(stage, reply)
            if reply.code == 250:
                self.archived[archived_id(reply)] = stored
            else:
                self.refused.append(stored)
                refused += 1
        self.assertTrue(self.daemon.running(), "chainmaild exited:\n" + self.daemon.log_text())
        return refused

    def assertTemporaryOrArchived(self, stage, reply):
        if stage == "dropped":
            self.fail(f"the connection was dropped without a reply: {reply}\n" + self.daemon.log_text())
        if reply.code == 250 and stage == "end of data":
            archived_id(reply)
            return
        self.assertIn(reply.code // 100, (2, 3, 4), f"{stage}: {reply}")
        self.assertTrue(reply.last.startswith(TEMPORARY), f"{stage}: {reply}")

    def search(self, query):
        """GET /api/v1/messages?`query` as the officer: 200, or 503 problem+json. Counts the
        searches served in self.served. Returns (status, parsed body)."""
        status, headers, body = self.daemon.rest("GET", "/api/v1/messages?" + query, token=self.officer)
        self.assertIn(status, (200, 503), body)
        if status == 503:
            self.assertEqual(headers.get("content-type"), "application/problem+json", body)
        else:
            self.served += 1
        return status, json.loads(body)

    def send_one(self, message):
        """`message` on a new connection: True when archived (added to self.archived),
        False when refused with a temporary reply."""
        with self.daemon.raw() as c:
            c.ehlo()
            c.envelope()
            wire, stored = stuff(message)
            r = c.data_wire(wire)
        if r.code != 250:
            self.assertTrue(r.last.startswith(TEMPORARY), r)
            return False
        self.archived[archived_id(r)] = stored
        return True

    def assertArchivesAgain(self):
        message = random_message(random.Random(), "after the fill", 1_000)
        self.assertTrue(wait_until(lambda: self.send_one(message), 10, 0.2),
                        "no message archived after space was freed:\n" + self.daemon.log_text())

    # --- the test ----------------------------------------------------------------------

    def test_enospc_is_temporary_loses_nothing_and_recovers(self):
        d = self.daemon
        self.officer = d.token("officer", name="e2e disk full")
        self.archived = {}  # id -> exact bytes
        self.refused = []   # the bytes of each message refused
        self.served = 0
        self.assertTrue(self.send_one(random_message(random.Random(), "before the fill", 1_000)))
        self.assertEqual(self.search("subject=before")[0], 200)

        # Round 1: a few MiB left, filled by the senders.
        filler = place_filler(self.mnt, FREE_MB_AFTER_FILLER << 20)
        self.assertGreater(self.fill(0), 0, f"the disk never filled up ({NAMESPACE})")
        # While the disk is full, searches are refused or served with their audit event.
        for i in range(3):
            self.search(f"subject=full{i}")
        self.assertTrue(d.running(), "chainmaild exited:\n" + d.log_text())
        os.unlink(filler)
        self.assertArchivesAgain()

        # Round 2: almost nothing left; the daemon is stopped while the disk is full and
        # started again once there is room.
        filler = place_filler(self.mnt, 128 << 10)
        self.assertGreater(self.fill(SENDERS), 0)
        for i in range(3):
            self.search(f"subject=full{i}")
        d.stop()  # its service.stop event cannot be recorded, but it stops
        os.unlink(filler)
        d.start()
        self.assertArchivesAgain()
        # The gateway sends every refused message again: each is archived now.
        for message in self.refused:
            self.assertTrue(self.send_one(message))

        # The full-text index catches up with every message archived, those of the fill too.
        def indexed():
            status, page = self.search(f"q={WORD}&limit=500")
            self.assertEqual(status, 200, page)
            return page["index"]["lag_messages"] == 0 and len(page["messages"]) == len(self.archived) and page
        page = wait_until(indexed, 10, 0.3)
        self.assertTrue(page, "the full-text index did not catch up after space was freed")
        self.assertEqual({m["id"] for m in page["messages"]}, set(self.archived))

        self.assertEqual(d.stop(), 0, d.log_text())
        p = d.verify()
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        for rid, stored in self.archived.items():
            self.assertEqual(d.show_raw(rid), stored, rid)
        with db_connect(d.db_path, readonly=True) as db:
            n = db.execute("SELECT count(*) FROM audit_events WHERE type = ?",
                           (MESSAGE_SEARCH,)).fetchone()[0]
        self.assertGreaterEqual(n, self.served, "a search was answered without its audit event")

        # Nothing the full disk touched keeps the daemon from starting again.
        d.start()
        self.assertTrue(self.send_one(random_message(random.Random(), "after a restart", 1_000)))
        self.assertEqual(d.stop(), 0, d.log_text())


class KeyDirFull(unittest.TestCase):
    """The data dir has room; the signing key's directory, where the signed heads are
    kept, is full."""

    @classmethod
    def setUpClass(cls):
        cls.mnt = tempfile.mkdtemp(prefix="chainmail-e2e-enospc-keys-")
        cls.keys = os.path.join(cls.mnt, "keys")
        cls.data = os.path.join(cls.mnt, "data")
        os.mkdir(cls.keys, 0o700)
        os.mkdir(cls.data, 0o700)
        mount_tmpfs(cls.keys, 64 << 10)
        mount_tmpfs(cls.data, 16 << 20)
        cls.daemon = Daemon({"evidence.signing_key": os.path.join(cls.keys, "signing.pem")},
                            data_dir=cls.data)

    @classmethod
    def tearDownClass(cls):
        cls.daemon.close()
        remove_mounted(cls.mnt, [cls.keys, cls.data])

    def recorded(self):
        """The signed heads as kept: {origin: size}."""
        with open(os.path.join(self.keys, "signed-heads")) as f:
            return {origin: int(size) for origin, size, _ in (line.split(" ") for line in f.read().splitlines())}

    def note(self, query):
        """GET /api/v1/checkpoints/messages`query` as the auditor: (status, (origin, size,
        kept)) of a note served, or (status, None)."""
        status, headers, body = self.daemon.rest("GET", "/api/v1/checkpoints/messages" + query, token=self.auditor)
        if status != 200:
            self.assertEqual(status, 503, body)
            self.assertEqual(headers.get("content-type"), "application/problem+json", body)
            return status, None
        origin, size = body.decode().split("\n")[:2]
        return status, (origin, int(size), headers["chainmail-checkpoint"] == "kept")

    def kept_note(self):
        """The latest note when the checkpointer kept it (not signed on demand), else None."""
        served = self.note("/latest")[1]
        return served if served and served[2] else None

    def export(self, token):
        """Runs an export of all messages as `token`; returns the finished job."""
        status, headers, body = self.daemon.rest("POST", "/api/v1/exports", token=token, body={"messages": "all"})
        self.assertEqual(status, 202, body)

        def finished():
            job = json.loads(self.daemon.rest("GET", headers["location"], token=token)[2])
            return job["state"] in ("done", "failed") and job
        job = wait_until(finished, 10, 0.05)
        self.assertTrue(job, "the export did not finish")
        return job

    def send(self, n):
        with self.daemon.raw() as c:
            c.ehlo()
            for i in range(n):
                c.send_message(make_message(subject=f"while the keys are full {i}"))

    def test_no_checkpoint_leaves_unrecorded(self):
        d = self.daemon
        self.auditor = d.token("auditor", name="e2e keys full")
        officer = d.token("officer", name="e2e keys full")
        self.send(1)
        kept = wait_until(self.kept_note, 5, 0.1)
        self.assertTrue(kept, "the checkpointer kept no checkpoint")
        origin = kept[0]
        filler = place_filler(self.keys, 0)
        self.send(3)  # archived: the keys' disk is not the archive's
        # The checkpointer tries to sign size 4 (once a second) and cannot record it: no
        # note of more than the recorded size may be served, kept or signed on demand.
        for _ in range(12):
            status, served = self.note("/latest")
            if served:
                self.assertLessEqual(served[1], self.recorded()[origin], "a note left unrecorded")
            self.assertEqual(self.note("?size=4"), (503, None), "signed on demand but not recorded")
            time.sleep(0.25)
        # An export's end checkpoint cannot be recorded either: the job fails, and says why.
        job = self.export(officer)
        self.assertEqual((job["state"], job["error"]), ("failed", "not enough disk space for the export"))
        os.unlink(filler)
        # Signing resumes.
        self.assertTrue(wait_until(lambda: self.note("/latest")[1] == (origin, 4, True), 5, 0.2),
                        self.note("/latest"))
        self.assertGreaterEqual(self.recorded()[origin], 4)
        self.assertEqual(d.stop(), 0, d.log_text())
        p = d.verify()
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)


if __name__ == "__main__":
    unittest.main()

"""Tamper evidence: an attacker with write access to chainmail.db drops the append-only
triggers and edits rows. `chainmail verify` must exit 1 and name the affected record's
uuid for every edit; an untouched copy (and a copy with only the triggers dropped) must
pass. Each edit is made on a fresh copy of a checkpointed data dir."""

import hashlib
import os
import re
import shutil
import tempfile
import unittest

from harness import Daemon, cli, db_connect, make_message, record_uuid


def flip(data, offset):
    b = bytearray(data)
    b[offset] ^= 0x01
    return bytes(b)


class Tamper(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.daemon = Daemon()
        cls.ids = []
        try:
            with cls.daemon.raw() as c:
                c.ehlo()
                messages = []
                for i in range(6):
                    body = (f"Message {i} to be tampered with.\r\n".encode()
                            + os.urandom(2000).hex().encode() + b"\r\n")
                    messages.append(make_message(subject=f"tamper {i}", body=body))
                # The 7th has the same bytes as the 6th: one content-addressed blob, two records.
                messages.append(messages[5])
                for m in messages:
                    rid, _ = c.send_message(m)
                    cls.ids.append(rid)
            rc = cls.daemon.stop()
            if rc != 0:
                raise AssertionError(f"chainmaild exited {rc} on SIGTERM")
            # Fold the WAL into the main file so a copy of the directory is consistent.
            with db_connect(cls.daemon.db_path) as db:
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            with db_connect(cls.daemon.db_path, readonly=True) as db:
                log = db.execute("SELECT id FROM logs WHERE name = 'messages'").fetchone()
                cls.log = log[0] if log else 1
                cls.leaves = [(seq, record_uuid(rid)) for seq, rid in db.execute(
                    "SELECT seq, record_id FROM leaves WHERE log = ? ORDER BY seq", (cls.log,))]
                cls.blob_of = {record_uuid(rid): bytes(sha) for rid, sha in db.execute(
                    "SELECT record_id, raw_sha256 FROM messages")}
        except BaseException:
            cls.daemon.close()
            raise
        cls.tmp = tempfile.mkdtemp(prefix="chainmail-e2e-tamper-")

    @classmethod
    def tearDownClass(cls):
        cls.daemon.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    # --- helpers ---------------------------------------------------------------------

    def copy(self):
        dst = tempfile.mkdtemp(dir=self.tmp)
        os.rmdir(dst)
        shutil.copytree(self.daemon.data_dir, dst)
        return dst

    def tampered(self, edit):
        """A fresh copy with the triggers dropped, foreign keys off and `edit(db)` applied."""
        d = self.copy()
        db = db_connect(os.path.join(d, "chainmail.db"))
        try:
            db.execute("PRAGMA foreign_keys=OFF")
            for (name,) in db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
                db.execute(f'DROP TRIGGER "{name}"')
            if edit is not None:
                edit(db)
            db.commit()
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            db.close()
        return d

    def verify(self, data_dir):
        p = cli(data_dir, "verify")
        return p.returncode, p.stdout.decode(errors="replace") + p.stderr.decode(errors="replace")

    def assertDetected(self, edit, *records, any_of=False):
        rc, out = self.verify(self.tampered(edit))
        self.assertEqual(rc, 1, f"verify exit {rc}, expected 1:\n{out}")
        named = [r for r in records if re.search(rf"record {re.escape(r)}\b", out)]
        if any_of:
            self.assertTrue(named, f"none of {records} named:\n{out}")
        else:
            self.assertEqual(named, list(records), f"not every affected record named:\n{out}")
        return out

    def rid_bytes(self, uuid_text):
        return bytes.fromhex(uuid_text.replace("-", ""))

    # --- the baseline ----------------------------------------------------------------

    def test_setup_is_as_expected(self):
        self.assertEqual(len(self.ids), 7)
        self.assertEqual([r for _, r in self.leaves], self.ids, "leaf order != reply order")
        self.assertEqual(len(set(self.blob_of[r] for r in self.ids)), 6)
        self.assertEqual(self.blob_of[self.ids[5]], self.blob_of[self.ids[6]])

    def test_untouched_copy_passes(self):
        rc, out = self.verify(self.copy())
        self.assertEqual(rc, 0, out)
        self.assertIn("7 records", out)
        self.assertNotIn("record ", out.split("messages log:")[0])

    def test_dropping_triggers_alone_passes(self):
        rc, out = self.verify(self.tampered(None))
        self.assertEqual(rc, 0, out)

    # --- the edits -------------------------------------------------------------------

    def test_one_byte_of_a_blob_chunk(self):
        victim = self.ids[2]
        sha = self.blob_of[victim]

        def edit(db):
            data, = db.execute("SELECT data FROM blob_chunks WHERE sha256 = ? AND idx = 0",
                               (sha,)).fetchone()
            db.execute("UPDATE blob_chunks SET data = ? WHERE sha256 = ? AND idx = 0",
                       (flip(data, len(data) // 2), sha))
        self.assertDetected(edit, victim)

    def test_one_byte_of_a_shared_blob_names_every_record_using_it(self):
        sha = self.blob_of[self.ids[5]]

        def edit(db):
            data, = db.execute("SELECT data FROM blob_chunks WHERE sha256 = ? AND idx = 0",
                               (sha,)).fetchone()
            db.execute("UPDATE blob_chunks SET data = ? WHERE sha256 = ? AND idx = 0",
                       (flip(data, len(data) // 3), sha))
        self.assertDetected(edit, self.ids[5], self.ids[6])

    def test_one_byte_of_messages_subject(self):
        victim = self.ids[1]

        def edit(db):
            subject, = db.execute("SELECT subject FROM messages WHERE record_id = ?",
                                  (self.rid_bytes(victim),)).fetchone()
            self.assertEqual(subject, "tamper 1")
            n = db.execute("UPDATE messages SET subject = ? WHERE record_id = ?",
                           ("Tamper 1", self.rid_bytes(victim))).rowcount
            self.assertEqual(n, 1)
        self.assertDetected(edit, victim)

    def test_one_byte_of_message_addresses(self):
        victim = self.ids[4]

        def edit(db):
            n = db.execute("UPDATE message_addresses SET address = 'journal@archive.tesu' "
                           "WHERE record_id = ? AND kind = 0", (self.rid_bytes(victim),)).rowcount
            self.assertEqual(n, 1)
        self.assertDetected(edit, victim)

    def test_one_byte_of_a_payload(self):
        victim = self.ids[3]

        def edit(db):
            payload, = db.execute("SELECT payload FROM payloads WHERE record_id = ?",
                                  (self.rid_bytes(victim),)).fetchone()
            db.execute("UPDATE payloads SET payload = ? WHERE record_id = ?",
                       (flip(payload, len(payload) - 3), self.rid_bytes(victim)))
        self.assertDetected(edit, victim)

    def test_one_byte_of_a_leaf(self):
        seq, victim = self.leaves[3]
        # version, record_type, log_id, seq, prev_leaf_hash, commit_time, record_id, commitment
        for offset in (0, 1, 20, 43, 60, 83, 99, 131):
            with self.subTest(offset=offset):
                def edit(db):
                    leaf, = db.execute("SELECT leaf FROM leaves WHERE log = ? AND seq = ?",
                                       (self.log, seq)).fetchone()
                    db.execute("UPDATE leaves SET leaf = ? WHERE log = ? AND seq = ?",
                               (flip(leaf, offset), self.log, seq))
                self.assertDetected(edit, victim)

    def test_one_byte_of_a_leaf_with_its_hash_recomputed(self):
        # A smarter attacker keeps leaf_hash consistent: the chain (next prev_leaf_hash),
        # the commitment or the index must still give it away.
        seq, victim = self.leaves[2]
        _, successor = self.leaves[3]
        for offset in (1, 40, 60, 83, 99, 120):
            with self.subTest(offset=offset):
                def edit(db):
                    leaf, = db.execute("SELECT leaf FROM leaves WHERE log = ? AND seq = ?",
                                       (self.log, seq)).fetchone()
                    leaf = flip(leaf, offset)
                    db.execute("UPDATE leaves SET leaf = ?, leaf_hash = ? WHERE log = ? AND seq = ?",
                               (leaf, hashlib.sha256(b"\x00" + leaf).digest(), self.log, seq))
                self.assertDetected(edit, victim, successor, any_of=True)

    def test_delete_a_leaf_row(self):
        seq, victim = self.leaves[2]

        def edit(db):
            n = db.execute("DELETE FROM leaves WHERE log = ? AND seq = ?", (self.log, seq)).rowcount
            self.assertEqual(n, 1)
        self.assertDetected(edit, victim)

    def test_delete_the_newest_leaf_row(self):
        seq, victim = self.leaves[-1]

        def edit(db):
            db.execute("DELETE FROM leaves WHERE log = ? AND seq = ?", (self.log, seq))
        self.assertDetected(edit, victim)

    def test_swap_two_leaf_rows_seq(self):
        (seq_a, a), (seq_b, b) = self.leaves[1], self.leaves[4]

        def edit(db):
            db.execute("UPDATE leaves SET seq = -1 WHERE log = ? AND seq = ?", (self.log, seq_a))
            db.execute("UPDATE leaves SET seq = ? WHERE log = ? AND seq = ?", (seq_a, self.log, seq_b))
            db.execute("UPDATE leaves SET seq = ? WHERE log = ? AND seq = -1", (seq_b, self.log))
        self.assertDetected(edit, a, b)


class CliErrors(unittest.TestCase):
    def test_show_unknown_and_malformed_ids(self):
        with Daemon() as daemon:
            with daemon.raw() as c:
                c.ehlo()
                c.send_message(make_message())
            p = daemon.cli("show", "01a21cfe-0000-7000-8000-000000000000")
            self.assertEqual(p.returncode, 1, p)
            self.assertEqual(p.stdout, b"")
            p = daemon.cli("show", "01a21cfe-0000-7000-8000-000000000000", "--raw")
            self.assertEqual(p.returncode, 1, p)
            self.assertEqual(p.stdout, b"")
            p = daemon.cli("show", "not-a-uuid")
            self.assertEqual(p.returncode, 2, p)


if __name__ == "__main__":
    unittest.main()

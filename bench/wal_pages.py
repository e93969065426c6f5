#!/usr/bin/env python3
"""What each group commit writes: the pages of an archive's write-ahead log, commit by
commit, counted by the table or index (b-tree) they belong to.

  bench/wal_pages.py DATA_DIR [--last N]

Reads DATA_DIR/chainmail.db-wal frame by frame (the SQLite WAL format: a 32-byte header,
then frames of a 24-byte header and one page; a frame whose "database size" field is set
ends a commit) and prints the distinct pages per commit over the last N commits (200),
split by b-tree. Page owners come from SQLite's dbstat table, read on a copy of the
database and WAL in a temporary directory, so DATA_DIR is never written. Run it on the WAL
of a daemon stopped with SIGKILL under load (a clean stop checkpoints and empties the
WAL), e.g. after smtp-source -s 20 -l 10240 -d -m 9000. Pages that a checkpoint moved
since are attributed to their current owner: good enough for counting, not an audit.
"""
import argparse, collections, os, shutil, sqlite3, struct, sys, tempfile


def commits_of(wal):
    if len(wal) < 32:
        return []
    page_size = struct.unpack(">I", wal[8:12])[0]
    salt = wal[16:24]
    out, current, off = [], [], 32
    while off + 24 + page_size <= len(wal):
        page, db_size = struct.unpack(">II", wal[off:off + 8])
        if wal[off + 8:off + 16] != salt:  # a frame of an earlier WAL generation: the end
            break
        current.append(page)
        if db_size:
            out.append(current)
            current = []
        off += 24 + page_size
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data_dir")
    ap.add_argument("--last", type=int, default=200)
    args = ap.parse_args()
    db, wal_path = os.path.join(args.data_dir, "chainmail.db"), os.path.join(args.data_dir, "chainmail.db-wal")
    if not os.path.exists(wal_path):
        sys.exit(f"wal_pages: no {wal_path} (stop the daemon with SIGKILL to keep its WAL)")
    wal = open(wal_path, "rb").read()
    commits = commits_of(wal)[-args.last:]
    if not commits:
        sys.exit("wal_pages: the WAL holds no complete commit")
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, "chainmail.db")
        shutil.copy(db, copy)
        with open(copy + "-wal", "wb") as f:
            f.write(wal)
        c = sqlite3.connect(copy)
        owner = dict(c.execute("SELECT pageno, name FROM dbstat"))
        c.close()
    by_tree = collections.Counter()
    for pages in commits:
        for p in set(pages):
            by_tree[owner.get(p, "(free or new)")] += 1
    n = len(commits)
    print(f"{n} commits, {sum(len(set(p)) for p in commits) / n:.1f} distinct pages per commit")
    for name, count in by_tree.most_common():
        print(f"  {count / n:6.2f}  {name}")


if __name__ == "__main__":
    main()

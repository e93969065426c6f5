-- 007: tree_nodes keyed by the last leaf each subtree covers, then its level.
-- Prose spec: schema/README.md.
--
-- Keyed (log, level, idx), a commit of a few leaves inserted at the end of every level of
-- the tree: about 20 append points per log, each a b-tree page written, and with it the
-- page's share of the WAL synced before the answer (18.8 of the 103 pages of a typical
-- group commit at 20 sessions x 10 KB). Keyed (log, last_leaf, level), the nodes a leaf
-- completes (its level-0 node and every subtree it closes) sit next to each other at the
-- end of their log: one append point per log. idx stays readable as a generated column.
DROP TRIGGER tree_nodes_append_only_u;
DROP TRIGGER tree_nodes_append_only_d;
CREATE TABLE tree_nodes_by_last_leaf (
  log       INTEGER NOT NULL REFERENCES logs(id),
  last_leaf INTEGER NOT NULL CHECK (last_leaf >= 0),
  level     INTEGER NOT NULL CHECK (level >= 0 AND level < 63),
  hash      BLOB NOT NULL CHECK (length(hash) = 32),
  idx       INTEGER GENERATED ALWAYS AS (((last_leaf + 1) >> level) - 1) VIRTUAL,
  PRIMARY KEY (log, last_leaf, level),
  -- a complete subtree: level L ends at a leaf j with j + 1 a multiple of 2^L
  CHECK (((last_leaf + 1) >> level) << level = last_leaf + 1)
) STRICT, WITHOUT ROWID;
-- A node the new key cannot hold (002 allowed level 63 and any idx, so an archive written
-- by something other than chainmail may have one: no log can reach 2^63 leaves) is kept
-- aside as found, for verify to name, rather than failing the upgrade or being dropped.
CREATE TABLE IF NOT EXISTS tree_nodes_unmapped (
  log   ANY,
  level ANY,
  idx   ANY,
  hash  ANY
) STRICT;
INSERT INTO tree_nodes_unmapped(log, level, idx, hash)
  SELECT log, level, idx, hash FROM tree_nodes
  WHERE NOT (typeof(level) = 'integer' AND typeof(idx) = 'integer' AND level BETWEEN 0 AND 62 AND idx >= 0
             AND idx < (9223372036854775807 >> level) AND typeof(hash) = 'blob' AND length(hash) = 32);
CREATE TRIGGER IF NOT EXISTS tree_nodes_unmapped_append_only_u BEFORE UPDATE ON tree_nodes_unmapped
  BEGIN SELECT RAISE(ABORT, 'tree nodes kept aside are kept as found'); END;
CREATE TRIGGER IF NOT EXISTS tree_nodes_unmapped_append_only_d BEFORE DELETE ON tree_nodes_unmapped
  BEGIN SELECT RAISE(ABORT, 'tree nodes kept aside are kept as found'); END;
INSERT INTO tree_nodes_by_last_leaf(log, last_leaf, level, hash)
  SELECT log, ((idx + 1) << level) - 1, level, hash FROM tree_nodes
  WHERE typeof(level) = 'integer' AND typeof(idx) = 'integer' AND level BETWEEN 0 AND 62 AND idx >= 0
        AND idx < (9223372036854775807 >> level) AND typeof(hash) = 'blob' AND length(hash) = 32
  ORDER BY log, ((idx + 1) << level) - 1, level;
DROP TABLE tree_nodes;
ALTER TABLE tree_nodes_by_last_leaf RENAME TO tree_nodes;

CREATE TRIGGER tree_nodes_append_only_u BEFORE UPDATE ON tree_nodes
  BEGIN SELECT RAISE(ABORT, 'tree nodes are append-only'); END;
CREATE TRIGGER tree_nodes_append_only_d BEFORE DELETE ON tree_nodes
  BEGIN SELECT RAISE(ABORT, 'tree nodes are append-only'); END;

#include "archive/tree_store.h"

#include "archive/format/merkle_compact_range.h"

namespace chainmail {

std::optional<int64_t> SubtreeLastLeaf(int level, uint64_t index) {
  if (level < 0 || level >= 63 || index >= (uint64_t{1} << (63 - level))) return std::nullopt;
  return static_cast<int64_t>(((index + 1) << level) - 1);
}

Result<Hash32> TreeNodeReader::Node(int level, uint64_t index) {
  const std::optional<int64_t> last = SubtreeLastLeaf(level, index);
  Statement st = db_.Prepare("SELECT hash FROM tree_nodes WHERE log = ? AND last_leaf = ? AND level = ?");
  st.Bind(1, static_cast<int64_t>(log_)).Bind(2, last.value_or(-1)).Bind(3, static_cast<int64_t>(level));
  if (!st.Step()) {
    if (!st.status().ok()) return st.status();
    return Status::NotFound("tree node " + std::to_string(level) + "/" + std::to_string(index) + " missing");
  }
  return Hash32FromBytes(st.Blob(0));
}

Status InsertTreeNodes(Database& db, LogName log, const std::vector<SubtreeNode>& nodes) {
  for (const SubtreeNode& n : nodes) {
    const std::optional<int64_t> last = SubtreeLastLeaf(n.level, n.index);
    if (!last) return Status::InvalidArgument("tree node " + std::to_string(n.level) + "/" + std::to_string(n.index) +
                                              " is past the end of any log");
    Statement st = db.Prepare("INSERT INTO tree_nodes(log, last_leaf, level, hash) VALUES (?, ?, ?, ?)");
    Status s = st.Bind(1, static_cast<int64_t>(log)).Bind(2, *last).Bind(3, static_cast<int64_t>(n.level))
                   .BindBlob(4, AsView(n.hash)).Run();
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Result<uint64_t> BackfillTree(Database& db, LogName log) {
  Transaction tx(db, Transaction::Kind::kImmediate);
  if (!tx.status().ok()) return tx.status();
  // The leaves in the tree: its nodes are appended leaf by leaf, each leaf's level-0 node
  // first, so the last key names the last leaf in it (verify checks that none is missing).
  auto in_tree = db.QueryInt(("SELECT coalesce(max(last_leaf) + 1, 0) FROM tree_nodes WHERE log = " +
                              std::to_string(static_cast<int>(log))).c_str());
  if (!in_tree.ok()) return in_tree.status();
  TreeNodeReader reader(db, log);
  auto range = CompactRange::Read(reader, static_cast<uint64_t>(*in_tree));
  if (!range.ok()) return range.status();
  uint64_t added = 0;
  Statement st = db.Prepare("SELECT leaf_hash FROM leaves WHERE log = ? AND seq >= ? ORDER BY seq");
  st.Bind(1, static_cast<int64_t>(log)).Bind(2, *in_tree);
  std::vector<Hash32> hashes;
  while (st.Step()) hashes.push_back(Hash32FromBytes(st.Blob(0)));
  if (!st.status().ok()) return st.status();
  for (const Hash32& h : hashes) {
    auto nodes = range->Append(h);
    if (!nodes.ok()) return nodes.status();
    if (Status s = InsertTreeNodes(db, log, *nodes); !s.ok()) return s;
    ++added;
  }
  if (Status s = tx.Commit(); !s.ok()) return s;
  return added;
}

}  // namespace chainmail

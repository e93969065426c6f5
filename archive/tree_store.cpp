#include "archive/tree_store.h"

#include "archive/format/merkle_compact_range.h"

namespace chainmail {

Result<Hash32> TreeNodeReader::Node(int level, uint64_t index) {
  Statement st = db_.Prepare("SELECT hash FROM tree_nodes WHERE log = ? AND level = ? AND idx = ?");
  st.Bind(1, static_cast<int64_t>(log_)).Bind(2, static_cast<int64_t>(level)).Bind(3, static_cast<int64_t>(index));
  if (!st.Step()) {
    if (!st.status().ok()) return st.status();
    return Status::NotFound("tree node " + std::to_string(level) + "/" + std::to_string(index) + " missing");
  }
  return Hash32FromBytes(st.Blob(0));
}

Status InsertTreeNodes(Database& db, LogName log, const std::vector<SubtreeNode>& nodes) {
  for (const SubtreeNode& n : nodes) {
    Statement st = db.Prepare("INSERT INTO tree_nodes(log, level, idx, hash) VALUES (?, ?, ?, ?)");
    Status s = st.Bind(1, static_cast<int64_t>(log)).Bind(2, static_cast<int64_t>(n.level))
                   .Bind(3, static_cast<int64_t>(n.index)).BindBlob(4, AsView(n.hash)).Run();
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Result<uint64_t> BackfillTree(Database& db, LogName log) {
  Transaction tx(db, Transaction::Kind::kImmediate);
  if (!tx.status().ok()) return tx.status();
  auto in_tree = db.QueryInt(("SELECT count(*) FROM tree_nodes WHERE level = 0 AND log = " +
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

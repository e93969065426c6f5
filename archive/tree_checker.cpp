#include "archive/tree_checker.h"

#include "archive/format/merkle.h"

namespace chainmail {
namespace {

std::string NodeName(int level, uint64_t index) {
  return "tree node " + std::to_string(level) + "/" + std::to_string(index);
}

// Level 0 against the leaves.
void CheckLeafLevel(Database& db, LogName log, uint64_t size, const std::function<void(std::string)>& report) {
  Statement st = db.Prepare(
      "SELECT l.seq, l.leaf_hash, t.hash FROM leaves l LEFT JOIN tree_nodes t "
      "ON t.log = l.log AND t.level = 0 AND t.idx = l.seq WHERE l.log = ? AND l.seq < ? ORDER BY l.seq");
  st.Bind(1, static_cast<int64_t>(log)).Bind(2, static_cast<int64_t>(size));
  while (st.Step()) {
    const uint64_t seq = static_cast<uint64_t>(st.Int(0));
    if (st.IsNull(2)) report(NodeName(0, seq) + " missing");
    else if (st.Blob(1) != st.Blob(2)) report(NodeName(0, seq) + " differs from the leaf hash");
  }
}

}  // namespace

Status CheckTree(Database& db, LogName log, uint64_t size, const std::function<void(std::string)>& report) {
  Transaction tx(db, Transaction::Kind::kDeferred);
  CheckLeafLevel(db, log, size, report);
  for (int level = 1; level < 64 && (size >> level) > 0; ++level) {
    const uint64_t expected = size >> level;  // complete subtrees at this level
    Statement children = db.Prepare(
        "SELECT idx, hash FROM tree_nodes WHERE log = ? AND level = ? AND idx < ? ORDER BY idx");
    children.Bind(1, static_cast<int64_t>(log)).Bind(2, static_cast<int64_t>(level - 1))
        .Bind(3, static_cast<int64_t>(expected * 2));
    Statement nodes = db.Prepare("SELECT idx, hash FROM tree_nodes WHERE log = ? AND level = ? ORDER BY idx");
    nodes.Bind(1, static_cast<int64_t>(log)).Bind(2, static_cast<int64_t>(level));
    uint64_t next = 0;
    while (nodes.Step()) {
      const uint64_t idx = static_cast<uint64_t>(nodes.Int(0));
      if (idx >= expected) {
        report(NodeName(level, idx) + " covers leaves the log does not have");
        continue;
      }
      for (; next < idx; ++next) {
        report(NodeName(level, next) + " missing");
        children.Step();
        children.Step();
      }
      ++next;
      Hash32 left{}, right{};
      bool have_left = children.Step() && static_cast<uint64_t>(children.Int(0)) == 2 * idx;
      if (have_left) left = Hash32FromBytes(children.Blob(1));
      bool have_right = children.Step() && static_cast<uint64_t>(children.Int(0)) == 2 * idx + 1;
      if (have_right) right = Hash32FromBytes(children.Blob(1));
      if (!have_left || !have_right) {
        report(NodeName(level, idx) + ": a child is missing or out of place");
        return Status::Ok();  // the cursors are out of step; lower-level reports say why
      }
      if (HashChildren(left, right) != Hash32FromBytes(nodes.Blob(1)))
        report(NodeName(level, idx) + " does not match its children");
    }
    for (; next < expected; ++next) report(NodeName(level, next) + " missing");
    if (!nodes.status().ok()) return nodes.status();
    if (!children.status().ok()) return children.status();
  }
  return Status::Ok();
}

}  // namespace chainmail

#include "archive/mime/text_parts.h"

#include <algorithm>

namespace chainmail {
namespace {

// What a part leads to; lower is preferred in a multipart/alternative.
enum Rank : uint8_t { kPlain = 0, kHtml = 1, kNone = 2 };

Rank LeafRank(const MimePart& part) {
  if (part.is_attachment || !part.is_leaf) return kNone;
  if (part.content_type == "text/plain") return kPlain;
  if (part.content_type == "text/html") return kHtml;
  return kNone;
}

constexpr int32_t kNoChoice = -1;

}  // namespace

uint32_t SubtreeEnd(const std::vector<MimePart>& parts, uint32_t root) {
  const auto n = static_cast<uint32_t>(parts.size());
  if (root >= n) return n;
  uint32_t end = root + 1;
  while (end < n && parts[end].depth > parts[root].depth) ++end;
  return end;
}

std::vector<uint32_t> SelectTextParts(const std::vector<MimePart>& parts, uint32_t shown_root) {
  const size_t n = parts.size();
  std::vector<uint32_t> text;
  if (shown_root >= n) return text;

  // Bottom-up (reverse pre-order visits children before parents, later siblings first):
  // each part's best rank, and each alternative's first child of that rank.
  std::vector<Rank> rank(n, kNone);
  std::vector<int32_t> chosen(n, kNoChoice);
  for (size_t i = n; i-- > 0;) {
    if (parts[i].is_leaf) rank[i] = std::min(rank[i], LeafRank(parts[i]));
    const int32_t parent = parts[i].parent;
    if (parent < 0) continue;
    const auto p = static_cast<size_t>(parent);
    if (rank[i] <= rank[p] && rank[i] != kNone) {
      rank[p] = rank[i];
      chosen[p] = static_cast<int32_t>(i);  // ties: the earlier sibling, seen later
    }
  }

  // Top-down: a part is read when its parent is, and an alternative reads only its choice.
  std::vector<bool> read(n, false);
  read[shown_root] = true;
  const uint32_t end = SubtreeEnd(parts, shown_root);
  for (size_t i = shown_root; i < end; ++i) {
    if (i > shown_root) {
      const auto p = static_cast<size_t>(parts[i].parent);
      read[i] = read[p] && (parts[p].content_type != "multipart/alternative" ||
                            chosen[p] == static_cast<int32_t>(i));
    }
    if (read[i] && parts[i].is_leaf && LeafRank(parts[i]) != kNone)
      text.push_back(static_cast<uint32_t>(i));
  }
  return text;
}

}  // namespace chainmail

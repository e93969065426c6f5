#include "archive/format/leaf.h"

#include <cstring>

#include "archive/format/sha256.h"

namespace chainmail {

Bytes Leaf::Encode() const {
  Bytes out;
  out.reserve(kLeafSize);
  AppendU8(out, version);
  AppendU8(out, static_cast<uint8_t>(record_type));
  AppendU16(out, subtype);
  AppendBytes(out, log_id.data(), log_id.size());
  AppendU64(out, seq);
  AppendBytes(out, prev_leaf_hash.data(), prev_leaf_hash.size());
  AppendU64(out, commit_time_us);
  AppendBytes(out, record_id.data(), record_id.size());
  AppendBytes(out, payload_commit.data(), payload_commit.size());
  return out;
}

Result<Leaf> Leaf::Decode(std::string_view bytes) {
  if (bytes.size() != kLeafSize)
    return Status::Corruption("leaf is " + std::to_string(bytes.size()) + " bytes, not 132");
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  Leaf leaf;
  leaf.version = p[0];
  if (leaf.version != kLeafVersion)
    return Status::Corruption("unknown leaf version " + std::to_string(leaf.version));
  if (p[1] != static_cast<uint8_t>(RecordType::kMessage) &&
      p[1] != static_cast<uint8_t>(RecordType::kAuditEvent))
    return Status::Corruption("unknown record type " + std::to_string(p[1]));
  leaf.record_type = static_cast<RecordType>(p[1]);
  leaf.subtype = ReadU16(p + 2);
  std::memcpy(leaf.log_id.data(), p + 4, 32);
  leaf.seq = ReadU64(p + 36);
  std::memcpy(leaf.prev_leaf_hash.data(), p + 44, 32);
  leaf.commit_time_us = ReadU64(p + 76);
  std::memcpy(leaf.record_id.data(), p + 84, 16);
  std::memcpy(leaf.payload_commit.data(), p + 100, 32);
  return leaf;
}

Hash32 LeafHash(std::string_view leaf_bytes) {
  Sha256 h;
  const unsigned char prefix = 0x00;
  h.Update(&prefix, 1);
  h.Update(leaf_bytes);
  return h.Finish();
}

Hash32 LogIdForOrigin(std::string_view origin) { return Sha256::Of(origin); }

Hash32 PayloadCommitment(RecordType type, std::string_view salt, std::string_view payload) {
  static constexpr char kDomain[] = "chainmail/v1/payload";  // hashed with its NUL
  Sha256 h;
  h.Update(kDomain, sizeof(kDomain));
  const auto t = static_cast<unsigned char>(type);
  h.Update(&t, 1);
  h.Update(salt);
  h.Update(payload);
  return h.Finish();
}

}  // namespace chainmail

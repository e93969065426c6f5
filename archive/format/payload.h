// The payload TLV encoding: a sequence of `u16 tag || u32 len || value`, tags strictly
// ascending, no duplicates, no trailing bytes. Lists are `u16 n || n x (u16 len || bytes)`.
// Integers are big-endian fixed width. A payload is stored exactly as hashed and never
// re-serialised. The tag registry is payload_tags.h / docs/payload-registry.md.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "archive/format/bytes.h"
#include "archive/format/status.h"

namespace chainmail {

// Builds a payload. Add fields in strictly ascending tag order (checked: an out-of-order
// Add is a programming error and throws std::logic_error).
class PayloadWriter {
 public:
  void AddBytes(uint16_t tag, std::string_view value);
  void AddU8(uint16_t tag, uint8_t v);
  void AddU16(uint16_t tag, uint16_t v);
  void AddU32(uint16_t tag, uint32_t v);
  void AddU64(uint16_t tag, uint64_t v);
  // Each item at most 65535 bytes and at most 65535 items (checked, throws).
  void AddList(uint16_t tag, const std::vector<std::string>& items);
  const Bytes& bytes() const { return out_; }
  Bytes Take() { return std::move(out_); }

 private:
  void Header(uint16_t tag, size_t len);
  Bytes out_;
  int last_tag_ = -1;
};

// A strictly parsed payload: every field by tag. Views point into the parsed buffer,
// which must outlive this object.
class PayloadFields {
 public:
  // Strict parse: truncation, descending or duplicate tags, trailing bytes are Corruption.
  static Result<PayloadFields> Parse(std::string_view payload);

  bool Has(uint16_t tag) const { return fields_.count(tag) != 0; }
  std::string_view Get(uint16_t tag) const;  // empty view when absent
  Result<uint64_t> GetUint(uint16_t tag, size_t width) const;
  Result<std::vector<std::string>> GetList(uint16_t tag) const;
  const std::map<uint16_t, std::string_view>& fields() const { return fields_; }

 private:
  std::map<uint16_t, std::string_view> fields_;
};

}  // namespace chainmail

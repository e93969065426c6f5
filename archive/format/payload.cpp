#include "archive/format/payload.h"

#include <stdexcept>

namespace chainmail {

void PayloadWriter::Header(uint16_t tag, size_t len) {
  if (static_cast<int>(tag) <= last_tag_)
    throw std::logic_error("payload tags must be strictly ascending");
  if (len > UINT32_MAX) throw std::logic_error("payload value too long");
  last_tag_ = tag;
  AppendU16(out_, tag);
  AppendU32(out_, static_cast<uint32_t>(len));
}

void PayloadWriter::AddBytes(uint16_t tag, std::string_view value) {
  Header(tag, value.size());
  out_.append(value);
}
void PayloadWriter::AddU8(uint16_t tag, uint8_t v) {
  Header(tag, 1);
  AppendU8(out_, v);
}
void PayloadWriter::AddU16(uint16_t tag, uint16_t v) {
  Header(tag, 2);
  AppendU16(out_, v);
}
void PayloadWriter::AddU32(uint16_t tag, uint32_t v) {
  Header(tag, 4);
  AppendU32(out_, v);
}
void PayloadWriter::AddU64(uint16_t tag, uint64_t v) {
  Header(tag, 8);
  AppendU64(out_, v);
}

void PayloadWriter::AddList(uint16_t tag, const std::vector<std::string>& items) {
  if (items.size() > UINT16_MAX) throw std::logic_error("payload list too long");
  Bytes value;
  AppendU16(value, static_cast<uint16_t>(items.size()));
  for (const auto& item : items) {
    if (item.size() > UINT16_MAX) throw std::logic_error("payload list item too long");
    AppendU16(value, static_cast<uint16_t>(item.size()));
    value.append(item);
  }
  AddBytes(tag, value);
}

Result<PayloadFields> PayloadFields::Parse(std::string_view payload) {
  PayloadFields out;
  const auto* p = reinterpret_cast<const unsigned char*>(payload.data());
  size_t pos = 0;
  int last = -1;
  while (pos < payload.size()) {
    if (payload.size() - pos < 6) return Status::Corruption("payload: truncated field header");
    uint16_t tag = ReadU16(p + pos);
    uint32_t len = ReadU32(p + pos + 2);
    pos += 6;
    if (static_cast<int>(tag) <= last)
      return Status::Corruption("payload: tag " + std::to_string(tag) + " out of order");
    if (payload.size() - pos < len)
      return Status::Corruption("payload: field " + std::to_string(tag) + " truncated");
    out.fields_[tag] = payload.substr(pos, len);
    last = tag;
    pos += len;
  }
  return out;
}

std::string_view PayloadFields::Get(uint16_t tag) const {
  auto it = fields_.find(tag);
  return it == fields_.end() ? std::string_view() : it->second;
}

Result<uint64_t> PayloadFields::GetUint(uint16_t tag, size_t width) const {
  auto v = Get(tag);
  if (!Has(tag)) return Status::Corruption("payload: missing tag " + std::to_string(tag));
  if (v.size() != width)
    return Status::Corruption("payload: tag " + std::to_string(tag) + " has wrong width");
  uint64_t x = 0;
  for (unsigned char c : v) x = x << 8 | c;
  return x;
}

Result<std::vector<std::string>> PayloadFields::GetList(uint16_t tag) const {
  if (!Has(tag)) return Status::Corruption("payload: missing list tag " + std::to_string(tag));
  auto v = Get(tag);
  const auto* p = reinterpret_cast<const unsigned char*>(v.data());
  if (v.size() < 2) return Status::Corruption("payload: list truncated");
  size_t n = ReadU16(p), pos = 2;
  std::vector<std::string> items;
  for (size_t i = 0; i < n; ++i) {
    if (v.size() - pos < 2) return Status::Corruption("payload: list item truncated");
    size_t len = ReadU16(p + pos);
    pos += 2;
    if (v.size() - pos < len) return Status::Corruption("payload: list item truncated");
    items.emplace_back(v.substr(pos, len));
    pos += len;
  }
  if (pos != v.size()) return Status::Corruption("payload: trailing bytes in list");
  return items;
}

}  // namespace chainmail

#include "archive/mime/header_scanner.h"

#include "archive/format/payload_tags.h"
#include "archive/mime/address_list.h"
#include "archive/mime/ascii.h"
#include "archive/mime/header_fields.h"
#include "archive/mime/rfc2047.h"
#include "archive/mime/rfc5322_date.h"
#include "archive/format/utf8.h"

namespace chainmail {
namespace {

static_assert((msgflag::kNoMessageId | msgflag::kNoDate | msgflag::kNoFrom |
               msgflag::kHeaderEightBit | msgflag::kHeaderTruncated | msgflag::kBadEncodedWord |
               msgflag::kDuplicateHeader) == 0x7F00,
              "the scanner owns exactly msgflag bits 8-14");

enum class Field { kOther, kSubject, kFrom, kSender, kTo, kCc, kDate, kMessageId, kCount };

Field Classify(std::string_view name) {
  switch (name.size()) {
    case 2:
      if (EqualsIgnoreCase(name, "to")) return Field::kTo;
      if (EqualsIgnoreCase(name, "cc")) return Field::kCc;
      break;
    case 4:
      if (EqualsIgnoreCase(name, "from")) return Field::kFrom;
      if (EqualsIgnoreCase(name, "date")) return Field::kDate;
      break;
    case 6:
      if (EqualsIgnoreCase(name, "sender")) return Field::kSender;
      break;
    case 7:
      if (EqualsIgnoreCase(name, "subject")) return Field::kSubject;
      break;
    case 10:
      if (EqualsIgnoreCase(name, "message-id")) return Field::kMessageId;
      break;
  }
  return Field::kOther;
}

std::string RawText(std::string_view value) {
  std::string text;
  AppendUtf8Repaired(value.substr(0, kMaxHeaderValueBytes), &text);
  TruncateUtf8(&text, kMaxHeaderValueBytes);  // repair may have grown it
  return text;
}

// Fills a HeaderMetadata from the fields of one header block, in order.
class MetadataBuilder {
 public:
  void Add(const HeaderField& field) {
    const Field kind = Classify(field.name);
    if (kind == Field::kOther) return;
    bool& seen = seen_[static_cast<int>(kind)];
    const bool repeatable = kind == Field::kTo || kind == Field::kCc;
    if (seen && !repeatable) {
      md_.flags |= msgflag::kDuplicateHeader;
      return;
    }
    seen = true;
    const std::string unfolded = Unfold(field.raw_value);
    const std::string_view value = TrimWsp(unfolded);
    switch (kind) {
      case Field::kSubject:
        md_.subject = Decode(value);
        break;
      case Field::kFrom:
        md_.from = Decode(value);
        AppendAddresses(value, kMaxAddressesPerField, &md_.from_addresses);
        break;
      case Field::kSender:
        md_.sender = Decode(value);
        AppendAddresses(value, kMaxAddressesPerField, &md_.sender_addresses);
        break;
      case Field::kTo:
        AddToList(value, &md_.to, &md_.to_addresses);
        break;
      case Field::kCc:
        AddToList(value, &md_.cc, &md_.cc_addresses);
        break;
      case Field::kDate:
        md_.date = RawText(value);
        md_.date_us = ParseRfc5322Date(value);
        break;
      case Field::kMessageId:
        md_.message_id = RawText(value);
        break;
      default:
        break;
    }
  }

  HeaderMetadata Finish(uint32_t block_flags) {
    md_.flags |= block_flags;
    if (md_.message_id.empty()) md_.flags |= msgflag::kNoMessageId;
    if (md_.date.empty()) md_.flags |= msgflag::kNoDate;
    if (md_.from.empty()) md_.flags |= msgflag::kNoFrom;
    if (bad_encoded_word_) md_.flags |= msgflag::kBadEncodedWord;
    return std::move(md_);
  }

 private:
  std::string Decode(std::string_view value) {
    return DecodeHeaderText(value, kMaxHeaderValueBytes, &bad_encoded_word_);
  }

  // To and Cc may repeat: the values are joined with ", ", the addresses collected.
  void AddToList(std::string_view value, std::string* joined, std::vector<std::string>* addresses) {
    AppendAddresses(value, kMaxAddressesPerField, addresses);
    if (joined->size() >= kMaxHeaderValueBytes) return;
    const std::string decoded = Decode(value);
    if (decoded.empty()) return;
    if (!joined->empty()) joined->append(", ");
    joined->append(decoded);
    TruncateUtf8(joined, kMaxHeaderValueBytes);
  }

  HeaderMetadata md_;
  bool seen_[static_cast<int>(Field::kCount)] = {};
  bool bad_encoded_word_ = false;
};

}  // namespace

HeaderMetadata ScanHeaders(std::string_view prefix, bool whole_message) {
  HeaderFieldReader reader(prefix.substr(0, kHeaderScanLimit));
  MetadataBuilder builder;
  HeaderField field;
  size_t fields = 0;
  bool too_many_fields = false;
  while (reader.Next(&field)) {
    if (++fields > kMaxHeaderFields) {
      too_many_fields = true;
      break;
    }
    builder.Add(field);
  }
  uint32_t block_flags = 0;
  if (reader.eight_bit()) block_flags |= msgflag::kHeaderEightBit;
  const bool more_message = !whole_message || prefix.size() > kHeaderScanLimit;
  if (too_many_fields || (!reader.found_end() && more_message))
    block_flags |= msgflag::kHeaderTruncated;
  return builder.Finish(block_flags);
}

}  // namespace chainmail

// ScanHeaders: the search metadata of a message (Message-ID, Date, From, Sender, To, Cc,
// Subject) read from its header block, plus flags for what was odd about it.
//
// Contract: never throws (short of std::bad_alloc), never rejects, never crashes on any
// input; odd input becomes a flag (msgflag bits 8-14 of archive/format/payload_tags.h).
// Every returned string is valid UTF-8. Bounded: at most kHeaderScanLimit bytes and
// kMaxHeaderFields fields are read; each text value is cut at kMaxHeaderValueBytes and
// each address list at kMaxAddressesPerField; work is linear in the bytes read.
// The result depends only on the bytes, so verify can recompute the flags.
//
// The header block follows RFC 5322 read tolerantly (details in header_fields.h,
// rfc2047.h, address_list.h and rfc5322_date.h):
// - Subject, From, Sender, Date and Message-ID keep their first occurrence; another one
//   sets kDuplicateHeader. To and Cc may repeat: values are joined with ", " and all
//   their addresses collected.
// - kNoMessageId, kNoDate, kNoFrom: the field is missing or its (decoded) value empty.
// - kHeaderTruncated: the header block does not end within the bytes read and there is
//   more message (`whole_message` false, or the prefix exceeds kHeaderScanLimit), or it
//   has more than kMaxHeaderFields fields. Metadata then comes from the part read.
//
// Thread-safe: may be called concurrently from any number of threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chainmail {

inline constexpr size_t kHeaderScanLimit = 256 * 1024;  // bytes of a message scanned for headers
inline constexpr size_t kMaxHeaderFields = 10000;       // fields read; more sets kHeaderTruncated
inline constexpr size_t kMaxHeaderValueBytes = 64 * 1024;  // each text value, after decoding
inline constexpr size_t kMaxAddressesPerField = 10000;  // addresses kept per From/Sender/To/Cc

struct HeaderMetadata {
  std::string message_id;   // unfolded, trimmed value of Message-ID, e.g. "<abc@x>"; empty if none
  std::string date;         // unfolded, trimmed raw Date value (UTF-8-safe)
  std::optional<int64_t> date_us;  // Date parsed (RFC 5322 incl. obsolete forms) as UTC microseconds
  std::string from, sender, to, cc;   // unfolded values, RFC 2047 decoded to UTF-8
  std::vector<std::string> from_addresses, sender_addresses, to_addresses, cc_addresses;  // addr-specs
  std::string subject;      // RFC 2047 decoded, unfolded, UTF-8
  uint32_t flags = 0;       // msgflag bits from archive/format/payload_tags.h, bits 8-14 only
};

// `prefix` is the start of the message (at most kHeaderScanLimit bytes are looked at).
// `whole_message` is true when prefix is the entire message.
HeaderMetadata ScanHeaders(std::string_view prefix, bool whole_message);

}  // namespace chainmail

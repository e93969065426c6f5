// chainmail-mime-dump: prints what ExtractMime reads from a message file, as one JSON
// object, for the cross-check against Python's email package
// (test_mime_crosscheck.py) and for looking at a message by hand.
//   chainmail-mime-dump FILE.eml
// Output: subject, addresses, text, attachment_names, attachment_types, flags (names),
// journal_report, recipients_of_record and the part tree; deterministic.
// Exit 0 printed, 1 unreadable file, 2 usage.
#include <iostream>
#include <string>
#include <vector>

#include "archive/format/bytes.h"
#include "archive/format/file_bytes.h"
#include "archive/format/json_text.h"
#include "archive/mime/mime_extraction.h"

namespace chainmail {
namespace {

std::string StringArray(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + JsonQuote(items[i]);
  return out + "]";
}

std::string Bool(bool value) { return value ? "true" : "false"; }

std::string PartJson(const MimePart& part) {
  return "{\"index\": " + std::to_string(part.index) +
         ", \"parent\": " + std::to_string(part.parent) +
         ", \"depth\": " + std::to_string(part.depth) +
         ", \"content_type\": " + JsonQuote(part.content_type) +
         ", \"charset\": " + JsonQuote(part.charset) +
         ", \"transfer_encoding\": " + JsonQuote(part.transfer_encoding) +
         ", \"disposition\": " + JsonQuote(part.disposition) +
         ", \"filename\": " + JsonQuote(part.filename) +
         ", \"is_attachment\": " + Bool(part.is_attachment) +
         ", \"is_text\": " + Bool(part.is_text) + ", \"is_leaf\": " + Bool(part.is_leaf) +
         ", \"header_offset\": " + std::to_string(part.header_offset) +
         ", \"body_offset\": " + std::to_string(part.body_offset) +
         ", \"body_length\": " + std::to_string(part.body_length) +
         ", \"decoded_size\": " + std::to_string(part.decoded_size) +
         ", \"decoded_sha256\": " + JsonQuote(part.is_leaf ? ToHex(part.decoded_sha256) : "") +
         ", \"flags\": " + StringArray(MimeFlagNames(part.flags)) + "}";
}

std::string ExtractionJson(const MimeExtraction& x) {
  std::string recipients = "[";
  for (size_t i = 0; i < x.recipients_of_record.size(); ++i) {
    const RecordRecipient& r = x.recipients_of_record[i];
    recipients += std::string(i ? ", " : "") + "{\"address\": " + JsonQuote(r.address) +
                  ", \"source\": " + JsonQuote(r.source) +
                  ", \"expanded_from\": " + JsonQuote(r.expanded_from) + "}";
  }
  recipients += "]";
  std::string parts = "[";
  for (size_t i = 0; i < x.parts.size(); ++i)
    parts += (i ? ",\n    " : "\n    ") + PartJson(x.parts[i]);
  parts += "]";
  return "{\"subject\": " + JsonQuote(x.subject) +
         ",\n \"addresses\": " + StringArray(x.addresses) +
         ",\n \"attachment_names\": " + StringArray(x.attachment_names) +
         ",\n \"attachment_types\": " + StringArray(x.attachment_types) +
         ",\n \"journal_report\": " + Bool(x.journal_report) +
         ",\n \"recipients_of_record\": " + recipients +
         ",\n \"flags\": " + StringArray(MimeFlagNames(x.flags)) +
         ",\n \"text\": " + JsonQuote(x.text) + ",\n \"parts\": " + parts + "}\n";
}

}  // namespace
}  // namespace chainmail

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: chainmail-mime-dump FILE.eml\n";
    return 2;
  }
  const std::optional<std::string> message = chainmail::ReadFileBytes(argv[1]);
  if (!message) {
    std::cerr << "chainmail-mime-dump: cannot read " << argv[1] << "\n";
    return 1;
  }
  std::cout << chainmail::ExtractionJson(chainmail::ExtractMime(*message));
  return 0;
}

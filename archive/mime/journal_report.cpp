#include "archive/mime/journal_report.h"

#include <string>
#include <utility>

#include "archive/mime/address_list.h"
#include "archive/mime/ascii.h"

namespace chainmail {
namespace {

constexpr size_t kMaxAddressesPerLine = 1000;

// The record source for an envelope field name; "" for a field that names no recipient.
std::string_view SourceOf(std::string_view name) {
  if (EqualsIgnoreCase(name, "sender")) return "journal-sender";
  if (EqualsIgnoreCase(name, "to")) return "journal-to";
  if (EqualsIgnoreCase(name, "cc")) return "journal-cc";
  if (EqualsIgnoreCase(name, "bcc")) return "journal-bcc";
  if (EqualsIgnoreCase(name, "recipient")) return "journal-recipient";
  return {};
}

// Where ", Expanded:" or ", Forwarded:" starts in `value` (at the comma) and where the
// address after it starts; {npos, npos} when there is neither.
std::pair<size_t, size_t> FindExpansion(std::string_view value) {
  std::string lowered(value);
  for (char& c : lowered) c = AsciiLower(c);
  for (std::string_view keyword : {"expanded:", "forwarded:"}) {
    for (size_t at = lowered.find(keyword); at != std::string::npos;
         at = lowered.find(keyword, at + 1)) {
      size_t comma = at;
      while (comma > 0 && IsWsp(lowered[comma - 1])) --comma;
      if (comma > 0 && lowered[comma - 1] == ',') return {comma - 1, at + keyword.size()};
    }
  }
  return {std::string_view::npos, std::string_view::npos};
}

}  // namespace

bool ParseJournalEnvelope(std::string_view report_text, size_t max,
                          std::vector<RecordRecipient>* out) {
  bool found = false;
  std::vector<std::string> addresses, expanded_from;
  while (!report_text.empty()) {
    const size_t eol = report_text.find_first_of("\r\n");
    const std::string_view line = report_text.substr(0, eol);
    report_text.remove_prefix(eol == std::string_view::npos ? report_text.size() : eol + 1);

    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view source = SourceOf(TrimWsp(line.substr(0, colon)));
    if (source.empty()) continue;
    std::string_view value = line.substr(colon + 1);
    std::string_view expansion;
    if (const auto [comma, from] = FindExpansion(value); comma != std::string_view::npos) {
      expansion = value.substr(from);
      value = value.substr(0, comma);
    }
    addresses.clear();
    expanded_from.clear();
    AppendAddresses(value, kMaxAddressesPerLine, &addresses);
    AppendAddresses(expansion, 1, &expanded_from);
    for (std::string& address : addresses) {
      found = true;
      if (out->size() >= max) return true;
      out->push_back(
          RecordRecipient{std::move(address), std::string(source),
                          expanded_from.empty() ? std::string() : expanded_from.front()});
    }
  }
  return found;
}

}  // namespace chainmail

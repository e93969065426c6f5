#include "archive/fulltext/fulltext_document.h"

#include <cctype>
#include <set>

#include "archive/format/byte_scan.h"
#include "archive/format/utf8.h"

namespace chainmail {
namespace {

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Lines of distinct (ASCII case-insensitive) non-empty values, in first-seen order.
class Lines {
 public:
  explicit Lines(bool distinct) : distinct_(distinct) {}
  void Add(std::string_view value) {
    if (value.empty() || (distinct_ && !seen_.insert(Lower(value)).second)) return;
    if (!text_.empty()) text_ += '\n';
    text_ += value;
  }
  std::string Take() { return StorableText(text_); }

 private:
  bool distinct_;
  std::set<std::string> seen_;
  std::string text_;
};

}  // namespace

std::string StorableText(std::string_view text) {
  // One pass: ordinary bytes (printable ASCII, TAB, LF) and valid 8-bit characters are
  // copied in runs; a control character becomes a space, an invalid sequence U+FFFD.
  std::string out;
  out.reserve(text.size());
  const char* const end = text.data() + text.size();
  const char* run = text.data();  // start of the bytes not yet copied, all kept as they are
  const char* p = run;
  while (p != end) {
    const auto c = static_cast<unsigned char>(*p);
    if (c >= 0x80) {
      size_t invalid = 0;
      const size_t length = Utf8SequenceLength(std::string_view(p, static_cast<size_t>(end - p)), &invalid);
      if (length != 0) {
        p += length;
        continue;
      }
      out.append(run, static_cast<size_t>(p - run));
      out += kReplacementCharacter;
      p += invalid;
      run = p;
    } else if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7F) {
      ++p;
      out.append(run, static_cast<size_t>(p - run));
      out.back() = ' ';
      run = p;
    } else {
      p = FindControlOrEightBit(p + 1, end);  // ordinary bytes, in bulk
    }
  }
  out.append(run, static_cast<size_t>(end - run));
  return out;
}

size_t FulltextDocument::bytes() const {
  size_t n = sizeof(*this) + subject.size() + body.size() + attachments.size() + addresses.size();
  for (const RecordRecipient& r : record_recipients)
    n += sizeof(r) + r.address.size() + r.source.size() + r.expanded_from.size();
  return n;
}

FulltextDocument BuildFulltextDocument(const ExtractedMessage& m) {
  FulltextDocument d;
  d.seq = m.seq;
  d.record_id = m.record_id;
  d.received_us = m.received_us;
  d.subject = StorableText(m.mime.subject);
  d.body = StorableText(m.mime.text);
  Lines attachments(false);
  for (const std::string& name : m.mime.attachment_names) attachments.Add(name);
  d.attachments = attachments.Take();
  Lines addresses(true);
  addresses.Add(m.mail_from);
  for (const std::string& a : m.rcpt_to) addresses.Add(a);
  for (const std::string& a : m.mime.addresses) addresses.Add(a);
  for (const RecordRecipient& r : m.mime.recipients_of_record) {
    addresses.Add(r.address);
    addresses.Add(r.expanded_from);
    RecordRecipient stored{StorableText(r.address), StorableText(r.source), StorableText(r.expanded_from)};
    if (!stored.address.empty()) d.record_recipients.push_back(std::move(stored));
  }
  d.addresses = addresses.Take();
  return d;
}

}  // namespace chainmail

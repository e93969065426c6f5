// A message as an officer reads it: its MIME part tree with the decoded text, and one
// part's decoded content (officers only; both audited as reads before anything is sent,
// a part's read attempt before a 404 or 409 that would tell the message's structure).
//
// Both are derived again from the archived bytes on every request (archive/mime
// ExtractMime is deterministic and bounded), so they never lag behind ingest and never
// disagree with /raw. Parts are numbered in pre-order, 0 being the message itself.
//
// /parts/{n} answers the decoded bytes of a leaf part, or with ?as=text its UTF-8 text
// (an HTML part reduced to text). The content is never rendered by a browser: it is sent
// as an attachment with a sanitised filename, nosniff and a sandboxing CSP, so a hostile
// HTML part cannot run in the API's origin.
#include <cctype>
#include <string>

#include "archive/format/bytes.h"
#include "archive/extracted_message.h"
#include "archive/mime/body_text.h"
#include "archive/mime/html_text.h"
#include "archive/mime/mime_extraction.h"
#include "audit/audit_log.h"
#include "service/api/handlers.h"
#include "service/api/json_writer.h"
#include "service/api/message_common.h"

namespace chainmail::handlers {
namespace {

struct ReadMessage {
  std::string bytes;  // at most MimeLimits::max_input_bytes + 1 of the message
  TargetRef target;
};

// The message's bytes (up to the extraction bound) and its audit target, from one reader.
Checked<ReadMessage> LoadMessage(ApiContext& ctx, const RecordId& id, const MimeLimits& limits) {
  auto reader = ctx.readers().Acquire();
  if (!reader.ok()) return ProblemFromStatus(reader.status());
  auto target = MessageTargetRef(**reader, id);
  if (!target.ok()) return MessageProblem(target.status(), id);
  auto bytes = ReadBytesForExtraction(**reader, id, limits);  // as the indexer reads it
  if (!bytes.ok()) return MessageProblem(bytes.status(), id);
  ReadMessage m{std::move(*bytes), *target};
  return m;
}

Status AuditRead(ApiContext& ctx, const Call& call, const RecordId& id, const TargetRef& target,
                 std::optional<uint32_t> part) {
  JsonWriter detail = JsonWriter::Object();
  detail.Str("id", id.ToString());
  if (part)
    detail.Int("part", *part);
  else
    detail.Bool("parts", true);
  return AuditLog(ctx.archive()).RecordAbout(call.Event(auditevent::kMessageRead, detail.Done()), target).status();
}

std::string PartJson(const MimePart& p) {
  JsonWriter j = JsonWriter::Object();
  j.Int("index", p.index);
  if (p.parent >= 0)
    j.Int("parent", p.parent);
  else
    j.Null("parent");
  j.Int("depth", p.depth)
      .Str("content_type", p.content_type)
      .Str("charset", p.charset)
      .Str("transfer_encoding", p.transfer_encoding)
      .Str("disposition", p.disposition)
      .Str("filename", p.filename)
      .Bool("attachment", p.is_attachment)
      .Bool("text", p.is_text)
      .Int("encoded_size", static_cast<int64_t>(p.body_length));
  if (p.is_leaf)
    j.Int("size", static_cast<int64_t>(p.decoded_size)).Str("sha256", ToHex(p.decoded_sha256));
  return j.Strs("flags", MimeFlagNames(p.flags)).Done();
}

std::string RecipientsJson(const std::vector<RecordRecipient>& recipients) {
  JsonWriter a = JsonWriter::Array();
  for (const RecordRecipient& r : recipients) {
    JsonWriter o = JsonWriter::Object();
    o.Str("address", r.address).Str("source", r.source);
    if (!r.expanded_from.empty()) o.Str("expanded_from", r.expanded_from);
    a.Raw(o.Done());
  }
  return a.Done();
}

// The part number of the route's {n}: digits only, else 400. Whether the message has
// that part is for the caller to answer, once the attempt is audited.
Checked<uint32_t> PartNumber(const Call& call) {
  const std::string& text = call.path.at("n");
  if (text.empty() || text.size() > 6 || text.find_first_not_of("0123456789") != std::string::npos)
    return BadParameter("n", "n must be a part number (0 is the message itself; see /parts)");
  return static_cast<uint32_t>(std::stoul(text));
}

// RFC 6266 filename for a part: its own name made safe, or "<id>-part<n>".
std::string Disposition(const RecordId& id, const MimePart& part, bool as_text) {
  std::string ascii;
  for (char c : part.filename)
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '/' && c != ';') ascii.push_back(c);
  if (ascii.empty() || ascii.find_first_not_of('.') == std::string::npos)
    ascii = id.ToString() + "-part" + std::to_string(part.index);
  if (as_text) ascii += ".txt";
  std::string encoded;  // RFC 8187 ext-value of the UTF-8 name, for clients that read it
  static const char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : part.filename.empty() ? ascii : part.filename + (as_text ? ".txt" : "")) {
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_') {
      encoded.push_back(static_cast<char>(c));
    } else {
      encoded += '%';
      encoded += kHex[c >> 4];
      encoded += kHex[c & 15];
    }
  }
  return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
}

// The declared content type if it is a plain token "type/subtype", else octet-stream.
std::string SafeContentType(const MimePart& part) {
  const std::string& t = part.content_type;
  const size_t slash = t.find('/');
  const bool token = slash != std::string::npos && slash > 0 && slash + 1 < t.size() &&
                     t.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789!#$&^_.+-/") == std::string::npos &&
                     t.find('/', slash + 1) == std::string::npos;
  if (!token) return "application/octet-stream";
  bool charset_ok = !part.charset.empty() && part.charset.size() <= 64 &&
                    part.charset.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_.:+") == std::string::npos;
  return charset_ok && t.starts_with("text/") ? t + "; charset=" + part.charset : t;
}

}  // namespace

Checked<ApiResponse> GetMessageParts(ApiContext& ctx, const Call& call) {
  if (auto e = NoQueryParams(call.request)) return *e;
  auto id = MessageIdFromPath(call);
  if (!id.ok()) return id.error();
  const MimeLimits limits;
  auto message = LoadMessage(ctx, *id, limits);
  if (!message.ok()) return message.error();
  const MimeExtraction m = ExtractMime(message->bytes, limits);
  if (Status s = AuditRead(ctx, call, *id, message->target, std::nullopt); !s.ok()) return Unaudited(s);

  JsonWriter parts = JsonWriter::Array();
  for (const MimePart& p : m.parts) parts.Raw(PartJson(p));
  JsonWriter names = JsonWriter::Array();
  for (const std::string& n : m.attachment_names) names.Str(n);
  return JsonResponse(200, JsonWriter::Object()
                               .Str("id", id->ToString())
                               .Bool("journal_report", m.journal_report)
                               .Str("subject", m.subject)
                               .Raw("recipients_of_record", RecipientsJson(m.recipients_of_record))
                               .Raw("attachment_names", names.Done())
                               .Strs("flags", MimeFlagNames(m.flags))
                               .Raw("parts", parts.Done())
                               .Str("text", m.text)
                               .Done());
}

Checked<ApiResponse> GetMessagePart(ApiContext& ctx, const Call& call) {
  auto query = QueryParams::Parse(call.request, {"as"});
  if (!query.ok()) return query.error();
  auto as = query->Word("as", {"decoded", "text"});
  if (!as.ok()) return as.error();
  const bool as_text = as->value_or("decoded") == "text";
  auto id = MessageIdFromPath(call);
  if (!id.ok()) return id.error();
  auto n = PartNumber(call);
  if (!n.ok()) return n.error();
  const MimeLimits limits;
  auto message = LoadMessage(ctx, *id, limits);
  if (!message.ok()) return message.error();
  // Audited before any answer that depends on the message's structure: "no part n" and
  // "part n is a container" tell the part count and content types as the part does.
  if (Status s = AuditRead(ctx, call, *id, message->target, *n); !s.ok()) return Unaudited(s);
  const MimeExtraction m = ExtractMime(message->bytes, limits);
  if (*n >= m.parts.size()) return NotFoundProblem("the message has no part " + std::to_string(*n));
  const MimePart& p = m.parts[*n];
  if (!p.is_leaf)
    return ApiError{409, "not-a-leaf-part", "Not a leaf part",
                    "part " + std::to_string(p.index) + " is a " + p.content_type +
                        " container; read its children (see /parts) or the whole message at /raw",
                    "n", {}};

  ApiResponse r;
  std::string content = DecodePartContent(message->bytes, p, limits);
  if (as_text) {
    std::string text;
    AppendBodyText(p.charset, content, limits.max_text_bytes, &text);
    r.body = p.content_type == "text/html" ? HtmlToText(text, limits.max_text_bytes) : std::move(text);
    r.content_type = "text/plain; charset=utf-8";
  } else {
    r.body = std::move(content);
    r.content_type = SafeContentType(p);
  }
  r.Header("Content-Disposition", Disposition(*id, p, as_text));
  r.Header("X-Content-Type-Options", "nosniff");
  r.Header("Content-Security-Policy", "sandbox; default-src 'none'");
  if (!as_text && (p.flags & mimeflag::kDecodedLimit) == 0)
    r.Header("Repr-Digest", "sha-256=:" + Base64Encode(AsView(p.decoded_sha256)) + ":");
  return r;
}

}  // namespace chainmail::handlers

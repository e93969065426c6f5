#include "archive/message_index.h"

#include <algorithm>

#include "archive/format/utf8.h"

namespace chainmail {
namespace {

std::string SanitizeUtf8(std::string_view text) {
  std::string out;
  AppendUtf8Repaired(text, &out);
  return out;
}

}  // namespace

std::string PathAddress(std::string_view arg) {
  size_t i = 0;
  while (i < arg.size() && (arg[i] == ' ' || arg[i] == '\t')) ++i;
  std::string_view rest = arg.substr(i);
  std::string_view addr;
  if (!rest.empty() && rest[0] == '<') {
    bool quoted = false;
    size_t end = 1;
    for (; end < rest.size(); ++end) {
      if (rest[end] == '\\' && quoted) { ++end; continue; }
      if (rest[end] == '"') quoted = !quoted;
      if (rest[end] == '>' && !quoted) break;
    }
    addr = rest.substr(1, std::min(end, rest.size()) - 1);
    if (!addr.empty() && addr[0] == '@') {  // obsolete source route "@a,@b:addr"
      size_t colon = addr.find(':');
      addr = colon == std::string_view::npos ? std::string_view() : addr.substr(colon + 1);
    }
  } else {
    addr = rest.substr(0, rest.find(' '));
  }
  return SanitizeUtf8(addr);
}

MessageIndexRow BuildIndexRow(const RecordId& id, uint64_t seq, const MessagePayload& p,
                              const HeaderMetadata& h) {
  MessageIndexRow row;
  row.record_id = id;
  row.seq = seq;
  row.received_us = static_cast<int64_t>(p.received_time_us);
  row.source = static_cast<int>(p.source);
  row.mail_from = PathAddress(p.mail_from);
  row.client_address = SanitizeUtf8(p.client_address);
  row.tls_protocol = SanitizeUtf8(p.tls_protocol);
  row.raw_sha256 = p.raw_sha256;
  row.raw_length = p.raw_length;
  row.flags = p.flags;
  row.message_id = h.message_id;
  row.date_header = h.date;
  row.date_us = h.date_us;
  row.from_header = h.from;
  row.sender_header = h.sender;
  row.to_header = h.to;
  row.cc_header = h.cc;
  row.subject = h.subject;
  for (const auto& r : p.rcpt_to) row.addresses.emplace_back(AddressKind::kEnvelopeRecipient, PathAddress(r));
  auto add = [&](AddressKind kind, const std::vector<std::string>& list) {
    for (const auto& a : list) row.addresses.emplace_back(kind, a);
  };
  add(AddressKind::kFrom, h.from_addresses);
  add(AddressKind::kSender, h.sender_addresses);
  add(AddressKind::kTo, h.to_addresses);
  add(AddressKind::kCc, h.cc_addresses);
  return row;
}

Status WriteIndexRow(Database& db, const MessageIndexRow& r) {
  Statement st = db.Prepare(
      "INSERT INTO messages(record_id, seq, received_us, source, mail_from, client_address, "
      "tls_protocol, raw_sha256, raw_length, flags, message_id, date_header, date_us, "
      "from_header, sender_header, to_header, cc_header, subject) "
      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  st.BindBlob(1, r.record_id.AsBytes()).Bind(2, static_cast<int64_t>(r.seq)).Bind(3, r.received_us)
      .Bind(4, static_cast<int64_t>(r.source)).Bind(5, r.mail_from).Bind(6, r.client_address)
      .Bind(7, r.tls_protocol).BindBlob(8, AsView(r.raw_sha256))
      .Bind(9, static_cast<int64_t>(r.raw_length)).Bind(10, static_cast<int64_t>(r.flags))
      .Bind(11, r.message_id).Bind(12, r.date_header);
  if (r.date_us) st.Bind(13, *r.date_us); else st.BindNull(13);
  st.Bind(14, r.from_header).Bind(15, r.sender_header).Bind(16, r.to_header).Bind(17, r.cc_header)
      .Bind(18, r.subject);
  if (Status s = st.Run(); !s.ok()) return s;
  int position[5] = {0, 0, 0, 0, 0};
  for (const auto& [kind, address] : r.addresses) {
    Statement a = db.Prepare(
        "INSERT INTO message_addresses(record_id, kind, position, address) VALUES (?,?,?,?)");
    Status s = a.BindBlob(1, r.record_id.AsBytes()).Bind(2, static_cast<int64_t>(kind))
                   .Bind(3, static_cast<int64_t>(position[static_cast<int>(kind)]++)).Bind(4, address).Run();
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Result<MessageIndexRow> ReadIndexRow(Database& db, const RecordId& id) {
  Statement st = db.Prepare(
      "SELECT seq, received_us, source, mail_from, client_address, tls_protocol, raw_sha256, "
      "raw_length, flags, message_id, date_header, date_us, from_header, sender_header, "
      "to_header, cc_header, subject FROM messages WHERE record_id = ?");
  st.BindBlob(1, id.AsBytes());
  if (!st.Step()) {
    if (!st.status().ok()) return st.status();
    return Status::NotFound("no message " + id.ToString());
  }
  MessageIndexRow r;
  r.record_id = id;
  r.seq = static_cast<uint64_t>(st.Int(0));
  r.received_us = st.Int(1);
  r.source = static_cast<int>(st.Int(2));
  r.mail_from = st.Text(3);
  r.client_address = st.Text(4);
  r.tls_protocol = st.Text(5);
  r.raw_sha256 = Hash32FromBytes(st.Blob(6));
  r.raw_length = static_cast<uint64_t>(st.Int(7));
  r.flags = static_cast<uint32_t>(st.Int(8));
  r.message_id = st.Text(9);
  r.date_header = st.Text(10);
  if (!st.IsNull(11)) r.date_us = st.Int(11);
  r.from_header = st.Text(12);
  r.sender_header = st.Text(13);
  r.to_header = st.Text(14);
  r.cc_header = st.Text(15);
  r.subject = st.Text(16);
  Statement a = db.Prepare(
      "SELECT kind, address FROM message_addresses WHERE record_id = ? ORDER BY kind, position");
  a.BindBlob(1, id.AsBytes());
  while (a.Step()) r.addresses.emplace_back(static_cast<AddressKind>(a.Int(0)), std::string(a.Text(1)));
  if (!a.status().ok()) return a.status();
  return r;
}

std::string IndexRowDifference(const MessageIndexRow& s, const MessageIndexRow& e) {
  if (s.seq != e.seq) return "seq";
  if (s.received_us != e.received_us) return "received time";
  if (s.source != e.source) return "source";
  if (s.mail_from != e.mail_from) return "envelope sender";
  if (s.client_address != e.client_address) return "client address";
  if (s.tls_protocol != e.tls_protocol) return "TLS protocol";
  if (s.raw_sha256 != e.raw_sha256) return "raw hash";
  if (s.raw_length != e.raw_length) return "raw length";
  if (s.flags != e.flags) return "flags";
  if (s.message_id != e.message_id) return "Message-ID";
  if (s.date_header != e.date_header || s.date_us != e.date_us) return "Date";
  if (s.from_header != e.from_header) return "From";
  if (s.sender_header != e.sender_header) return "Sender";
  if (s.to_header != e.to_header) return "To";
  if (s.cc_header != e.cc_header) return "Cc";
  if (s.subject != e.subject) return "Subject";
  auto sorted = [](auto v) { std::stable_sort(v.begin(), v.end(), [](auto& a, auto& b) { return a.first < b.first; }); return v; };
  if (sorted(s.addresses) != sorted(e.addresses)) return "addresses";
  return "";
}

}  // namespace chainmail

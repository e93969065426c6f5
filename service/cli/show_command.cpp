#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>

#include "archive/archive.h"
#include "archive/database.h"
#include "archive/message_reader.h"
#include "archive/rfc3339.h"
#include "archive/format/json_text.h"
#include "archive/format/payload_tags.h"
#include "audit/audit_log.h"
#include "service/cli/cli_options.h"
#include "service/cli/commands.h"
#include "service/cli/printable.h"

namespace chainmail {
namespace {

void PrintMetadata(const StoredMessage& m) {
  const MessagePayload& p = m.payload;
  const MessageIndexRow& r = m.index;
  std::cout << "id:              " << r.record_id.ToString() << "\n"
            << "seq:             " << r.seq << "\n"
            << "leaf hash:       " << ToHex(m.leaf_hash) << "\n"
            << "received:        " << FormatRfc3339(r.received_us) << "\n"
            << "source:          " << (p.source == MessageSource::kSmtp ? "smtp" : "import") << "\n"
            << "MAIL FROM:       " << Printable(p.mail_from) << "\n";
  for (const auto& rcpt : p.rcpt_to) std::cout << "RCPT TO:         " << Printable(rcpt) << "\n";
  if (p.source == MessageSource::kSmtp)
    std::cout << Printable(p.helo_verb) << ":            " << Printable(p.helo_name) << "\n"
              << "client:          " << Printable(p.client_address) << " port " << p.client_port << "\n"
              << "TLS:             "
              << (p.tls_protocol.empty() ? "none" : Printable(p.tls_protocol + " " + p.tls_cipher)) << "\n";
  else
    std::cout << "imported from:   " << Printable(p.import_name) << "\n";
  std::cout << "raw SHA-256:     " << ToHex(p.raw_sha256) << "\n"
            << "raw length:      " << p.raw_length << "\n"
            << "flags:           0x" << std::hex << p.flags << std::dec << "\n"
            << "Message-ID:      " << Printable(r.message_id) << "\n"
            << "Date:            " << Printable(r.date_header) << "\n"
            << "From:            " << Printable(r.from_header) << "\n"
            << "To:              " << Printable(r.to_header) << "\n"
            << "Cc:              " << Printable(r.cc_header) << "\n"
            << "Subject:         " << Printable(r.subject) << "\n";
}

Status RecordRead(const Config& config, Database& db, const RecordId& id, bool raw) {
  auto target = MessageTargetRef(db, id);
  if (!target.ok()) return target.status();
  auto archive = OpenExistingArchive(config);
  if (!archive.ok()) return archive.status();
  AuditEvent read = LocalUserEvent(auditevent::kMessageRead, "ok",
                                   std::string("{\"command\":\"show\",\"raw\":") + (raw ? "true" : "false") +
                                       ",\"record_id\":" + JsonQuote(id.ToString()) + "}");
  auto recorded = AuditLog(**archive).RecordAbout(std::move(read), *target);
  return recorded.ok() ? Status::Ok() : recorded.status();
}

// No audit, no content: any failure to record the read refuses the read.
Status AuditRead(const Config& config, Database& db, const RecordId& id, bool raw) {
  Status s = RecordRead(config, db, id, raw);
  if (s.ok() || s.code() == Status::Code::kNotFound) return s;
  return Status::Unavailable("cannot record this read in the audit log, so nothing is shown: " + s.message());
}

}  // namespace

int ShowCommand(const Config& config, const std::vector<std::string>& args) {
  std::string id_text;
  bool raw = false;
  for (const auto& a : args) {
    if (a == "--raw") raw = true;
    else if (id_text.empty()) id_text = a;
    else id_text = "\x01";  // two ids: usage error below
  }
  auto id = RecordId::Parse(id_text);
  if (!id) {
    std::cerr << "usage: chainmail show ID [--raw]   (ID is the record's UUID)\n";
    return 2;
  }
  auto db = Database::Open(DatabasePath(config.data_dir), Database::Mode::kReadOnly);
  if (!db.ok()) {
    std::cerr << "chainmail: " << db.status().message() << "\n";
    return 1;
  }
  // Every read of archived mail is evidence: the read is committed to the audit log,
  // with the local user as actor, before any content is shown. No audit, no content.
  if (Status s = AuditRead(config, **db, *id, raw); !s.ok()) {
    std::cerr << "chainmail: " << s.message() << "\n";
    return 1;
  }
  if (!raw) {
    auto m = ReadStoredMessage(**db, *id);
    if (!m.ok()) {
      std::cerr << "chainmail: " << m.status().message() << "\n";
      return 1;
    }
    PrintMetadata(*m);
    return 0;
  }
  Status s = ReadRawMessage(**db, *id, [](std::string_view piece) {
    for (size_t off = 0; off < piece.size();) {
      ssize_t n = write(STDOUT_FILENO, piece.data() + off, piece.size() - off);
      if (n <= 0) return Status::IoError("writing to standard output failed");
      off += static_cast<size_t>(n);
    }
    return Status::Ok();
  });
  if (!s.ok()) {
    std::cerr << "chainmail: " << s.message() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace chainmail

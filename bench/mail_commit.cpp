#include "bench/mail_commit.h"

#include <string>

namespace chainmail::bench {

Status CommitMail(MessageIngest& ingest, const GeneratedMail& mail, uint32_t session) {
  auto spool = ingest.BeginMessage();
  if (!spool.ok()) return spool.status();
  (*spool)->Write(mail.bytes);
  MessagePayload e;
  e.mail_from = "<" + mail.mail_from + ">";
  for (const std::string& r : mail.rcpt_to) e.rcpt_to.push_back("<" + r + ">");
  e.helo_verb = "EHLO";
  e.helo_name = "gateway.corp.example";
  e.client_address = "192.0.2.10";
  e.client_port = static_cast<uint16_t>(40000 + session % 20000);
  e.server_address = "192.0.2.1:25";
  e.tls_protocol = "TLSv1.3";
  e.tls_cipher = "TLS_AES_256_GCM_SHA384";
  e.session_id = std::string(16, static_cast<char>(session));
  auto committed = ingest.Commit(std::move(*spool), e);
  return committed.ok() ? Status::Ok() : committed.status();
}

}  // namespace chainmail::bench

#include "archive/format/message_payload.h"

#include "archive/format/payload.h"

namespace chainmail {

Bytes MessagePayload::Encode() const {
  PayloadWriter w;
  const bool smtp = source == MessageSource::kSmtp;
  w.AddU8(msgtag::kSource, static_cast<uint8_t>(source));
  w.AddBytes(msgtag::kMailFrom, mail_from);
  w.AddList(msgtag::kRcptTo, rcpt_to);
  if (smtp) {
    w.AddBytes(msgtag::kHeloVerb, helo_verb);
    w.AddBytes(msgtag::kHeloName, helo_name);
    w.AddBytes(msgtag::kClientAddress, client_address);
    w.AddU16(msgtag::kClientPort, client_port);
    w.AddBytes(msgtag::kServerAddress, server_address);
    w.AddBytes(msgtag::kTlsProtocol, tls_protocol);
    w.AddBytes(msgtag::kTlsCipher, tls_cipher);
    w.AddBytes(msgtag::kSessionId, session_id);
  }
  w.AddU8(msgtag::kTransfer, static_cast<uint8_t>(transfer));
  w.AddU64(msgtag::kReceivedTimeUs, received_time_us);
  w.AddBytes(msgtag::kRawSha256, AsView(raw_sha256));
  w.AddU64(msgtag::kRawLength, raw_length);
  w.AddU8(msgtag::kCodec, static_cast<uint8_t>(codec));
  w.AddU32(msgtag::kFlags, flags);
  if (!smtp) w.AddBytes(msgtag::kImportName, import_name);
  return w.Take();
}

Result<MessagePayload> MessagePayload::Decode(std::string_view payload) {
  auto parsed = PayloadFields::Parse(payload);
  if (!parsed.ok()) return parsed.status();
  const PayloadFields& f = parsed.value();
  for (const auto& [tag, value] : f.fields())
    if (tag < msgtag::kSource || tag > msgtag::kImportName)
      return Status::Corruption("message payload: unknown tag " + std::to_string(tag));

  MessagePayload m;
  auto source = f.GetUint(msgtag::kSource, 1);
  if (!source.ok()) return source.status();
  if (*source != 1 && *source != 2) return Status::Corruption("message payload: bad source");
  m.source = static_cast<MessageSource>(*source);
  if (!f.Has(msgtag::kMailFrom)) return Status::Corruption("message payload: no MAIL FROM");
  m.mail_from = std::string(f.Get(msgtag::kMailFrom));
  auto rcpts = f.GetList(msgtag::kRcptTo);
  if (!rcpts.ok()) return rcpts.status();
  m.rcpt_to = std::move(*rcpts);
  if (m.source == MessageSource::kSmtp) {
    for (uint16_t t : {msgtag::kHeloVerb, msgtag::kHeloName, msgtag::kClientAddress,
                       msgtag::kServerAddress, msgtag::kTlsProtocol, msgtag::kTlsCipher,
                       msgtag::kSessionId})
      if (!f.Has(t)) return Status::Corruption("message payload: missing tag " + std::to_string(t));
    m.helo_verb = std::string(f.Get(msgtag::kHeloVerb));
    m.helo_name = std::string(f.Get(msgtag::kHeloName));
    m.client_address = std::string(f.Get(msgtag::kClientAddress));
    auto port = f.GetUint(msgtag::kClientPort, 2);
    if (!port.ok()) return port.status();
    m.client_port = static_cast<uint16_t>(*port);
    m.server_address = std::string(f.Get(msgtag::kServerAddress));
    m.tls_protocol = std::string(f.Get(msgtag::kTlsProtocol));
    m.tls_cipher = std::string(f.Get(msgtag::kTlsCipher));
    m.session_id = std::string(f.Get(msgtag::kSessionId));
  } else {
    if (!f.Has(msgtag::kImportName)) return Status::Corruption("message payload: no import name");
    m.import_name = std::string(f.Get(msgtag::kImportName));
  }
  auto transfer = f.GetUint(msgtag::kTransfer, 1);
  auto received = f.GetUint(msgtag::kReceivedTimeUs, 8);
  auto length = f.GetUint(msgtag::kRawLength, 8);
  auto codec = f.GetUint(msgtag::kCodec, 1);
  auto flags = f.GetUint(msgtag::kFlags, 4);
  for (const auto* r : {&transfer, &received, &length, &codec, &flags})
    if (!r->ok()) return r->status();
  if (*transfer < 1 || *transfer > 3) return Status::Corruption("message payload: bad transfer");
  if (*codec != 1) return Status::Corruption("message payload: unknown codec");
  if (f.Get(msgtag::kRawSha256).size() != 32)
    return Status::Corruption("message payload: raw hash is not 32 bytes");
  m.transfer = static_cast<Transfer>(*transfer);
  m.received_time_us = *received;
  m.raw_sha256 = Hash32FromBytes(f.Get(msgtag::kRawSha256));
  m.raw_length = *length;
  m.codec = Codec::kZstd;
  m.flags = static_cast<uint32_t>(*flags);
  return m;
}

}  // namespace chainmail

#include "archive/format/audit_payload.h"

#include <cstring>

#include "archive/format/payload.h"
#include "archive/format/payload_tags.h"

namespace chainmail {

Bytes TargetRef::Encode() const {
  Bytes out;
  AppendBytes(out, log_id.data(), log_id.size());
  AppendU64(out, seq);
  AppendBytes(out, leaf_hash.data(), leaf_hash.size());
  return out;
}

Result<TargetRef> TargetRef::Decode(std::string_view b) {
  if (b.size() != 72) return Status::Corruption("target ref is not 72 bytes");
  TargetRef r;
  std::memcpy(r.log_id.data(), b.data(), 32);
  r.seq = ReadU64(reinterpret_cast<const unsigned char*>(b.data()) + 32);
  std::memcpy(r.leaf_hash.data(), b.data() + 40, 32);
  return r;
}

Bytes AuditPayload::Encode() const {
  PayloadWriter w;
  w.AddBytes(audittag::kActor, actor);
  w.AddBytes(audittag::kAuthMethod, auth_method);
  if (!source_address.empty()) w.AddBytes(audittag::kSourceAddress, source_address);
  if (!request_id.empty()) w.AddBytes(audittag::kRequestId, request_id);
  if (!targets.empty()) {
    std::vector<std::string> refs;
    for (const auto& t : targets) refs.push_back(t.Encode());
    w.AddList(audittag::kTargetRefs, refs);
  }
  if (before) w.AddBytes(audittag::kBefore, *before);
  if (after) w.AddBytes(audittag::kAfter, *after);
  w.AddBytes(audittag::kOutcome, outcome);
  if (!detail.empty()) w.AddBytes(audittag::kDetail, detail);
  w.AddU64(audittag::kEventTimeUs, event_time_us);
  return w.Take();
}

Result<AuditPayload> AuditPayload::Decode(std::string_view payload) {
  auto parsed = PayloadFields::Parse(payload);
  if (!parsed.ok()) return parsed.status();
  const PayloadFields& f = parsed.value();
  for (const auto& [tag, value] : f.fields())
    if (tag < audittag::kActor || tag > audittag::kEventTimeUs)
      return Status::Corruption("audit payload: unknown tag " + std::to_string(tag));
  for (uint16_t t : {audittag::kActor, audittag::kAuthMethod, audittag::kOutcome})
    if (!f.Has(t)) return Status::Corruption("audit payload: missing tag " + std::to_string(t));
  AuditPayload a;
  a.actor = f.Get(audittag::kActor);
  a.auth_method = f.Get(audittag::kAuthMethod);
  a.source_address = f.Get(audittag::kSourceAddress);
  a.request_id = f.Get(audittag::kRequestId);
  if (f.Has(audittag::kTargetRefs)) {
    auto refs = f.GetList(audittag::kTargetRefs);
    if (!refs.ok()) return refs.status();
    for (const auto& r : *refs) {
      auto ref = TargetRef::Decode(r);
      if (!ref.ok()) return ref.status();
      a.targets.push_back(*ref);
    }
  }
  if (f.Has(audittag::kBefore)) a.before = Bytes(f.Get(audittag::kBefore));
  if (f.Has(audittag::kAfter)) a.after = Bytes(f.Get(audittag::kAfter));
  a.outcome = f.Get(audittag::kOutcome);
  a.detail = f.Get(audittag::kDetail);
  auto time = f.GetUint(audittag::kEventTimeUs, 8);
  if (!time.ok()) return time.status();
  a.event_time_us = *time;
  return a;
}

}  // namespace chainmail

// The registry as data: every payload tag and audit event code with its name, so that
// tests can hold docs/payload-registry.md to it and tools can print names.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace chainmail {

struct RegistryEntry {
  enum class Kind { kMessageTag, kAuditTag, kAuditEvent };
  Kind kind;
  uint16_t code;
  std::string_view name;
  bool required;  // for tags: required in every payload of its kind (smtp-only tags: false)
};

const std::vector<RegistryEntry>& PayloadRegistry();
// The event's registry name, e.g. "policy.decision"; empty when unknown.
std::string_view AuditEventName(uint16_t code);

}  // namespace chainmail

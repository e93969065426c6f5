// In-process REST API tests: a signed archive in a temp dir with messages ingested the
// way SMTP does it (each with its policy decision), the real ApiContext and Api, tokens
// of every role, and a one-call request helper. No sockets; the e2e Python modules cover
// the wire.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "archive/format/verifier_key.h"
#include "audit/api_tokens.h"
#include "service/api/api.h"
#include "service/api/api_context.h"
#include "tests/archive/archive_test_util.h"

namespace chainmail::testing {

class ApiFixture {
 public:
  // `messages` sample messages archived through DecidedIngest (accept decisions). With
  // `signed_checkpoints`, the archive has a fresh Ed25519 key: the checkpointer signs after
  // commits and checkpoints can be signed on demand (keys() are its verifier keys).
  explicit ApiFixture(int messages = 0, bool signed_checkpoints = false);
  ~ApiFixture();

  // Archives `bytes` (with its policy decision); returns its record id.
  RecordId AddMessage(const std::string& bytes, const std::string& rcpt = "<j@archive.test>");
  // A token secret of `role` (created as the local user would with the CLI).
  std::string Token(Role role, std::optional<int64_t> expires_us = std::nullopt);
  // Revokes the token whose secret is `secret`.
  void Revoke(const std::string& secret);

  // One request. `query` as "a=1&b=2" (not percent-encoded: values are taken as given).
  ApiResponse Call(const std::string& method, const std::string& path, const std::string& token = "",
                   const std::string& body = "", const std::vector<std::pair<std::string, std::string>>& query = {});
  // The streamed or plain body of `r` as one string.
  static std::string Body(const ApiResponse& r);

  Archive& archive() { return *archive_; }
  ApiContext& context() { return *context_; }
  Api& api() { return *api_; }
  const std::string& dir() const { return dir_.path(); }
  const std::vector<RecordId>& ids() const { return ids_; }
  // The verifier keys of both logs (signed_checkpoints only; empty otherwise).
  const std::vector<VerifierKey>& keys() const { return keys_; }
  // Audit events of `type` so far (index rows), oldest first: (seq, actor, outcome).
  std::vector<std::tuple<uint64_t, std::string, std::string>> AuditEvents(uint16_t type);

 private:
  TempDir dir_;
  std::unique_ptr<Archive> archive_;
  std::unique_ptr<ApiContext> context_;
  std::unique_ptr<Api> api_;
  std::vector<RecordId> ids_;
  std::vector<VerifierKey> keys_;
  std::map<std::string, std::string> token_ids_;  // secret -> id
};

}  // namespace chainmail::testing

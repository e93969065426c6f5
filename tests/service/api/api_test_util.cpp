#include "tests/service/api/api_test_util.h"

#include <gtest/gtest.h>

#include "audit/checkpoint_signing.h"
#include "audit/decided_ingest.h"
#include "audit/policy_decision.h"

namespace chainmail::testing {

ApiFixture::ApiFixture(int messages, bool signed_checkpoints) {
  if (!signed_checkpoints) {
    archive_ = OpenArchive(dir_.path());
  } else {
    auto key = std::make_shared<Ed25519SigningKey>(std::move(*Ed25519SigningKey::Generate()));
    ArchiveOptions o;
    o.data_dir = dir_.path();
    o.origin_name = "test.example";
    o.min_free_bytes = 0;
    o.checkpoint_signer = CheckpointSigner(key);
    auto a = Archive::Open(o);
    EXPECT_TRUE(a.ok()) << a.status().message();
    if (a.ok()) {
      archive_ = std::move(*a);
      keys_ = *LogVerifierKeys(archive_->identity(), *key);
    }
  }
  ApiLimits limits;
  context_ = std::make_unique<ApiContext>(*archive_, limits);
  api_ = std::make_unique<Api>(*context_);
  for (int i = 0; i < messages; ++i) AddMessage(SampleMessage(i));
}

ApiFixture::~ApiFixture() {
  api_.reset();
  context_.reset();
  archive_.reset();
}

RecordId ApiFixture::AddMessage(const std::string& bytes, const std::string& rcpt) {
  DecidedIngest ingest(*archive_, DefaultPolicy);
  RecordId id = Ingest(ingest, bytes, rcpt);
  ids_.push_back(id);
  return id;
}

std::string ApiFixture::Token(Role role, std::optional<int64_t> expires_us) {
  auto issued = CreateApiToken(*archive_, LocalUserEvent(0, "", ""), role,
                               std::string(RoleName(role)) + " " + std::to_string(token_ids_.size()), expires_us);
  EXPECT_TRUE(issued.ok()) << issued.status().message();
  if (!issued.ok()) return "";
  token_ids_[issued->secret] = issued->token.id;
  return issued->secret;
}

void ApiFixture::Revoke(const std::string& secret) {
  auto r = RevokeApiToken(*archive_, LocalUserEvent(0, "", ""), token_ids_.at(secret));
  EXPECT_TRUE(r.ok()) << r.status().message();
}

ApiResponse ApiFixture::Call(const std::string& method, const std::string& path, const std::string& token,
                             const std::string& body, const std::vector<std::pair<std::string, std::string>>& query) {
  ApiRequest r;
  r.method = method;
  r.path = path;
  r.query = query;
  r.body = body;
  r.client_address = "127.0.0.1";
  if (!token.empty()) r.headers["authorization"] = "Bearer " + token;
  if (!body.empty()) r.headers["content-type"] = "application/json";
  return api_->Handle(r);
}

std::string ApiFixture::Body(const ApiResponse& r) {
  if (!r.stream) return r.body;
  std::string out;
  Status s = r.stream([&out](std::string_view piece) {
    out.append(piece);
    return Status::Ok();
  });
  EXPECT_TRUE(s.ok()) << s.message();
  return out;
}

std::vector<std::tuple<uint64_t, std::string, std::string>> ApiFixture::AuditEvents(uint16_t type) {
  auto db = OpenDb(dir_.path());
  Statement st = db->Prepare("SELECT seq, actor, outcome FROM audit_events WHERE type = ? ORDER BY seq");
  st.Bind(1, static_cast<int64_t>(type));
  std::vector<std::tuple<uint64_t, std::string, std::string>> out;
  while (st.Step()) out.emplace_back(static_cast<uint64_t>(st.Int(0)), std::string(st.Text(1)), std::string(st.Text(2)));
  return out;
}

}  // namespace chainmail::testing

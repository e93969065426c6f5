#include <iomanip>
#include <iostream>

#include "archive/archive.h"
#include "archive/format/rfc3339.h"
#include "audit/api_tokens.h"
#include "service/cli/cli_options.h"
#include "service/cli/commands.h"

namespace chainmail {
namespace {

int TokenUsage() {
  std::cerr << "usage: chainmail token create --role admin|officer|auditor --name NAME [--expires DAYS]\n"
               "       chainmail token list\n"
               "       chainmail token revoke ID\n";
  return 2;
}

std::string When(const std::optional<int64_t>& us) { return us ? FormatRfc3339(*us) : "-"; }

int Create(const Config& config, const std::vector<std::string>& args) {
  std::optional<Role> role;
  std::string name;
  std::optional<int64_t> days;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (i + 1 >= args.size()) return TokenUsage();
    const std::string& v = args[++i];
    if (a == "--role") {
      role = ParseRole(v);
      if (!role) return TokenUsage();
    } else if (a == "--name") {
      name = v;
    } else if (a == "--expires") {
      try {
        size_t used = 0;
        days = std::stoll(v, &used);
        if (used != v.size() || *days < 1 || *days > 3650) throw std::out_of_range("days");
      } catch (const std::exception&) {
        std::cerr << "chainmail: --expires takes a number of days, 1-3650\n";
        return 2;
      }
    } else {
      return TokenUsage();
    }
  }
  if (!role || name.empty()) return TokenUsage();
  auto archive = OpenExistingArchive(config);
  if (!archive.ok()) {
    std::cerr << "chainmail: " << archive.status().message() << "\n";
    return 1;
  }
  std::optional<int64_t> expires;
  if (days)
    expires = UnixNowUs() + *days * 86'400'000'000LL;
  auto issued = CreateApiToken(**archive, LocalUserEvent(0, "", ""), *role, name, expires);
  if (!issued.ok()) {
    std::cerr << "chainmail: " << issued.status().message() << "\n";
    return 1;
  }
  std::cerr << "created " << RoleName(*role) << " token " << issued->token.id << " \"" << issued->token.name
            << "\" (expires " << When(issued->token.expires_us)
            << "); the secret below is shown only now — store it safely\n";
  std::cout << issued->secret << std::endl;
  return 0;
}

int List(const Config& config) {
  auto db = Database::Open(DatabasePath(config.data_dir), Database::Mode::kReadOnly);
  if (!db.ok()) {
    std::cerr << "chainmail: " << db.status().message() << "\n";
    return 1;
  }
  auto tokens = ListApiTokens(**db);
  if (!tokens.ok()) {
    std::cerr << "chainmail: " << tokens.status().message() << "\n";
    return 1;
  }
  std::cout << std::left << std::setw(17) << "ID" << std::setw(8) << "ROLE" << std::setw(28) << "CREATED"
            << std::setw(28) << "EXPIRES" << std::setw(28) << "REVOKED" << std::setw(28) << "LAST USED" << "NAME\n";
  for (const ApiToken& t : *tokens)
    std::cout << std::setw(17) << t.id << std::setw(8) << RoleName(t.role) << std::setw(28)
              << FormatRfc3339(t.created_us) << std::setw(28) << When(t.expires_us) << std::setw(28)
              << When(t.revoked_us) << std::setw(28) << When(t.last_used_us) << t.name << "\n";
  return 0;
}

int Revoke(const Config& config, const std::string& id) {
  auto archive = OpenExistingArchive(config);
  if (!archive.ok()) {
    std::cerr << "chainmail: " << archive.status().message() << "\n";
    return 1;
  }
  auto revoked = RevokeApiToken(**archive, LocalUserEvent(0, "", ""), id);
  if (!revoked.ok()) {
    std::cerr << "chainmail: " << revoked.status().message() << "\n";
    return 1;
  }
  std::cout << "revoked " << RoleName(revoked->role) << " token " << id << " \"" << revoked->name << "\"\n";
  return 0;
}

}  // namespace

// `chainmail token create|list|revoke`: the host is where officer and auditor tokens come
// from (over REST an admin manages admin tokens only). Each change is audited with the
// local user as actor.
int TokenCommand(const Config& config, const std::vector<std::string>& args) {
  if (args.empty()) return TokenUsage();
  if (args[0] == "create") return Create(config, args);
  if (args[0] == "list" && args.size() == 1) return List(config);
  if (args[0] == "revoke" && args.size() == 2) return Revoke(config, args[1]);
  return TokenUsage();
}

}  // namespace chainmail

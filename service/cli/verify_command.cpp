#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "archive/archive_verifier.h"
#include "audit/audit_checker.h"
#include "service/cli/commands.h"

namespace chainmail {

int VerifyCommand(const Config& config, const std::vector<std::string>& args) {
  if (!args.empty()) {
    std::cerr << "usage: chainmail verify\n";
    return 2;
  }
  VerifyOptions options;
  options.audit_checker = std::make_shared<AuditChecker>();
  if (isatty(STDERR_FILENO))
    options.progress = [](uint64_t done, uint64_t total) {
      std::fprintf(stderr, "\rverifying %llu/%llu", static_cast<unsigned long long>(done),
                   static_cast<unsigned long long>(total));
    };
  auto report = VerifyArchive(config.data_dir, options);
  if (options.progress) std::fprintf(stderr, "\n");
  if (!report.ok()) {
    std::cout << "INVALID: " << report.status().message() << "\n";
    return 1;
  }
  for (const VerifyProblem& p : report->problems) {
    std::cout << "INVALID";
    if (!p.log.empty()) std::cout << " " << p.log;
    if (p.seq != UINT64_MAX) std::cout << " seq " << p.seq;
    if (!p.record_id.empty()) std::cout << " record " << p.record_id;
    std::cout << ": " << p.what << "\n";
  }
  std::cout << "messages log: " << report->message_leaves << " records, " << report->raw_bytes
            << " raw bytes checked; audit log: " << report->audit_leaves << " records; "
            << report->problems.size() << " problems: " << (report->ok() ? "all valid" : "INVALID") << "\n";
  return report->ok() ? 0 : 1;
}

}  // namespace chainmail

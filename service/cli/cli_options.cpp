#include "service/cli/cli_options.h"

#include <filesystem>

#include "service/config/archive_options.h"

namespace chainmail {

Result<Config> ParseCliOptions(std::vector<std::string>& args) {
  std::string file;
  std::vector<std::string> overrides, rest;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    bool has_value = i + 1 < args.size();
    if (a == "--config" && has_value) file = args[++i];
    else if (a == "--set" && has_value) overrides.push_back(args[++i]);
    else if (a == "--data" && has_value) overrides.push_back("data.dir=" + args[++i]);
    else rest.push_back(a);
  }
  args = std::move(rest);
  return Config::Load(file, overrides);
}

Result<std::unique_ptr<Archive>> OpenExistingArchive(const Config& config) {
  auto options = ArchiveOptionsFrom(config, SigningKeyUse::kIfReadable);
  if (!options.ok()) return options.status();
  options->must_exist = true;
  auto archive = Archive::Open(*options);
  if (!archive.ok() && archive.status().code() == Status::Code::kNotFound) {
    std::error_code ec;
    const std::filesystem::path dir = std::filesystem::absolute(config.data_dir, ec);
    return Status::NotFound("no archive at " + (ec ? config.data_dir : dir.lexically_normal().string()) +
                            " (start chainmaild once, or pass --data/--config)");
  }
  return archive;
}

}  // namespace chainmail

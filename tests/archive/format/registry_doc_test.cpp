// docs/payload-registry.md and archive/format/payload_registry.cpp list the same codes.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <tuple>

#include "archive/format/payload_registry.h"

namespace chainmail {
namespace {

using Entry = std::tuple<int, int, std::string>;  // section, code, name

std::set<Entry> FromDoc() {
  std::ifstream in(std::string(CHAINMAIL_SOURCE_DIR) + "/docs/payload-registry.md");
  std::set<Entry> out;
  std::string line;
  int section = -1;
  const std::regex row(R"(^\| `0x([0-9a-f]{4})` \| ([a-z_.0-9]+) \|)");
  while (std::getline(in, line)) {
    if (line.rfind("## Message payload tags", 0) == 0) section = 0;
    if (line.rfind("## Audit payload tags", 0) == 0) section = 1;
    if (line.rfind("## Audit event type codes", 0) == 0) section = 2;
    std::smatch m;
    if (section >= 0 && std::regex_search(line, m, row))
      out.insert({section, std::stoi(m[1], nullptr, 16), m[2]});
  }
  return out;
}

TEST(RegistryDoc, ListsExactlyTheCodesInTheCode) {
  std::set<Entry> code;
  for (const auto& e : PayloadRegistry())
    code.insert({static_cast<int>(e.kind), e.code, std::string(e.name)});
  std::set<Entry> doc = FromDoc();
  ASSERT_FALSE(doc.empty()) << "docs/payload-registry.md not found or unparsable";
  EXPECT_EQ(doc, code);
}

TEST(RegistryDoc, CodesAreUniquePerKind) {
  std::set<std::pair<int, int>> seen;
  for (const auto& e : PayloadRegistry())
    EXPECT_TRUE(seen.insert({static_cast<int>(e.kind), e.code}).second) << e.name;
}

}  // namespace
}  // namespace chainmail

#include "service/config/config.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <set>

#include "service/config/config_keys.h"

namespace chainmail {
namespace {

std::string WriteTemp(const std::string& text) {
  char path[] = "/tmp/chainmail-config-XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  std::ofstream(path) << text;
  return path;
}

TEST(Config, ExampleFileListsEveryKeyWithItsDefault) {
  const std::string path = std::string(CHAINMAIL_SOURCE_DIR) + "/chainmail.ini";
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  std::set<std::string> listed;
  std::string line, section;
  const std::regex kv(R"(^([a-z_]+) =\s?(.*)$)");
  while (std::getline(in, line)) {
    std::smatch m;
    if (line.size() > 2 && line.front() == '[') section = line.substr(1, line.size() - 2);
    else if (std::regex_match(line, m, kv)) {
      const std::string key = section + "." + m[1].str();
      const ConfigKey* k = FindConfigKey(key);
      ASSERT_NE(k, nullptr) << "chainmail.ini lists unknown key " << key;
      EXPECT_EQ(m[2].str(), k->default_value) << key;
      listed.insert(key);
    }
  }
  for (const ConfigKey& k : ConfigKeys()) EXPECT_TRUE(listed.count(std::string(k.name))) << k.name << " missing";
  auto loaded = Config::Load(path, {});
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  auto defaults = Config::Load("", {});
  EXPECT_EQ(loaded->effective, defaults->effective);
}

TEST(Config, ReadmeDocumentsEveryKey) {
  std::ifstream in(std::string(CHAINMAIL_SOURCE_DIR) + "/README.md");
  std::string readme((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(readme.empty());
  for (const ConfigKey& k : ConfigKeys())
    EXPECT_NE(readme.find("`" + std::string(k.name) + "`"), std::string::npos) << k.name << " not in README.md";
}

TEST(Config, EmbeddedDefaultsAreLoopbackAndVar) {
  auto c = Config::Load("", {});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->data_dir, "./var");
  EXPECT_EQ(c->smtp_listen, "127.0.0.1:2525");
  EXPECT_EQ(c->http_listen, "127.0.0.1:8025");
  EXPECT_EQ(c->command_timeout_s, 300u);
  EXPECT_EQ(c->zstd_level, 3);
  EXPECT_TRUE(c->journal_recipients.empty());
}

TEST(Config, OverridesWinOverTheFile) {
  std::string f = WriteTemp("[smtp]\nmax_recipients = 10\n");
  auto c = Config::Load(f, {"smtp.max_recipients=20", "smtp.journal_recipients = A@X.example, b@y.example"});
  std::remove(f.c_str());
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->max_recipients, 20u);
  EXPECT_EQ(c->journal_recipients, (std::vector<std::string>{"a@x.example", "b@y.example"}));
}

TEST(Config, UnknownKeyInFileNamesTheLine) {
  std::string f = WriteTemp("[smtp]\nlisten = 127.0.0.1:25\nmax_recipent = 5\n");
  auto c = Config::Load(f, {});
  std::remove(f.c_str());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find(":3: unknown configuration key 'smtp.max_recipent'"), std::string::npos)
      << c.status().message();
}

TEST(Config, BadValuesAreRefusedWithTheKeyNamed) {
  for (const char* bad : {"smtp.max_recipients=0", "smtp.max_recipients=ten", "smtp.require_tls=maybe",
                          "archive.zstd_level=30", "smtp.command_timeout_s=-1", "service.mode=relay",
                          "smtp.journal_recipients=not-an-address", "smtp.tls_cert=/x.pem"}) {
    auto c = Config::Load("", {bad});
    ASSERT_FALSE(c.ok()) << bad;
    std::string key = std::string(bad).substr(0, std::string(bad).find('='));
    if (key != "smtp.tls_cert") EXPECT_NE(c.status().message().find(key), std::string::npos) << c.status().message();
  }
}

// One archive record lists at most 65,535 recipients (the payload's list count is 16-bit);
// a larger limit would let a fully received message fail to archive.
TEST(Config, MaxRecipientsStopsAtWhatOneRecordCanList) {
  auto largest = Config::Load("", {"smtp.max_recipients=65535"});
  ASSERT_TRUE(largest.ok()) << largest.status().message();
  EXPECT_EQ(largest->max_recipients, 65535u);
  auto over = Config::Load("", {"smtp.max_recipients=65536"});
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.status().message().find("smtp.max_recipients"), std::string::npos) << over.status().message();
}

TEST(Config, DeniedClientCapAndMessageTimeoutDefaultAndParse) {
  auto d = Config::Load("", {});
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->max_denied_connections, 8u);
  EXPECT_EQ(d->message_timeout_s, 0u) << "0: the size-scaled default";
  auto set = Config::Load("", {"smtp.max_denied_connections=2", "smtp.message_timeout_s=900"});
  ASSERT_TRUE(set.ok()) << set.status().message();
  EXPECT_EQ(set->max_denied_connections, 2u);
  EXPECT_EQ(set->message_timeout_s, 900u);
  EXPECT_FALSE(Config::Load("", {"smtp.max_denied_connections=0"}).ok()) << "outsiders are answered, at least one";
}

TEST(Config, MissingFileIsRefused) {
  auto c = Config::Load("/nonexistent/chainmail.ini", {});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("/nonexistent/chainmail.ini"), std::string::npos) << c.status().message();
}

// std::ifstream opens a directory without complaint and reads nothing from it: without
// the check this was an empty file, all defaults.
TEST(Config, DirectoryIsRefusedNotReadAsEmpty) {
  char dir[] = "/tmp/chainmail-config-dir-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  auto c = Config::Load(dir, {});
  rmdir(dir);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("is not a regular file"), std::string::npos) << c.status().message();
  EXPECT_NE(c.status().message().find(dir), std::string::npos) << c.status().message();
}

TEST(Config, DeviceIsRefused) {
  auto c = Config::Load("/dev/null", {});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("is not a regular file"), std::string::npos) << c.status().message();
}

TEST(Config, SetWithoutEqualsIsRefused) {
  EXPECT_FALSE(Config::Load("", {"smtp.listen"}).ok());
}

}  // namespace
}  // namespace chainmail

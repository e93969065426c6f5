// ParseRequestTarget: what routing and the handlers see of a request target.
#include "service/http/request_target.h"

#include <gtest/gtest.h>

namespace chainmail {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST(RequestTarget, PlusInTheQueryIsASpaceAsFormsSendIt) {
  auto t = ParseRequestTarget("/api/v1/messages?q=quokka+OR+zeppelin&mail_from=a%2Bb%40x.test");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->query, (Pairs{{"q", "quokka OR zeppelin"}, {"mail_from", "a+b@x.test"}}));
}

TEST(RequestTarget, PlusInThePathStaysAPlus) {
  auto t = ParseRequestTarget("/api/v1/messages/a+b");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->path, "/api/v1/messages/a+b");
}

TEST(RequestTarget, PercentEscapesDecodeInNamesAndValues) {
  auto t = ParseRequestTarget("/x?su%62ject=caf%C3%A9%20au%20lait&empty=&flag");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->query, (Pairs{{"subject", "café au lait"}, {"empty", ""}, {"flag", ""}}));
}

TEST(RequestTarget, TraversalEncodedSlashesAndControlsAreRefused) {
  for (const char* bad : {"/api/../x", "/api/./x", "/a%2Fb", "/a%5cb", "/a%00b", "/a%0Ab", "/a b", "/x#frag", "/x?a=%G1"})
    EXPECT_FALSE(ParseRequestTarget(bad).ok()) << bad;
}

}  // namespace
}  // namespace chainmail

// JsonWriter: the members search answers are built from, each checked against the exact
// text it must append, escapes included.
#include "service/api/json_writer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace chainmail {
namespace {

TEST(JsonWriter, ObjectMembersInOrderWithCommas) {
  JsonWriter w = JsonWriter::Object();
  w.Str("a", "x\"y").Int("n", -3).Bool("t", true).Null("z").Raw("r", "[1]");
  EXPECT_EQ(w.Done(), R"({"a":"x\"y","n":-3,"t":true,"z":null,"r":[1]})");
}

TEST(JsonWriter, HexIsLowercaseDigitsOfEveryByte) {
  JsonWriter w = JsonWriter::Object();
  w.Hex("h", std::string("\x00\x0f\xa5\xff", 4)).Hex("empty", "");
  EXPECT_EQ(w.Done(), R"({"h":"000fa5ff","empty":""})");
}

TEST(JsonWriter, StrsIsAnArrayOfQuotedStrings) {
  JsonWriter w = JsonWriter::Object();
  w.Strs("none", {}).Strs("one", {"a@b"}).Strs("two", {"x\\", "\n\x01"});
  EXPECT_EQ(w.Done(), R"({"none":[],"one":["a@b"],"two":["x\\","\u000a\u0001"]})");
}

TEST(JsonWriter, TimeIsRfc3339WithMicroseconds) {
  JsonWriter w = JsonWriter::Object();
  w.Time("t", 1764244110123456).OptTime("none", std::nullopt).OptTime("zero", 0);
  EXPECT_EQ(w.Done(), R"({"t":"2025-11-27T11:48:30.123456Z","none":null,"zero":"1970-01-01T00:00:00.000000Z"})");
}

TEST(JsonWriter, ArraysAndReserveChangeNothingInTheText) {
  JsonWriter a = JsonWriter::Array();
  a.Reserve(4096).Str("q").Raw("{}");
  EXPECT_EQ(a.Done(), R"(["q",{}])");
  EXPECT_EQ(JsonWriter::Array().Done(), "[]");
  EXPECT_EQ(JsonWriter::Object().Done(), "{}");
}

}  // namespace
}  // namespace chainmail

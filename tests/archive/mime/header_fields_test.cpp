// HeaderFieldReader and Unfold: splitting the header block into raw fields.
#include "archive/mime/header_fields.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace chainmail {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

Fields ReadAll(HeaderFieldReader& reader) {
  Fields fields;
  HeaderField f;
  while (reader.Next(&f)) fields.emplace_back(f.name, f.raw_value);
  EXPECT_FALSE(reader.Next(&f));  // stays at the end
  return fields;
}

TEST(HeaderFieldsTest, RawValuesKeepFoldsAndEndAtTheEmptyLine) {
  HeaderFieldReader reader("A: 1\r\n 2\r\nB:3\n\tx\r\rC: body\r\n");
  EXPECT_EQ(ReadAll(reader), (Fields{{"A", " 1\r\n 2"}, {"B", "3\n\tx"}}));
  EXPECT_TRUE(reader.found_end());
}

TEST(HeaderFieldsTest, EndOfDataWithoutEmptyLine) {
  HeaderFieldReader reader("A: 1\r\nB: 2");
  EXPECT_EQ(ReadAll(reader), (Fields{{"A", " 1"}, {"B", " 2"}}));
  EXPECT_FALSE(reader.found_end());
}

TEST(HeaderFieldsTest, InvalidNamesAreSkippedWithTheirContinuations) {
  HeaderFieldReader reader(
      "From x@y Mon Jan 1 10:00:00 2024\r\nBad Name: v\r\n cont\r\n: empty\r\n"
      "\x80N: v\r\nnocolon\r\n more\r\nGood: yes\r\n\r\n");
  EXPECT_EQ(ReadAll(reader), (Fields{{"Good", " yes"}}));
  EXPECT_TRUE(reader.found_end());
}

TEST(HeaderFieldsTest, WhitespaceBeforeColonIsNotPartOfTheName) {
  HeaderFieldReader reader("Subject \t:v\r\n\r\n");
  EXPECT_EQ(ReadAll(reader), (Fields{{"Subject", "v"}}));
}

TEST(HeaderFieldsTest, EightBitIsTrackedOnlyInsideTheBlock) {
  HeaderFieldReader in_block("A: \xC3\xA9\r\n\r\n");
  ReadAll(in_block);
  EXPECT_TRUE(in_block.eight_bit());
  HeaderFieldReader in_body("A: e\r\n\r\n\xC3\xA9");
  ReadAll(in_body);
  EXPECT_FALSE(in_body.eight_bit());
}

TEST(HeaderFieldsTest, UnfoldRemovesLineBreaksOnly) {
  EXPECT_EQ(Unfold(" a\r\n b\n\tc\r d"), " a b\tc d");
}

}  // namespace
}  // namespace chainmail

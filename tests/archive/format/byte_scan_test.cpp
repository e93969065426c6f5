// The SWAR scans must agree with the obvious byte loop at every offset and alignment.
#include "archive/format/byte_scan.h"

#include <gtest/gtest.h>

#include <string>

namespace chainmail {
namespace {

TEST(ByteScanTest, FindCrOrLfAtEveryPositionAndAlignment) {
  for (size_t offset = 0; offset < 8; ++offset) {
    for (size_t length = 0; length < 40; ++length) {
      for (size_t at = 0; at <= length; ++at) {
        for (char mark : {'\r', '\n'}) {
          // Bytes one off from CR / LF must not match.
          std::string buffer(offset + length + 8, '\x0c');
          for (size_t i = 0; i < buffer.size(); ++i) buffer[i] = i % 2 ? '\x0b' : '\x0e';
          if (at < length) buffer[offset + at] = mark;
          buffer[offset + length] = '\n';  // beyond the range: must not be seen
          const char* begin = buffer.data() + offset;
          EXPECT_EQ(FindCrOrLf(begin, begin + length) - begin, static_cast<long>(at))
              << offset << " " << length << " " << at;
        }
      }
    }
  }
}

TEST(ByteScanTest, FindCrOrLfReturnsTheFirstOfSeveral) {
  const std::string s = "abcdefghijk\nlm\rno";
  EXPECT_EQ(FindCrOrLf(s.data(), s.data() + s.size()) - s.data(), 11);
  const std::string t = "abcdefghij\r\n";
  EXPECT_EQ(FindCrOrLf(t.data(), t.data() + t.size()) - t.data(), 10);
}

TEST(ByteScanTest, HasEightBitAtEveryPosition) {
  for (size_t length = 0; length < 40; ++length) {
    EXPECT_FALSE(HasEightBit(std::string(length, '\x7f')));
    for (size_t at = 0; at < length; ++at) {
      std::string s(length, 'a');
      s[at] = '\x80';
      EXPECT_TRUE(HasEightBit(s)) << length << " " << at;
    }
  }
}

}  // namespace
}  // namespace chainmail

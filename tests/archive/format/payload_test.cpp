#include "archive/format/payload.h"

#include <gtest/gtest.h>

#include "archive/format/message_payload.h"

namespace chainmail {
namespace {

TEST(Payload, WriterEncodesTagLengthValue) {
  PayloadWriter w;
  w.AddU16(1, 0x0203);
  w.AddBytes(2, "ab");
  EXPECT_EQ(w.bytes(), std::string("\x00\x01\x00\x00\x00\x02\x02\x03\x00\x02\x00\x00\x00\x02" "ab", 16));
}

TEST(Payload, WriterRefusesDescendingTags) {
  PayloadWriter w;
  w.AddU8(5, 1);
  EXPECT_THROW(w.AddU8(5, 1), std::logic_error);
  EXPECT_THROW(w.AddU8(4, 1), std::logic_error);
}

TEST(Payload, ListRoundTrips) {
  PayloadWriter w;
  w.AddList(3, {"<a@b>", "", "<c@d> NOTIFY=NEVER"});
  auto f = PayloadFields::Parse(w.bytes());
  ASSERT_TRUE(f.ok());
  auto list = f->GetList(3);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(*list, (std::vector<std::string>{"<a@b>", "", "<c@d> NOTIFY=NEVER"}));
}

TEST(Payload, OutOfOrderTagsAreCorruption) {
  PayloadWriter a, b;
  a.AddU8(2, 1);
  b.AddU8(1, 1);
  EXPECT_FALSE(PayloadFields::Parse(a.bytes() + b.bytes()).ok());
}

TEST(Payload, DuplicateTagsAreCorruption) {
  PayloadWriter a;
  a.AddU8(2, 1);
  EXPECT_FALSE(PayloadFields::Parse(a.bytes() + a.bytes()).ok());
}

TEST(Payload, TruncationAndTrailingBytesAreCorruption) {
  PayloadWriter a;
  a.AddBytes(1, "hello");
  const Bytes& b = a.bytes();
  for (size_t n = 1; n < b.size(); ++n) EXPECT_FALSE(PayloadFields::Parse(b.substr(0, n)).ok()) << n;
  EXPECT_FALSE(PayloadFields::Parse(b + std::string(1, '\0')).ok());
}

TEST(Payload, ListWithTrailingBytesIsCorruption) {
  PayloadWriter w;
  w.AddBytes(3, std::string("\x00\x01\x00\x01" "ax", 6));
  auto f = PayloadFields::Parse(w.bytes());
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(f->GetList(3).ok());
}

MessagePayload SampleSmtp() {
  MessagePayload m;
  m.mail_from = "<a@example.com> SIZE=10 BODY=8BITMIME";
  m.rcpt_to = {"<journal@archive.example>"};
  m.helo_verb = "EHLO";
  m.helo_name = "gw.example.com";
  m.client_address = "192.0.2.1";
  m.client_port = 40000;
  m.server_address = "127.0.0.1:2525";
  m.session_id = std::string(16, '\x07');
  m.received_time_us = 1;
  m.raw_length = 10;
  m.flags = 3;
  return m;
}

TEST(MessagePayload, SmtpRoundTrips) {
  MessagePayload m = SampleSmtp();
  auto d = MessagePayload::Decode(m.Encode());
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->Encode(), m.Encode());
  EXPECT_EQ(d->mail_from, m.mail_from);
  EXPECT_EQ(d->client_port, 40000);
}

TEST(MessagePayload, ImportRoundTrips) {
  MessagePayload m;
  m.source = MessageSource::kImport;
  m.transfer = Transfer::kImport;
  m.import_name = "box.mbox#3";
  auto d = MessagePayload::Decode(m.Encode());
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->import_name, "box.mbox#3");
}

TEST(MessagePayload, UnknownTagIsCorruption) {
  Bytes b = SampleSmtp().Encode();
  PayloadWriter extra;
  extra.AddU8(0x00ff, 1);
  EXPECT_FALSE(MessagePayload::Decode(b + extra.bytes()).ok());
}

TEST(MessagePayload, MissingRequiredTagIsCorruption) {
  PayloadWriter w;
  w.AddU8(msgtag::kSource, 1);
  EXPECT_FALSE(MessagePayload::Decode(w.bytes()).ok());
}

}  // namespace
}  // namespace chainmail

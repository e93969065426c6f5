#include "archive/format/record_id.h"

#include <chrono>
#include <cstring>
#include <mutex>

#include "archive/format/secure_random.h"

namespace chainmail {

RecordId RecordId::Generate() {
  // RFC 9562 6.2 method 1: a 12-bit counter in rand_a keeps ids monotonic within a
  // millisecond; the counter's start is random so ids are not guessable from each other.
  static std::mutex mu;
  static uint64_t last_ms = 0;
  static uint16_t counter = 0;
  RecordIdBytes b{};
  SecureRandom(b.data(), b.size());
  uint64_t ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count());
  {
    std::lock_guard<std::mutex> lock(mu);
    if (ms <= last_ms) {
      ms = last_ms;
      if (++counter > 0x0fff) {  // counter exhausted: borrow the next millisecond
        ++ms;
        counter = (b[6] & 0x03) << 8 | b[7];
      }
    } else {
      counter = (b[6] & 0x03) << 8 | b[7];  // start low, leaving room to count up
    }
    last_ms = ms;
    for (int i = 0; i < 6; ++i) b[i] = static_cast<uint8_t>(ms >> (40 - 8 * i));
    b[6] = static_cast<uint8_t>(0x70 | (counter >> 8));
    b[7] = static_cast<uint8_t>(counter & 0xff);
  }
  b[8] = static_cast<uint8_t>(0x80 | (b[8] & 0x3f));  // variant 10
  return RecordId(b);
}

std::string RecordId::ToString() const {
  std::string hex = ToHex(bytes_.data(), bytes_.size());
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

std::optional<RecordId> RecordId::Parse(std::string_view text) {
  std::string hex;
  if (text.size() == 36) {
    for (size_t i = 0; i < text.size(); ++i) {
      bool dash_pos = i == 8 || i == 13 || i == 18 || i == 23;
      if (dash_pos != (text[i] == '-')) return std::nullopt;
      if (!dash_pos) hex.push_back(text[i]);
    }
  } else if (text.size() == 32) {
    hex = std::string(text);
  } else {
    return std::nullopt;
  }
  auto b = FromHex(hex);
  if (!b) return std::nullopt;
  return FromBytes(*b);
}

RecordId RecordId::FromBytes(std::string_view b) {
  RecordIdBytes out{};
  std::memcpy(out.data(), b.data(), std::min(b.size(), out.size()));
  return RecordId(out);
}

}  // namespace chainmail

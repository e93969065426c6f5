// ExpectFailure: asserts that a Status or Result failed with a message naming the problem,
// so each rejection test pins the reason, not merely the failure.
#pragma once

#include <gtest/gtest.h>

#include <string_view>

#include "archive/format/status.h"

namespace chainmail {

inline void ExpectFailure(const Status& status, std::string_view fragment) {
  EXPECT_FALSE(status.ok()) << "expected a failure mentioning: " << fragment;
  EXPECT_NE(status.message().find(fragment), std::string::npos)
      << "message: " << status.message() << "\nexpected fragment: " << fragment;
}

template <typename T>
void ExpectFailure(const Result<T>& result, std::string_view fragment) {
  EXPECT_FALSE(result.ok()) << "expected a failure mentioning: " << fragment;
  if (!result.ok()) ExpectFailure(result.status(), fragment);
}

}  // namespace chainmail

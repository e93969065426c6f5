// Test helpers for Status and Result: ExpectFailure asserts a failure whose message names
// the problem, so each rejection test pins the reason, not merely the failure; ValueOrThrow
// unwraps a Result that setup needs, failing the test (not crashing it) when it is absent.
#pragma once

#include <gtest/gtest.h>

#include <stdexcept>
#include <string_view>
#include <utility>

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

// GoogleTest reports the exception as a failure of the running test.
template <typename T>
T ValueOrThrow(Result<T> result) {
  if (!result.ok()) throw std::runtime_error("unexpected failure: " + result.status().message());
  return std::move(*result);
}

}  // namespace chainmail

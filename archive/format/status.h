// Status and Result<T>: expected failures as values, not exceptions.
//
// A Status is OK or carries a code and a human-readable message. Result<T> holds either a
// value or a non-OK Status. Both are plain values: copy them freely; const methods are
// safe to call from several threads at once.
#pragma once

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

namespace chainmail {

class Status {
 public:
  enum class Code {
    kOk,
    kInvalidArgument,  // the caller's input is wrong
    kNotFound,
    kCorruption,       // stored data fails a check
    kIoError,          // the OS or SQLite failed
    kNoSpace,          // disk or spool full: a temporary condition for SMTP (452 4.3.1)
    kUnavailable,      // try again later (busy, shutting down)
    kLimitExceeded,
  };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status Corruption(std::string m) { return {Code::kCorruption, std::move(m)}; }
  static Status IoError(std::string m) { return {Code::kIoError, std::move(m)}; }
  static Status NoSpace(std::string m) { return {Code::kNoSpace, std::move(m)}; }
  static Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
  static Status LimitExceeded(std::string m) { return {Code::kLimitExceeded, std::move(m)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  Status(Code c, std::string m) : code_(c), message_(std::move(m)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

// An OS call's failure: `what` and the text of errno value `err`, as NoSpace for a full
// disk or quota (ENOSPC, EDQUOT: temporary, e.g. SMTP 452 4.3.1, REST 503), else IoError.
inline Status ErrnoStatus(const std::string& what, int err) {
  std::string msg = what + ": " + std::strerror(err);
  return err == ENOSPC || err == EDQUOT ? Status::NoSpace(std::move(msg)) : Status::IoError(std::move(msg));
}

template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}                  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}           // NOLINT: must not be OK
  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() { return *value_; }
  const T& value() const { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace chainmail

// Status and Result<T>: the one error type of the core.
//
// A malformed feed or rule is expected input, not an exception, so parsers
// return a Status (or a Result<T>) whose message says what went wrong and
// where.  A default-constructed Status is OK and costs nothing.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace mineral {

class Status {
 public:
  enum class Code {
    kOk = 0,
    kInvalidArgument,  // usage or configuration error
    kParseError,       // input is not what it claims to be
    kTooLarge,         // a size or count bound was exceeded
    kUnsupported,      // recognised but not handled (format, encoding)
    kNotFound,
    kIoError,
  };

  Status() = default;

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg) {
    return {Code::kInvalidArgument, std::move(msg)};
  }
  static Status ParseError(std::string msg) { return {Code::kParseError, std::move(msg)}; }
  static Status TooLarge(std::string msg) { return {Code::kTooLarge, std::move(msg)}; }
  static Status Unsupported(std::string msg) { return {Code::kUnsupported, std::move(msg)}; }
  static Status NotFound(std::string msg) { return {Code::kNotFound, std::move(msg)}; }
  static Status IoError(std::string msg) { return {Code::kIoError, std::move(msg)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // "parse error: <message>"; "ok" for an OK status.
  std::string ToString() const;

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}

  Code code_ = Code::kOk;
  std::string message_;
};

// Either a value or a non-OK Status.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  // Precondition: ok().
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace mineral

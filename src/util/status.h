#pragma once
// Status: the outcome of an IO step. Corruption (bad bytes on disk) is kept apart from IOError
// (the OS said no), because recovery treats them differently.
//
// Thread-compatible.

#include <string>
#include <string_view>
#include <utility>

namespace arbor::util {

class [[nodiscard]] Status {
 public:
  enum class Code { kOk, kNotFound, kCorruption, kIOError, kInvalidArgument, kTornTail };

  Status() = default;
  static Status ok_status() { return Status(); }
  static Status not_found(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status corruption(std::string msg) { return Status(Code::kCorruption, std::move(msg)); }
  static Status io_error(std::string msg) { return Status(Code::kIOError, std::move(msg)); }
  static Status invalid_argument(std::string msg) {
    return Status(Code::kInvalidArgument, std::move(msg));
  }
  // The last record of a log was cut short by a crash: repairable by truncation.
  static Status torn_tail(std::string msg) { return Status(Code::kTornTail, std::move(msg)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return msg_; }
  std::string to_string() const;

 private:
  Status(Code code, std::string msg) : code_(code), msg_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string msg_;  // Empty when ok().
};

}  // namespace arbor::util

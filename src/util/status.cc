#include "util/status.h"

namespace arbor::util {

std::string Status::to_string() const {
  switch (code_) {
    case Code::kOk: return "OK";
    case Code::kNotFound: return "not found: " + msg_;
    case Code::kCorruption: return "corruption: " + msg_;
    case Code::kIOError: return "io error: " + msg_;
    case Code::kInvalidArgument: return "invalid argument: " + msg_;
    case Code::kTornTail: return "torn tail: " + msg_;
  }
  return msg_;
}

}  // namespace arbor::util

#pragma once
// etcd v2 error codes and their fixed messages (etcd 3.4 v2error). The code -> HTTP status table
// lives in http/ only; the store knows nothing of HTTP.
//
// Thread-safe (constants).

#include <cstdint>
#include <string>
#include <string_view>

namespace arbor::store {

enum class ErrorCode : uint16_t {
  kKeyNotFound = 100,
  kTestFailed = 101,
  kNotFile = 102,
  kNoMorePeer = 103,
  kNotDir = 104,
  kNodeExist = 105,
  kKeyIsPreserved = 106,
  kRootROnly = 107,
  kDirNotEmpty = 108,
  kExistingPeerAddr = 109,
  kUnauthorized = 110,
  kValueRequired = 200,
  kPrevValueRequired = 201,
  kTTLNaN = 202,
  kIndexNaN = 203,
  kValueOrTTLRequired = 204,
  kTimeoutNaN = 205,
  kNameRequired = 206,
  kIndexOrValueRequired = 207,
  kIndexValueMutex = 208,
  kInvalidField = 209,
  kInvalidForm = 210,
  kRefreshValue = 211,
  kRefreshTTLRequired = 212,
  kRaftInternal = 300,
  kLeaderElect = 301,
  kWatcherCleared = 400,
  kEventIndexCleared = 401,
  kStandbyInternal = 402,
  kInvalidActiveSize = 403,
  kInvalidRemoveDelay = 404,
  kClientInternal = 500,
};

// etcd's fixed message for `code`, e.g. "Key not found". Empty for an unknown code.
std::string_view error_message(ErrorCode code);

// A v2 error: {"errorCode":N,"message":...,"cause":...,"index":N}. `cause` is a store path
// (internal, "/1/..."), a compare-failure text or a validation text; `index` is the store index
// when the error was raised (0 for validation errors).
struct Error {
  ErrorCode code;
  std::string cause;
  uint64_t index = 0;

  friend bool operator==(const Error&, const Error&) = default;
};

}  // namespace arbor::store

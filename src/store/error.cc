#include "store/error.h"

#include "store/event.h"

namespace arbor::store {

std::string_view error_message(ErrorCode code) {
  switch (code) {
    case ErrorCode::kKeyNotFound: return "Key not found";
    case ErrorCode::kTestFailed: return "Compare failed";
    case ErrorCode::kNotFile: return "Not a file";
    case ErrorCode::kNoMorePeer: return "Reached the max number of peers in the cluster";
    case ErrorCode::kNotDir: return "Not a directory";
    case ErrorCode::kNodeExist: return "Key already exists";
    case ErrorCode::kKeyIsPreserved: return "The prefix of given key is a keyword in etcd";
    case ErrorCode::kRootROnly: return "Root is read only";
    case ErrorCode::kDirNotEmpty: return "Directory not empty";
    case ErrorCode::kExistingPeerAddr: return "Peer address has existed";
    case ErrorCode::kUnauthorized: return "The request requires user authentication";
    case ErrorCode::kValueRequired: return "Value is Required in POST form";
    case ErrorCode::kPrevValueRequired: return "PrevValue is Required in POST form";
    case ErrorCode::kTTLNaN: return "The given TTL in POST form is not a number";
    case ErrorCode::kIndexNaN: return "The given index in POST form is not a number";
    case ErrorCode::kValueOrTTLRequired: return "Value or TTL is required in POST form";
    case ErrorCode::kTimeoutNaN: return "The given timeout in POST form is not a number";
    case ErrorCode::kNameRequired: return "Name is required in POST form";
    case ErrorCode::kIndexOrValueRequired: return "Index or value is required";
    case ErrorCode::kIndexValueMutex: return "Index and value cannot both be specified";
    case ErrorCode::kInvalidField: return "Invalid field";
    case ErrorCode::kInvalidForm: return "Invalid POST form";
    case ErrorCode::kRefreshValue: return "Value provided on refresh";
    case ErrorCode::kRefreshTTLRequired: return "A TTL must be provided on refresh";
    case ErrorCode::kRaftInternal: return "Raft Internal Error";
    case ErrorCode::kLeaderElect: return "During Leader Election";
    case ErrorCode::kWatcherCleared: return "watcher is cleared due to etcd recovery";
    case ErrorCode::kEventIndexCleared: return "The event in requested index is outdated and cleared";
    case ErrorCode::kStandbyInternal: return "Standby Internal Error";
    case ErrorCode::kInvalidActiveSize: return "Invalid active size";
    case ErrorCode::kInvalidRemoveDelay: return "Standby remove delay";
    case ErrorCode::kClientInternal: return "Client Internal Error";
  }
  return {};
}

std::string_view action_name(Action action) {
  switch (action) {
    case Action::kGet: return "get";
    case Action::kSet: return "set";
    case Action::kCreate: return "create";
    case Action::kUpdate: return "update";
    case Action::kDelete: return "delete";
    case Action::kCompareAndSwap: return "compareAndSwap";
    case Action::kCompareAndDelete: return "compareAndDelete";
    case Action::kExpire: return "expire";
  }
  return {};
}

}  // namespace arbor::store

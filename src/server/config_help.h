#pragma once
// The texts of `arbor --help` in etcd 3.4's shape (see config_help.cc).
//
// Thread-safe (constants).

namespace arbor::server {

// etcd's usageline: printed (with a newline) on stderr after a flag error and for -h.
extern const char* const kUsageLine;
// etcd's flagsline: printed (with a newline) on stdout for -h / --help.
extern const char* const kFlagsLine;

}  // namespace arbor::server

#pragma once
// systemd's readiness notification (sd_notify(3)) without libsystemd: one datagram to the unix
// socket named by $NOTIFY_SOCKET (a path, or an abstract name when it starts with '@').
//
// Thread-safe.

#include <string>
#include <string_view>

namespace arbor::util {

// Sends `state` (e.g. "READY=1") to $NOTIFY_SOCKET. Returns "" when sent or when the variable is
// unset (not started by systemd, as etcd treats it), otherwise the error text.
std::string sd_notify(std::string_view state);

}  // namespace arbor::util

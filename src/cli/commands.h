#pragma once
// arborctl's commands: etcdctl v2's, with its exit codes and output, plus tree, export and
// import (transfer.cc). run() is the whole program; main.cc only guards it.
//
// Thread-compatible: one invocation per process.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cli/client.h"
#include "cli/flags.h"
#include "cli/format.h"

namespace arbor::cli {

// etcdctl v2's exit codes.
inline constexpr int kExitSuccess = 0;
inline constexpr int kExitBadArgs = 1;
inline constexpr int kExitBadConnection = 2;
inline constexpr int kExitBadAuth = 3;
inline constexpr int kExitServerError = 4;
inline constexpr int kExitClusterNotHealthy = 5;

// What one command sees: the resolved global options, its own flags and arguments.
struct Session {
  GlobalOptions global;
  const FlagSet* flags = nullptr;  // Not owned; outlives the command.
  std::vector<std::string> args;
  std::unique_ptr<Client> client;  // Set by connect().

  // The command's deadline: now + --total-timeout (none when it is 0).
  Deadline deadline() const;
};

// Runs arborctl on `args` (without argv[0]) and returns the exit code.
int run(const std::vector<std::string>& args);

// Shared by the commands (commands.cc) and the transfers (transfer.cc).
// Writes text to stdout / stderr unbuffered-enough for watches (flushes each call).
void out(std::string_view text);
void err(std::string_view text);
// etcdctl's handleError: "Error:  <text>\n" (plus the detail) on stderr. Returns `code`.
int handle_error(int code, std::string_view text, std::string_view detail = "");
// Creates s.client (mustNewClient / mustNewClientNoSync). On failure prints as etcdctl and
// returns the exit code; 0 on success.
int connect(Session& s, bool sync);
// The /v2/keys URL path of `key` (canonical and escaped).
std::string keys_path(std::string_view key);

// The outcome of one /v2/keys call as the Go client reports it.
struct KeysResult {
  std::optional<KeysResponse> response;
  std::string error;   // Error() text when !response.
  std::string detail;  // ClusterError.Detail(), or "".
  bool empty_body = false;
};
KeysResult keys_call(Session& s, const HttpRequest& req, Deadline deadline);

// arborctl's additions (transfer.cc).
int cmd_tree(Session& s);
int cmd_export(Session& s);
int cmd_import(Session& s);

}  // namespace arbor::cli

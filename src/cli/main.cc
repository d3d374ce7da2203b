// arborctl: the command-line client, etcdctl v2 compatible (see docs/arborctl.md).
// main() only guards run(): nothing the standard library throws may escape as a crash.

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "cli/commands.h"

int main(int argc, char** argv) {
  try {
    return arbor::cli::run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "Error:  %s\n", e.what());
    return arbor::cli::kExitBadArgs;
  }
}

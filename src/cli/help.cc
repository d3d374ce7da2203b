#include "cli/help.h"

namespace arbor::cli {
namespace {

const std::map<std::string, std::string>& arbor_texts() {
  static const auto* texts = new std::map<std::string, std::string>{
      {"tree", R"(NAME:
   etcdctl tree - print a directory as an indented tree with values and TTLs

USAGE:
   etcdctl tree [command options] [dir]

OPTIONS:
   --sort  list children in key order (default: true)
   
)"},
      {"export", R"(NAME:
   etcdctl export - write a whole subtree as JSON (the v2 "node" object) to stdout

USAGE:
   etcdctl export [command options] <dir>

OPTIONS:
   --progress  show a progress bar on stderr even when it is not a terminal
   
)"},
      {"import", R"(NAME:
   etcdctl import - create the keys of an exported subtree (arborctl or etcd v2 JSON) under <dir>

USAGE:
   etcdctl import [command options] <file.json> [dir]

OPTIONS:
   --progress       show a progress bar on stderr even when it is not a terminal
   --skip-existing  leave keys that already exist (resume an interrupted import)
   
)"},
      {"snapshot", R"(NAME:
   etcdctl snapshot - save a consistent snapshot of an arbor member, or restore one into a new data directory

USAGE:
   etcdctl snapshot command [command options] [arguments...]

COMMANDS:
     save     save FILE: fetch the member's snapshot (root only, GET /arbor/snapshot) into FILE
     restore  restore FILE --data-dir DIR: create DIR holding the snapshot, ready to start

OPTIONS:
   --help, -h  show help
   
)"},
      {"snapshot save", R"(NAME:
   etcdctl snapshot save - fetch a consistent snapshot of the member (root only) into a file

USAGE:
   etcdctl snapshot save <file>
   
)"},
      {"snapshot restore", R"(NAME:
   etcdctl snapshot restore - create a new data directory holding a saved snapshot

USAGE:
   etcdctl snapshot restore [command options] <file>

OPTIONS:
   --data-dir value  the data directory to create (required; must not hold a member)
   --wal-dir value   a dedicated WAL directory (default: <data-dir>/member/wal)
   --name value      when the snapshot came from several members, the one whose identity the
                     restored member keeps; it starts as a one-member cluster (default: "default")
   
)"},
  };
  return *texts;
}

}  // namespace

std::optional<std::string> help_for(std::string_view topic) {
  const std::string key(topic);
  if (auto it = arbor_texts().find(key); it != arbor_texts().end()) return it->second;
  auto it = help_texts().find(key);
  if (it == help_texts().end()) return std::nullopt;
  if (!topic.empty()) return it->second;
  // The program's help lists arborctl's own commands after etcdctl's.
  std::string text = it->second;
  const std::string anchor = "   help, h ";
  if (const size_t at = text.find(anchor); at != std::string::npos) {
    text.insert(at,
                "   tree            print a directory as an indented tree with values and TTLs\n"
                "   export          write a whole subtree as JSON to stdout\n"
                "   import          create the keys of an exported subtree under a directory\n"
                "   snapshot        save a member's snapshot, or restore one into a new data directory\n");
  }
  return text;
}

}  // namespace arbor::cli

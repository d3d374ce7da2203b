#pragma once
// The usage texts arborctl prints: etcdctl 3.4's own (help_text.cc, generated from it), keyed by
// topic ("" for the whole program, "set", "member", "member add", ...), with arborctl's
// additions (tree, export, import) listed among the commands.
//
// Thread-safe: the tables are built once and never change.

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace arbor::cli {

// etcdctl's texts, unchanged.
const std::map<std::string, std::string>& help_texts();

// The text for `topic`, with arborctl's additions; nullopt when there is no such topic.
std::optional<std::string> help_for(std::string_view topic);

}  // namespace arbor::cli

#pragma once
// Hand-written JSON for the replies whose bytes clients compare: events, v2 errors and
// {"message":...} errors, in etcd's field order and omission rules
// (../shared/spec/v2-keys-api.md §5.2, v2-errors.md §1), escaped as Go's encoding/json does.
//
// Thread-safe (pure functions).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/error.h"
#include "store/event.h"

namespace arbor::http {

// Appends `s` as a JSON string, quotes included, as Go's encoding/json writes it: `<`, `>`, `&`,
// U+2028 and U+2029 as \u escapes; control characters as \u00XX except \n \r \t; each byte of
// invalid UTF-8 as \ufffd.
void append_json_string(std::string& out, std::string_view s);

// Appends `v` as a JSON array of such strings.
void append_json_string_array(std::string& out, const std::vector<std::string>& v);

// Go's time.Time RFC3339Nano in UTC ("2026-11-22T03:25:13.55348057Z", trailing zeros trimmed).
std::string format_rfc3339_nano(int64_t unix_ns);

// Cuts the keys namespace "/1" from the start of a store path ("/1/a" -> "/a", "/1" -> "").
std::string_view trim_keys_prefix(std::string_view store_path);

// {"action":...,"node":{...},"prevNode":{...}}, keys trimmed of "/1", no trailing newline.
// `omit_nodes` drops node and prevNode (noValueOnSuccess on set/create/update/CAS).
void append_event_json(std::string& out, const store::Event& ev, bool omit_nodes = false);

// A node as etcd's NodeExtern marshals it, key trimmed of "/1".
void append_node_json(std::string& out, const store::NodeView& node);

// {"errorCode":N,"message":"...","cause":"...","index":N}; the cause trimmed of "/1" when it is
// a key path, left out when empty. No trailing newline.
void append_error_json(std::string& out, const store::Error& err);

// {"message":"..."} (httptypes.HTTPError).
std::string message_json(std::string_view message);

}  // namespace arbor::http

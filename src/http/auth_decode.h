#pragma once
// What a client sends to v2 auth, decoded as etcd 3.4 decodes it: the basic-auth header (Go's
// Request.BasicAuth) and the JSON bodies of PUT /v2/auth/users/<name> and /v2/auth/roles/<name>
// (etcd's v2 User and Role structs through Go's json.Decoder). Used by auth.cc; the fuzz targets
// (tests/fuzz/basic_auth_fuzz.cc, auth_json_fuzz.cc) check these functions directly.
//
// Thread-safe (pure functions).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace arbor::http {

// Go's base64.StdEncoding: DecodeString (padding required) and EncodeToString.
std::optional<std::string> base64_decode(std::string_view in);
std::string base64_encode(std::string_view in);

struct BasicCredentials {
  std::string user;
  std::string password;

  friend bool operator==(const BasicCredentials&, const BasicCredentials&) = default;
};

// "Basic <base64 of user:password>" ("basic" in any case), split at the first ':'; nullopt for
// anything else.
std::optional<BasicCredentials> parse_basic_auth(std::string_view header);

// A JSON string array, or nullopt for a JSON null or an absent field (Go's nil slice).
using StringList = std::optional<std::vector<std::string>>;

// The body of PUT /v2/auth/users/<name>.
struct UserBody {
  std::string user;      // "" when absent or null.
  std::string password;  // "" when absent or null.
  StringList roles;
  std::vector<std::string> grant;   // null or absent: empty.
  std::vector<std::string> revoke;  // null or absent: empty.

  friend bool operator==(const UserBody&, const UserBody&) = default;
};

// A role's {"kv":{"read":[...],"write":[...]}}.
struct PermsBody {
  StringList read;
  StringList write;

  friend bool operator==(const PermsBody&, const PermsBody&) = default;
};

// The body of PUT /v2/auth/roles/<name>.
struct RoleBody {
  std::string role;  // "" when absent or null.
  PermsBody permissions;
  PermsBody grant;
  PermsBody revoke;
  bool has_grant = false;   // "grant" present and not null.
  bool has_revoke = false;  // "revoke" present and not null.

  friend bool operator==(const RoleBody&, const RoleBody&) = default;
};

// The first JSON value of `body` decoded into the struct; nullopt when etcd answers 400
// "Invalid JSON in request body." (not an object, a field of the wrong type, bad JSON).
std::optional<UserBody> parse_user_body(std::string_view body);
std::optional<RoleBody> parse_role_body(std::string_view body);

// The bodies as JSON that the parsers read back to the same value (for tests).
std::string user_body_json(const UserBody& u);
std::string role_body_json(const RoleBody& r);

}  // namespace arbor::http

#include "http/auth_decode.h"

#include <cctype>
#include <nlohmann/json.hpp>
#include <sstream>

#include "http/json.h"

namespace arbor::http {
namespace {

using json = nlohmann::json;

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Parses one JSON value from the start of `body`, as Go's json.Decoder.Decode does (what
// follows it is not read).
std::optional<json> decode_first(std::string_view body) {
  try {
    std::istringstream in{std::string(body)};
    json j;
    in >> j;
    return j;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// A []string field: absent or null -> nullopt; an array of strings -> the list; else an error.
bool string_list(const json& obj, const char* field, StringList* out) {
  if (!obj.contains(field)) return true;
  const json& j = obj[field];
  if (j.is_null()) return true;
  if (!j.is_array()) return false;
  std::vector<std::string> v;
  for (const json& e : j) {
    if (!e.is_string()) return false;
    v.push_back(e.get<std::string>());
  }
  *out = std::move(v);
  return true;
}

// A string field: absent or null -> "", a string -> it, else an error.
bool string_field(const json& obj, const char* field, std::string* out) {
  if (!obj.contains(field) || obj[field].is_null()) return true;
  if (!obj[field].is_string()) return false;
  *out = obj[field].get<std::string>();
  return true;
}

// A *Permissions field ({"kv":{"read":..,"write":..}}); null or absent leaves `out` empty.
bool perms_field(const json& obj, const char* field, PermsBody* out) {
  if (!obj.contains(field) || obj[field].is_null()) return true;
  const json& p = obj[field];
  if (!p.is_object()) return false;
  if (!p.contains("kv") || p["kv"].is_null()) return true;
  const json& kv = p["kv"];
  if (!kv.is_object()) return false;
  return string_list(kv, "read", &out->read) && string_list(kv, "write", &out->write);
}

void append_list(std::string& out, const StringList& l) {
  if (l)
    append_json_string_array(out, *l);
  else
    out += "null";
}

void append_perms(std::string& out, const PermsBody& p) {
  out += "{\"kv\":{\"read\":";
  append_list(out, p.read);
  out += ",\"write\":";
  append_list(out, p.write);
  out += "}}";
}

}  // namespace

std::optional<std::string> base64_decode(std::string_view in) {
  if (in.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(in.size() / 4 * 3);
  uint32_t acc = 0;
  int bits = 0;
  size_t pad = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '=') {
      // Padding only in the last two places.
      if (i + 2 < in.size()) return std::nullopt;
      ++pad;
      continue;
    }
    if (pad) return std::nullopt;
    const size_t v = kAlphabet.find(c);
    if (v == std::string_view::npos) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

std::string base64_encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const uint32_t v = static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << 16 |
                       static_cast<uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8 |
                       static_cast<unsigned char>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kAlphabet[(v >> s) & 63]);
  }
  const size_t rest = in.size() - i;
  if (rest) {
    uint32_t v = static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << 16;
    if (rest == 2) v |= static_cast<uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(rest == 2 ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::optional<BasicCredentials> parse_basic_auth(std::string_view header) {
  constexpr std::string_view kPrefix = "basic ";
  if (header.size() < kPrefix.size()) return std::nullopt;
  for (size_t i = 0; i < kPrefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) != kPrefix[i]) return std::nullopt;
  auto decoded = base64_decode(header.substr(kPrefix.size()));
  if (!decoded) return std::nullopt;
  const size_t colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return BasicCredentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

std::optional<UserBody> parse_user_body(std::string_view body) {
  auto in = decode_first(body);
  if (!in || !in->is_object()) return std::nullopt;
  const json& j = *in;
  UserBody u;
  StringList grant, revoke;
  if (!string_field(j, "user", &u.user) || !string_field(j, "password", &u.password) ||
      !string_list(j, "roles", &u.roles) || !string_list(j, "grant", &grant) ||
      !string_list(j, "revoke", &revoke))
    return std::nullopt;
  u.grant = grant.value_or(std::vector<std::string>{});
  u.revoke = revoke.value_or(std::vector<std::string>{});
  return u;
}

std::optional<RoleBody> parse_role_body(std::string_view body) {
  auto in = decode_first(body);
  if (!in || !in->is_object()) return std::nullopt;
  const json& j = *in;
  RoleBody r;
  if (!string_field(j, "role", &r.role) || !perms_field(j, "permissions", &r.permissions) ||
      !perms_field(j, "grant", &r.grant) || !perms_field(j, "revoke", &r.revoke))
    return std::nullopt;
  r.has_grant = j.contains("grant") && !j["grant"].is_null();
  r.has_revoke = j.contains("revoke") && !j["revoke"].is_null();
  return r;
}

std::string user_body_json(const UserBody& u) {
  std::string out = "{\"user\":";
  append_json_string(out, u.user);
  out += ",\"password\":";
  append_json_string(out, u.password);
  out += ",\"roles\":";
  append_list(out, u.roles);
  out += ",\"grant\":";
  append_json_string_array(out, u.grant);
  out += ",\"revoke\":";
  append_json_string_array(out, u.revoke);
  out.push_back('}');
  return out;
}

std::string role_body_json(const RoleBody& r) {
  std::string out = "{\"role\":";
  append_json_string(out, r.role);
  out += ",\"permissions\":";
  append_perms(out, r.permissions);
  if (r.has_grant) {
    out += ",\"grant\":";
    append_perms(out, r.grant);
  }
  if (r.has_revoke) {
    out += ",\"revoke\":";
    append_perms(out, r.revoke);
  }
  out.push_back('}');
  return out;
}

}  // namespace arbor::http

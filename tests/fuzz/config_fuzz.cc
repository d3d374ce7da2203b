// Fuzzes the flag, environment and config-file parser (server::parse_config). The first byte
// picks the mode: even, the rest is a command line and an environment, one item per line
// ("ENV:" lines are ETCD_* style variables, the others arguments); odd, the rest is a YAML
// config file given with --config-file. Checks: no crash and no escaping exception; parsing is
// deterministic; a refusal always says why (an error text or a last log line at E or C), as each
// startup error must print one clear line.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "server/config.h"
#include "util/log.h"

namespace {

arbor::server::ParseResult Parse(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  arbor::server::Config cfg;
  return arbor::server::parse_config(args, env, &cfg);
}

std::string Digest(const arbor::server::ParseResult& r) {
  std::string d = std::to_string(r.run) + "/" + std::to_string(r.exit_code) + "/" + r.out + "/" + r.err;
  for (const auto& l : r.logs) d += "\n" + std::string(1, l.level) + l.pkg + l.text;
  return d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string in(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::vector<std::string> args, env;
  if (data[0] % 2 == 0) {
    size_t at = 0;
    while (at <= in.size()) {
      size_t nl = in.find('\n', at);
      if (nl == std::string::npos) nl = in.size();
      const std::string line = in.substr(at, nl - at);
      if (line.rfind("ENV:", 0) == 0) env.push_back(line.substr(4));
      else args.push_back(line);
      at = nl + 1;
    }
  } else {
    static const std::string path = "/tmp/arbor-config-fuzz-" + std::to_string(getpid()) + ".yml";
    FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) return 0;
    std::fwrite(in.data(), 1, in.size(), f);
    std::fclose(f);
    args = {"--config-file", path};
  }
  const arbor::server::ParseResult r = Parse(args, env);
  CHECK(Digest(r) == Digest(Parse(args, env)), "parse_config is not deterministic");
  if (!r.run && r.exit_code != 0) {
    const bool logged = !r.logs.empty() && (r.logs.back().level == 'E' || r.logs.back().level == 'C');
    CHECK(!r.err.empty() || logged, "a refusal without a reason");
  }
  return 0;
}

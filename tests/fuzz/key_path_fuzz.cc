// Fuzzes path cleaning: the result is rooted and clean, cleaning is idempotent, and the hidden
// rule never reads out of bounds.
#include <cstdint>
#include <string>

#include "store/key_path.h"
#include "util/log.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace arbor::store;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::string c = clean_path(in);
  CHECK(!c.empty() && c[0] == '/', "not rooted");
  CHECK(is_clean_path(c), "clean_path result is not clean");
  CHECK(clean_path(c) == c, "clean_path is not idempotent");
  CHECK(c.find("//") == std::string::npos, "double slash");
  (void)is_hidden_from(c, in);
  (void)is_hidden_from(in, c);
  (void)base_name(c);
  return 0;
}

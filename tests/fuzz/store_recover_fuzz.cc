// Fuzzes Store::recover (the store snapshot decoder). Whatever the bytes, recover either
// refuses or yields a store that saves back to the same bytes and survives use.
#include <cstdint>
#include <string>

#include "store/store.h"
#include "util/log.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using arbor::store::Store;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  auto s = Store::recover_from_string(in);
  if (!s.ok()) return 0;
  const std::string again = (*s)->save_to_string();
  CHECK(again == in, "recovered store does not save back to its bytes");
  (void)(*s)->get("/", true, true, 0);
  (*s)->delete_expired(INT64_MAX);
  (void)(*s)->set("/1/fuzz", false, "v", {}, 0);
  return 0;
}

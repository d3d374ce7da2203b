// Fuzzes the snapshot file loader: any bytes under a snapshot name load or are set aside,
// never crash; what loads has metadata matching its name.
#include <cstdint>
#include <string>

#include "snap/snapshotter.h"
#include "testutil/mem_dir.h"
#include "util/log.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  arbor::testutil::MemDir dir;
  const std::string name = arbor::snap::snapshot_name(1, 5);
  auto f = dir.open(name);
  if (!f.ok()) return 0;
  (void)(*f)->write_at(0, std::string_view(reinterpret_cast<const char*>(data), size));
  arbor::snap::Snapshotter snap(dir);
  auto l = snap.load_newest();
  if (l.ok()) CHECK(l->meta.term == 1 && l->meta.index == 5, "metadata does not match the name");
  return 0;
}

#include "snap/snapshotter.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "raft/codec.h"
#include "util/coding.h"
#include "util/crc32c.h"
#include "util/log.h"

namespace arbor::snap {
namespace {

constexpr char kMagic[8] = {'A', 'R', 'B', 'O', 'R', 'S', 'N', 'P'};
constexpr uint32_t kVersion = 1;
constexpr size_t kChunk = 256 * 1024;

// Buffers writes into the file in chunks.
class FileSink final : public util::ByteSink {
 public:
  explicit FileSink(util::File& f) : f_(f) { buf_.reserve(kChunk * 2); }
  util::Status append(std::string_view data) override {
    buf_.append(data);
    return buf_.size() >= kChunk ? flush() : util::Status();
  }
  util::Status flush() {
    if (buf_.empty()) return util::Status();
    util::Status s = f_.write_at(off_, buf_);
    off_ += buf_.size();
    buf_.clear();
    return s;
  }

 private:
  util::File& f_;
  std::string buf_;
  uint64_t off_ = 0;
};

// Passes writes on and keeps the CRC of everything that went through.
class CrcSink final : public util::ByteSink {
 public:
  explicit CrcSink(util::ByteSink& out) : out_(out) {}
  util::Status append(std::string_view data) override {
    crc_ = util::crc32c_extend(crc_, data.data(), data.size());
    return out_.append(data);
  }
  uint32_t crc() const { return crc_; }

 private:
  util::ByteSink& out_;
  uint32_t crc_ = 0;
};

bool is_snapshot_name(const std::string& n) {
  return n.size() == 38 && n.compare(33, 5, ".snap") == 0 && n[16] == '-';
}

}  // namespace

std::string snapshot_name(uint64_t term, uint64_t index) {
  char buf[64];
  snprintf(buf, sizeof buf, "%016" PRIx64 "-%016" PRIx64 ".snap", term, index);
  return buf;
}

std::vector<std::string> Snapshotter::names() {
  std::vector<std::string> out;
  auto all = dir_.list();
  if (!all.ok()) return out;
  for (const std::string& n : *all) {
    if (is_snapshot_name(n)) out.push_back(n);
  }
  // Names are fixed-width hex (term, index): byte order is age order.
  std::sort(out.begin(), out.end());
  return out;
}

util::Status Snapshotter::save(const raft::SnapshotMeta& meta,
                               const std::function<util::Status(util::ByteSink&)>& write_data) {
  const std::string name = snapshot_name(meta.term, meta.index);
  const std::string tmp = name + ".tmp";
  auto file = dir_.open(tmp);
  if (!file.ok()) return file.error();
  util::Status s = (*file)->truncate(0);
  FileSink sink(**file);
  if (s.ok()) s = write_snapshot(meta, write_data, sink);
  if (s.ok()) s = sink.flush();
  if (s.ok()) s = (*file)->sync();
  file->reset();
  if (s.ok()) s = dir_.rename(tmp, name);
  if (s.ok()) s = dir_.sync_dir();
  if (!s.ok()) (void)dir_.remove(tmp);
  return s;
}

util::Status write_snapshot(const raft::SnapshotMeta& meta,
                            const std::function<util::Status(util::ByteSink&)>& write_data,
                            util::ByteSink& out) {
  CrcSink sink(out);
  std::string header(kMagic, sizeof kMagic);
  util::put_fixed32(header, kVersion);
  util::put_bytes(header, raft::encode(meta));
  util::Status s = sink.append(header);
  if (s.ok()) s = write_data(sink);
  if (!s.ok()) return s;
  std::string trailer;
  util::put_fixed32(trailer, sink.crc());
  return out.append(trailer);
}

Result<LoadedSnapshot, util::Status> parse_snapshot(std::string_view bytes) {
  if (bytes.size() < sizeof kMagic + 4 + 4 || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    return util::Status::corruption("bad magic");
  if (util::crc32c_extend(0, bytes.data(), bytes.size() - 4) !=
      util::decode_fixed32(bytes.data() + bytes.size() - 4))
    return util::Status::corruption("checksum mismatch");
  util::Decoder d(bytes.substr(sizeof kMagic, bytes.size() - sizeof kMagic - 4));
  const uint32_t version = d.fixed32();
  auto meta = raft::decode_snapshot_meta(d.bytes());
  if (version != kVersion) return util::Status::corruption("unknown version " + std::to_string(version));
  if (!d.ok() || !meta.ok()) return util::Status::corruption("bad metadata");
  LoadedSnapshot out;
  out.meta = *meta;
  out.data = d.raw(d.remaining());
  return out;
}

Result<LoadedSnapshot, util::Status> Snapshotter::load_newest() {
  std::vector<std::string> all = names();
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    auto view = dir_.view(*it);  // Mapped; the result keeps the mapping, the image is not copied.
    std::string why;
    if (!view.ok()) {
      why = view.error().to_string();
    } else if (auto parsed = parse_snapshot((*view)->data()); !parsed.ok()) {
      why = parsed.error().message();
    } else if (snapshot_name(parsed->meta.term, parsed->meta.index) != *it) {
      why = "metadata does not match the file name";
    } else {
      parsed->name = *it;
      parsed->file = std::move(*view);
      return std::move(*parsed);
    }
    LOG_WARN("snap", "snapshot %s/%s is damaged (%s); set aside as %s.broken", dir_.path().c_str(),
             it->c_str(), why.c_str(), it->c_str());
    (void)dir_.rename(*it, *it + ".broken");
    (void)dir_.sync_dir();
  }
  return util::Status::not_found(dir_.path() + ": no valid snapshot");
}

util::Status Snapshotter::purge(size_t keep) {
  std::vector<std::string> all = names();
  for (size_t i = 0; i + keep < all.size(); ++i) {
    util::Status s = dir_.remove(all[i]);
    if (!s.ok()) return s;
  }
  return dir_.sync_dir();
}

}  // namespace arbor::snap

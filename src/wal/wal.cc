#include "wal/wal.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "raft/codec.h"
#include "util/coding.h"
#include "util/crc32c.h"
#include "util/log.h"
#include "wal/decoder.h"

namespace arbor::wal {
namespace {

constexpr char kTmpName[] = "next.wal.tmp";

std::string encode_snapshot(WalSnapshot s) {
  std::string out;
  util::put_varint(out, s.index);
  util::put_varint(out, s.term);
  return out;
}

bool decode_snapshot(std::string_view in, WalSnapshot* s) {
  util::Decoder d(in);
  s->index = d.varint();
  s->term = d.varint();
  return d.done();
}

std::string where(const std::string& dir, const std::string& name, uint64_t off) {
  return dir + "/" + name + " at offset " + std::to_string(off);
}

}  // namespace

std::string segment_name(uint64_t seq, uint64_t first_index) {
  char buf[64];
  snprintf(buf, sizeof buf, "%016" PRIx64 "-%016" PRIx64 ".wal", seq, first_index);
  return buf;
}

bool parse_segment_name(std::string_view name, uint64_t* seq, uint64_t* first_index) {
  if (name.size() != 37 || name[16] != '-' || name.substr(33) != ".wal") return false;
  auto hex = [](std::string_view s, uint64_t* out) {
    uint64_t v = 0;
    for (char c : s) {
      int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
      if (d < 0) return false;
      v = v << 4 | static_cast<uint64_t>(d);
    }
    *out = v;
    return true;
  };
  return hex(name.substr(0, 16), seq) && hex(name.substr(17, 16), first_index);
}

Wal::Wal(util::Dir& dir, WalOptions options) : dir_(dir), options_(options) {}
Wal::~Wal() = default;

bool Wal::exists(util::Dir& dir) {
  auto names = dir.list();
  if (!names.ok()) return false;
  uint64_t seq, index;
  return std::any_of(names->begin(), names->end(),
                     [&](const std::string& n) { return parse_segment_name(n, &seq, &index); });
}

util::Status Wal::start_segment(const std::string& tmp, const std::string& name) {
  // Write the new segment's header under the temporary name, sync it, then rename it into
  // place and sync the directory: a crash leaves either no new segment or a complete header.
  auto file = dir_.open(tmp);
  if (!file.ok()) return file.error();
  util::Status s = (*file)->truncate(0);
  if (s.ok()) s = (*file)->preallocate(options_.segment_bytes);
  if (!s.ok()) return s;
  tail_ = std::move(*file);
  offset_ = 0;
  zeroed_ = 0;
  buf_.clear();
  append_frame(buf_, RecordType::kCrc, crc_, {});
  if (s = append(RecordType::kMetadata, metadata_); !s.ok()) return s;
  if (!state_.empty()) {
    if (s = append(RecordType::kState, raft::encode(state_)); !s.ok()) return s;
  }
  if (s = flush(); !s.ok()) return s;
  if (s = tail_->sync(); !s.ok()) return s;
  if (s = dir_.rename(tmp, name); !s.ok()) return s;
  return dir_.sync_dir();
}

Result<std::unique_ptr<Wal>, util::Status> Wal::create(util::Dir& dir, std::string_view metadata,
                                                       WalOptions options) {
  if (exists(dir)) return util::Status::invalid_argument(dir.path() + " already holds a WAL");
  std::unique_ptr<Wal> w(new Wal(dir, options));
  w->metadata_ = std::string(metadata);
  const std::string name = segment_name(0, 0);
  util::Status s = w->start_segment(kTmpName, name);
  if (s.ok()) s = w->append(RecordType::kSnapshot, encode_snapshot({}));
  if (s.ok()) s = w->sync();
  if (!s.ok()) return s;
  w->segments_.push_back({0, 0, name});
  return w;
}

Result<std::unique_ptr<Wal>, util::Status> Wal::open(util::Dir& dir, WalSnapshot snap,
                                                     WalContents* out, WalOptions options) {
  auto names = dir.list();
  if (!names.ok()) return names.error();
  std::unique_ptr<Wal> w(new Wal(dir, options));
  for (const std::string& n : *names) {
    uint64_t seq, index;
    if (parse_segment_name(n, &seq, &index)) w->segments_.push_back({seq, index, n});
    // A segment prepared but never put in use (a crash before or during cut()).
    if (n == kTmpName) (void)dir.remove(n);
  }
  if (w->segments_.empty()) return util::Status::not_found(dir.path() + ": no WAL segments");
  for (size_t i = 1; i < w->segments_.size(); ++i) {
    if (w->segments_[i].seq != w->segments_[i - 1].seq + 1) {
      return util::Status::corruption(dir.path() + ": WAL segment missing between " +
                                      w->segments_[i - 1].name + " and " + w->segments_[i].name);
    }
  }
  // Start from the newest segment that can hold the snapshot's successor.
  size_t first = 0;
  for (size_t i = 0; i < w->segments_.size(); ++i) {
    if (w->segments_[i].first_index <= snap.index) first = i;
  }

  *out = WalContents();
  bool found_snapshot = snap.index == 0;
  bool have_metadata = false;
  // One record of segment `name`, in log order. The segment is read as a stream (nothing is
  // collected), so an error names the record where it was found.
  auto read_record = [&](const std::string& name, const Record& rec) -> util::Status {
    auto bad = [&](const std::string& why) {
      return util::Status::corruption(where(dir.path(), name, rec.offset) + ": " + why);
    };
    switch (rec.type) {
      case RecordType::kCrc:
        break;
      case RecordType::kMetadata:
        if (have_metadata && rec.data != out->metadata) return bad("metadata differs");
        out->metadata = std::string(rec.data);
        have_metadata = true;
        break;
      case RecordType::kEntry: {
        // Entries the snapshot covers (most of the log after a snapshot) are not copied.
        auto index = raft::decode_entry_index(rec.data);
        if (!index.ok()) return bad(index.error().message());
        if (*index <= snap.index) break;
        auto e = raft::decode_entry(rec.data);
        if (!e.ok()) return bad(e.error().message());
        const uint64_t next = snap.index + out->entries.size() + 1;
        if (e->index > next) {
          return bad("entry gap: expected index " + std::to_string(next) + ", found " +
                     std::to_string(e->index));
        }
        // An entry at or below the last one replaces it and everything after it: raft
        // overwrote an uncommitted suffix.
        out->entries.resize(e->index - snap.index - 1);
        out->entries.push_back(std::move(*e));
        break;
      }
      case RecordType::kState: {
        auto st = raft::decode_hard_state(rec.data);
        if (!st.ok()) return bad(st.error().message());
        out->state = *st;
        break;
      }
      case RecordType::kSnapshot: {
        WalSnapshot ws;
        if (!decode_snapshot(rec.data, &ws)) return bad("bad snapshot record");
        if (ws.index == snap.index) {
          if (ws.term != snap.term) return bad("snapshot term mismatch");
          found_snapshot = true;
        }
        break;
      }
    }
    return util::Status();
  };
  uint32_t crc = 0;
  for (size_t i = first; i < w->segments_.size(); ++i) {
    const Segment& seg = w->segments_[i];
    const bool last = i + 1 == w->segments_.size();
    auto view = dir.view(seg.name);
    if (!view.ok()) return view.error();
    util::Status bad_record;
    size_t seen = 0;
    DecodeResult d = decode_segment((*view)->data(), i == first ? 0 : crc, [&](const Record& rec) {
      if (seen++ == 0 && rec.type != RecordType::kCrc) {
        bad_record = util::Status::corruption(
            where(dir.path(), seg.name, 0) + ": no segment header (record type " +
            std::to_string(static_cast<int>(rec.type)) + " comes first)");
        return false;
      }
      bad_record = read_record(seg.name, rec);
      return bad_record.ok();
    });
    if (!bad_record.ok()) return bad_record;
    if (seen == 0) {
      // Not even the segment header survived: the header is synced before the segment gets
      // its name, so this is damage, not a crash.
      return util::Status::corruption(where(dir.path(), seg.name, 0) + ": no segment header (" +
                                      (d.reason.empty() ? "empty" : d.reason) + ")");
    }
    crc = d.crc;
    view->reset();  // The records point into it; none is used past here.
    util::Status s;
    if (d.end != DecodeResult::End::kClean) {
      const std::string at = where(dir.path(), seg.name, d.end_offset);
      if (!last || d.end == DecodeResult::End::kCorrupt) {
        return util::Status::corruption(at + ": " + d.reason);
      }
      // A torn final append: cut it off, zero what follows, and go on from there.
      auto f = dir.open(seg.name);
      if (!f.ok()) return f.error();
      s = (*f)->truncate(d.end_offset);
      if (s.ok()) s = (*f)->preallocate(options.segment_bytes);
      if (s.ok()) s = (*f)->sync();
      if (!s.ok()) return s;
      out->repairs.push_back(at + ": truncated torn tail (" + d.reason + ")");
      LOG_WARN("wal", "repaired torn tail of %s: %s", at.c_str(), d.reason.c_str());
    }
    if (last) {
      auto f = dir.open(seg.name);
      if (!f.ok()) return f.error();
      w->tail_ = std::move(*f);
      w->offset_ = d.end_offset;
      w->zeroed_ = d.end_offset;
    }
  }
  if (!found_snapshot) {
    return util::Status::corruption(dir.path() + ": snapshot marker " +
                                    std::to_string(snap.index) + " not found in the WAL");
  }
  w->crc_ = crc;
  w->metadata_ = out->metadata;
  w->state_ = out->state;
  w->last_index_ = out->entries.empty() ? snap.index : out->entries.back().index;
  return w;
}

util::Status Wal::append(RecordType type, std::string_view data) {
  crc_ = util::crc32c_extend(crc_, data.data(), data.size());
  append_frame(buf_, type, crc_, data);
  return util::Status();
}

util::Status Wal::zero_ahead(uint64_t end) {
  if (end <= zeroed_) return util::Status();
  // Appends land on blocks already written with zeros. On ext4 a write into a merely allocated
  // (unwritten) extent makes the next fdatasync commit the journal to convert it, about three
  // times the cost of a plain data write (../shared/bench fsyncbench here: 1.27 ms against
  // 0.42 ms per append + fdatasync); zeroing a chunk ahead pays that once per chunk. The zeros
  // lie past the last record, where they read as the clean end of the log.
  static const std::string zeros(kZeroChunk, '\0');
  uint64_t from = std::max(zeroed_, offset_);
  const uint64_t to = std::min(end + kZeroChunk, std::max(end, options_.segment_bytes));
  while (from < to) {
    const uint64_t n = std::min<uint64_t>(kZeroChunk, to - from);
    util::Status s = tail_->write_at(from, std::string_view(zeros.data(), n));
    if (!s.ok()) return s;
    from += n;
  }
  zeroed_ = to;
  return util::Status();
}

util::Status Wal::flush() {
  if (buf_.empty()) return util::Status();
  util::Status s = zero_ahead(offset_ + buf_.size());
  if (!s.ok()) return s;
  s = tail_->write_at(offset_, buf_);
  if (!s.ok()) return s;
  offset_ += buf_.size();
  buf_.clear();
  return util::Status();
}

util::Status Wal::save(const raft::HardState& state, std::span<const raft::Entry> entries) {
  util::Status s;
  for (const raft::Entry& e : entries) {
    if (s = append(RecordType::kEntry, raft::encode(e)); !s.ok()) return s;
    last_index_ = e.index;
  }
  if (!state.empty() && state != state_) {
    if (s = append(RecordType::kState, raft::encode(state)); !s.ok()) return s;
    state_ = state;
  }
  if (s = flush(); !s.ok()) return s;
  if (offset_ >= options_.segment_bytes) return cut();
  return util::Status();
}

util::Status Wal::save_snapshot(WalSnapshot snap) {
  util::Status s = append(RecordType::kSnapshot, encode_snapshot(snap));
  if (s.ok()) s = flush();
  if (s.ok()) s = sync();
  return s;
}

util::Status Wal::sync() {
  util::Status s = flush();
  if (s.ok()) s = tail_->sync();
  return s;
}

util::Status Wal::cut() {
  // Everything in the old segment must be durable before the new one exists: open() trusts
  // that only the newest segment can have a torn tail.
  util::Status s = tail_->sync();
  if (!s.ok()) return s;
  const Segment next{segments_.back().seq + 1, last_index_ + 1,
                     segment_name(segments_.back().seq + 1, last_index_ + 1)};
  if (s = start_segment(kTmpName, next.name); !s.ok()) return s;
  segments_.push_back(next);
  return util::Status();
}

util::Status Wal::release_before(uint64_t index, size_t keep) {
  // Segment i holds entries [first_index(i), first_index(i+1)); it can go when all of them
  // are below `index`.
  while (segments_.size() > std::max<size_t>(keep, 1) && segments_[1].first_index <= index) {
    util::Status s = dir_.remove(segments_.front().name);
    if (!s.ok()) return s;
    segments_.erase(segments_.begin());
  }
  return dir_.sync_dir();
}

}  // namespace arbor::wal

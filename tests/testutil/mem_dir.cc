#include "testutil/mem_dir.h"

#include <algorithm>

namespace arbor::testutil {
namespace {

class MemFile final : public util::File {
 public:
  explicit MemFile(std::shared_ptr<MemDir::State> s) : s_(std::move(s)) {}
  util::Status write_at(uint64_t offset, std::string_view data) override {
    if (s_->data.size() < offset + data.size()) s_->data.resize(offset + data.size(), '\0');
    s_->data.replace(offset, data.size(), data);
    return util::Status();
  }
  util::Status sync() override {
    s_->synced = s_->data;
    return util::Status();
  }
  util::Status preallocate(uint64_t size) override {
    if (s_->data.size() < size) s_->data.resize(size, '\0');
    return util::Status();
  }
  util::Status truncate(uint64_t size) override {
    s_->data.resize(size, '\0');
    return util::Status();
  }
  uint64_t size() const override { return s_->data.size(); }

 private:
  std::shared_ptr<MemDir::State> s_;
};

}  // namespace

MemDir::MemDir(const MemDir& other) : path_(other.path_) { *this = other; }

MemDir& MemDir::operator=(const MemDir& other) {
  if (this == &other) return *this;
  // Live and durable entries may share a file; keep that sharing in the copy.
  std::map<const State*, std::shared_ptr<State>> copies;
  auto copy_of = [&](const std::shared_ptr<State>& s) {
    auto& c = copies[s.get()];
    if (!c) c = std::make_shared<State>(*s);
    return c;
  };
  files_.clear();
  durable_.clear();
  for (const auto& [name, s] : other.files_) files_[name] = copy_of(s);
  for (const auto& [name, s] : other.durable_) durable_[name] = copy_of(s);
  path_ = other.path_;
  return *this;
}

Result<std::unique_ptr<util::File>, util::Status> MemDir::open(std::string_view name) {
  auto& s = files_[std::string(name)];
  if (!s) s = std::make_shared<State>();
  return std::unique_ptr<util::File>(new MemFile(s));
}

util::Status MemDir::read(std::string_view name, std::string* out) {
  auto it = files_.find(std::string(name));
  if (it == files_.end()) return util::Status::not_found(std::string(name));
  *out = it->second->data;
  return util::Status();
}

Result<std::vector<std::string>, util::Status> MemDir::list() {
  std::vector<std::string> names;
  for (const auto& [name, s] : files_) names.push_back(name);
  return names;
}

util::Status MemDir::rename(std::string_view from, std::string_view to) {
  auto it = files_.find(std::string(from));
  if (it == files_.end()) return util::Status::not_found(std::string(from));
  auto s = it->second;
  files_.erase(it);
  files_[std::string(to)] = std::move(s);
  return util::Status();
}

util::Status MemDir::remove(std::string_view name) {
  files_.erase(std::string(name));
  return util::Status();
}

util::Status MemDir::sync_dir() {
  durable_ = files_;
  return util::Status();
}

void MemDir::crash(size_t torn_bytes) {
  files_ = durable_;
  for (auto& [name, s] : files_) {
    // The first byte where the live copy differs from the synced one starts the lost change.
    const std::string& live = s->data;
    std::string& kept = s->synced;
    size_t i = 0;
    while (i < live.size() && i < kept.size() && live[i] == kept[i]) ++i;
    const size_t keep_end = std::min(live.size(), i + torn_bytes);
    if (keep_end > i) {
      if (kept.size() < keep_end) kept.resize(keep_end, '\0');
      kept.replace(i, keep_end - i, live.substr(i, keep_end - i));
    }
    s->data = kept;
  }
}

void MemDir::flip(const std::string& name, size_t offset, uint8_t mask) {
  auto& s = files_.at(name);
  s->data[offset] = static_cast<char>(s->data[offset] ^ mask);
  if (offset < s->synced.size()) s->synced[offset] = s->data[offset];
}

void MemDir::cut(const std::string& name, size_t size) {
  auto& s = files_.at(name);
  s->data.resize(size);
  s->synced = s->data;
}

}  // namespace arbor::testutil

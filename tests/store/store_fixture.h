#pragma once
// A small vocabulary for store tests: a fresh Store, a fixed clock, writes that must succeed,
// errors that must happen, and a watcher that records what it is told.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "store/store.h"

namespace arbor::store {

inline constexpr int64_t kSecond = 1'000'000'000LL;
inline constexpr int64_t kNow = 1'800'000'000LL * kSecond;  // 2027-01-15, an arbitrary "now".

// A watcher's end of the hub: records events; `capacity` events fit before it reports full.
struct Recorder {
  std::vector<EventPtr> events;
  size_t capacity = 100;
  WatchCallback callback() {
    return [this](const EventPtr& e) {
      if (events.size() >= capacity) return false;
      events.push_back(e);
      return true;
    };
  }
};

inline NodeView file_view(std::string key, std::string value, uint64_t mi, uint64_t ci) {
  NodeView v;
  v.key = std::move(key);
  v.value = std::move(value);
  v.has_value = true;
  v.modified_index = mi;
  v.created_index = ci;
  return v;
}

inline NodeView dir_view(std::string key, uint64_t mi, uint64_t ci) {
  NodeView v;
  v.key = std::move(key);
  v.dir = true;
  v.modified_index = mi;
  v.created_index = ci;
  return v;
}

class StoreTest : public ::testing::Test {
 protected:
  TtlOptions ttl(int64_t seconds) { return TtlOptions{kNow + seconds * kSecond, false}; }
  TtlOptions refresh(int64_t seconds) { return TtlOptions{kNow + seconds * kSecond, true}; }

  EventPtr Set(std::string_view key, std::string_view value, TtlOptions t = {}) {
    auto r = s_.set(key, false, value, t, kNow);
    EXPECT_TRUE(r.ok()) << key << ": " << (r.ok() ? "" : r.error().cause);
    return r.ok() ? *r : nullptr;
  }
  EventPtr Mkdir(std::string_view key, TtlOptions t = {}) {
    auto r = s_.create(key, true, "", false, t, kNow);
    EXPECT_TRUE(r.ok()) << key;
    return r.ok() ? *r : nullptr;
  }
  Event Get(std::string_view key, bool recursive = false, int64_t now = kNow) {
    auto r = s_.get(key, recursive, true, now);
    EXPECT_TRUE(r.ok()) << key << ": " << (r.ok() ? "" : r.error().cause);
    return r.ok() ? *r : Event{};
  }
  template <typename T>
  static Error ErrorOf(const Result<T, Error>& r) {
    EXPECT_FALSE(r.ok());
    return r.ok() ? Error{} : r.error();
  }
  // Registers a watcher that must not be answered from history.
  uint64_t Watch(Recorder& rec, std::string_view key, bool recursive = false, bool stream = false,
                 uint64_t since = 0) {
    auto r = s_.watch(key, recursive, stream, since, rec.callback());
    EXPECT_TRUE(r.ok());
    EXPECT_TRUE(r.ok() && r->event == nullptr) << "answered from history";
    return r.ok() ? r->watcher_id : 0;
  }
  // A watch that the history must answer at once; returns that event.
  EventPtr WatchHistory(std::string_view key, bool recursive, uint64_t since) {
    Recorder unused;
    auto r = s_.watch(key, recursive, false, since, unused.callback());
    EXPECT_TRUE(r.ok());
    EXPECT_TRUE(r.ok() && r->event != nullptr) << "not answered from history";
    return r.ok() ? r->event : nullptr;
  }

  Store s_;
};

}  // namespace arbor::store

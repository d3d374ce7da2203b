#pragma once
// Pending proposals: request id -> the completion that answers it. The proposer registers before
// the entry is queued; the apply loop triggers it once the entry is applied.
//
// Thread-safe.

#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

namespace arbor::server {

template <typename Done>
class Waiter {
 public:
  // REQUIRES: `id` is not registered.
  void register_id(uint64_t id, Done done) {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.emplace(id, std::move(done));
  }

  // Removes and returns the completion for `id`; an empty Done when there is none.
  Done take(uint64_t id) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pending_.find(id);
    if (it == pending_.end()) return Done();
    Done d = std::move(it->second);
    pending_.erase(it);
    return d;
  }

  bool contains(uint64_t id) const {
    std::lock_guard<std::mutex> lock(mu_);
    return pending_.count(id) != 0;
  }

  // Removes and returns every completion whose id satisfies `pred` (all of them by default).
  template <typename Pred>
  std::vector<Done> take_if(Pred pred) {
    std::vector<Done> out;
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (pred(it->first)) {
        out.push_back(std::move(it->second));
        it = pending_.erase(it);
      } else {
        ++it;
      }
    }
    return out;
  }

  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return pending_.size();
  }

 private:
  mutable std::mutex mu_;
  std::unordered_map<uint64_t, Done> pending_;  // GUARDED_BY(mu_)
};

}  // namespace arbor::server

#include "server/applier.h"

#include <memory>

#include "store/store.h"

namespace arbor::server {

ApplyResult Applier::apply(const Request& req, int64_t now) {
  switch (req.method) {
    case Method::kPost:
      return store_.create(req.path, req.dir, req.val, /*unique=*/true,
                           store::TtlOptions{req.expiration, req.refresh.value_or(false)}, now);
    case Method::kPut:
      return put(req, now);
    case Method::kDelete:
      if (req.prev_index > 0 || !req.prev_value.empty())
        return store_.compare_and_delete(req.path, req.prev_value, req.prev_index, now);
      return store_.remove(req.path, req.dir, req.recursive, now);
    case Method::kGet:
    case Method::kQGet: {
      auto got = store_.get(req.path, req.recursive, req.sorted, now);
      if (!got.ok()) return got.error();
      return store::EventPtr(std::make_shared<const store::Event>(std::move(got.value())));
    }
    case Method::kSync:
      store_.delete_expired(req.time);
      return store::EventPtr();
  }
  return store::Error{store::ErrorCode::kRaftInternal, "unknown method", 0};
}

ApplyResult Applier::put(const Request& req, int64_t now) {
  const store::TtlOptions ttl{req.expiration, req.refresh.value_or(false)};
  const bool compare = req.prev_index > 0 || !req.prev_value.empty();
  if (req.prev_exist.has_value()) {
    if (*req.prev_exist) {
      if (!compare) return store_.update(req.path, req.val, ttl, now);
      return store_.compare_and_swap(req.path, req.prev_value, req.prev_index, req.val, ttl, now);
    }
    return store_.create(req.path, req.dir, req.val, /*unique=*/false, ttl, now);
  }
  if (compare)
    return store_.compare_and_swap(req.path, req.prev_value, req.prev_index, req.val, ttl, now);
  return store_.set(req.path, req.dir, req.val, ttl, now);
}

}  // namespace arbor::server

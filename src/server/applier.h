#pragma once
// Applies one replicated Request to the store: etcd's applyV2Request dispatch table
// (../shared/spec/v2-keys-api.md §3, v2-store-internals.md §7).
//
// Thread-compatible: the caller holds the store's exclusive lock (a QGET needs only the shared
// lock but is applied in log order with the writes).

#include <cstdint>

#include "server/request.h"
#include "store/error.h"
#include "store/event.h"
#include "util/result.h"

namespace arbor::store {
class Store;
}

namespace arbor::server {

using ApplyResult = Result<store::EventPtr, store::Error>;

class Applier {
 public:
  explicit Applier(store::Store& store) : store_(store) {}

  // Applies `req`; `now` (Unix ns) is used only for the ttl of the views in the result.
  // SYNC yields a null event. A GET (never replicated) is answered like a QGET.
  ApplyResult apply(const Request& req, int64_t now);

 private:
  ApplyResult put(const Request& req, int64_t now);

  store::Store& store_;  // Not owned; outlives this Applier.
};

}  // namespace arbor::server

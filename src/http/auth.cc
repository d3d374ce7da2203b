#include "http/auth.h"

#include "server/kv_service.h"

namespace arbor::http {

struct Auth::Impl {
  explicit Impl(server::KvService& k) : kv(k) {}
  bool enabled() {
    auto got = kv.read("/2/enabled", false, false);
    return got.ok() && got.value().node.value == "true";
  }
  server::KvService& kv;
};

Auth::Auth(server::KvService& kv) : impl_(std::make_unique<Impl>(kv)) {}
Auth::~Auth() = default;

bool Auth::keys_allowed(const HttpRequest&, std::string_view, bool) { return !impl_->enabled() || true; }
bool Auth::has_root_access(const HttpRequest&) { return true; }
void Auth::handle(const HttpRequest&, const ExchangePtr& ex, const std::string& common,
                  const std::string&) {
  HttpResponse r;
  r.status = 404;
  r.headers = common;
  r.body = "404 page not found\n";
  ex->reply(std::move(r));
}

}  // namespace arbor::http

#include "http/snapshot_handler.h"

#include "http/auth.h"
#include "server/kv_service.h"
#include "util/io.h"

namespace arbor::http {
namespace {

class StringSink final : public util::ByteSink {
 public:
  explicit StringSink(std::string& out) : out_(out) {}
  util::Status append(std::string_view data) override {
    out_.append(data);
    return util::Status();
  }

 private:
  std::string& out_;
};

HttpResponse text_reply(int status, const std::string& common, std::string body) {
  HttpResponse r;
  r.status = status;
  r.headers = common;
  r.add_header("Content-Type", "text/plain; charset=utf-8");
  r.body = std::move(body);
  return r;
}

}  // namespace

void serve_snapshot(const HttpRequest& req, const ExchangePtr& ex, const std::string& common,
                    server::KvService& kv, Auth& auth) {
  if (req.method != "GET" && req.method != "HEAD") {
    HttpResponse r = text_reply(405, common, "Method Not Allowed\n");
    r.add_header("Allow", "GET, HEAD");
    return ex->reply(std::move(r));
  }
  if (!auth.has_root_access(req)) {
    HttpResponse r;
    r.status = 401;
    r.headers = common;
    r.add_header("Content-Type", "application/json");
    r.body = "{\"message\":\"Insufficient credentials\"}\n";
    return ex->reply(std::move(r));
  }
  HttpResponse r;
  r.headers = common;
  r.add_header("Content-Type", "application/octet-stream");
  StringSink sink(r.body);
  if (util::Status st = kv.write_snapshot(sink); !st.ok())
    return ex->reply(text_reply(500, common, "snapshot failed: " + st.message() + "\n"));
  r.omit_body = req.method == "HEAD";
  return ex->reply(std::move(r));
}

}  // namespace arbor::http

// Writes seed corpora for the fuzz targets: real store snapshots, WAL segments, snapshot files
// and raft encodings as the code produces them, and the requests of the spec transcripts
// (request targets, form requests, basic-auth headers, auth JSON bodies).
//   make_seeds DIR [SPEC_DIR]   ->  DIR/<target>/seed-N
// SPEC_DIR (default ../shared/spec) holds examples.md, whose `$ curl ...` lines are the requests.
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "http/auth_decode.h"
#include "raft/codec.h"
#include "snap/snapshotter.h"
#include "store/store.h"
#include "testutil/mem_dir.h"
#include "wal/wal.h"

namespace {

void put(const std::string& dir, const std::string& target, int n, const std::string& bytes) {
  const std::string d = dir + "/" + target;
  ::mkdir(dir.c_str(), 0755);
  ::mkdir(d.c_str(), 0755);
  std::ofstream(d + "/seed-" + std::to_string(n), std::ios::binary) << bytes;
}

// The words of a shell command line: whitespace-separated, '...' and "..." quoting.
std::vector<std::string> shell_words(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool in_word = false;
  char quote = 0;
  for (char c : line) {
    if (quote) {
      if (c == quote) quote = 0;
      else cur.push_back(c);
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t') {
      if (in_word) out.push_back(cur);
      cur.clear();
      in_word = false;
    } else {
      cur.push_back(c);
      in_word = true;
    }
  }
  if (in_word) out.push_back(cur);
  return out;
}

// One `$ curl` request of the transcripts.
struct CurlRequest {
  std::string method = "GET";
  std::string target;  // Path and query, as sent.
  std::string content_type;
  std::string body;
  std::string user;  // -u user:password, or "".
};

std::vector<CurlRequest> spec_requests(const std::string& spec_dir) {
  std::vector<CurlRequest> out;
  std::ifstream in(spec_dir + "/examples.md");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("$ curl ", 0) != 0) continue;
    const std::vector<std::string> w = shell_words(line.substr(2));
    CurlRequest r;
    bool method_set = false;
    for (size_t i = 1; i < w.size(); ++i) {
      const std::string& a = w[i];
      const bool has_arg = i + 1 < w.size();
      if (a == "-X" && has_arg) {
        r.method = w[++i];
        method_set = true;
      } else if (a == "-I") {
        r.method = "HEAD";
        method_set = true;
      } else if (a == "-u" && has_arg) {
        r.user = w[++i];
      } else if (a == "-H" && has_arg) {
        const std::string& h = w[++i];
        if (h.rfind("Content-Type: ", 0) == 0) r.content_type = h.substr(14);
      } else if (a == "-d" && has_arg) {
        if (!r.body.empty()) r.body.push_back('&');
        r.body += w[++i];
        if (r.content_type.empty()) r.content_type = "application/x-www-form-urlencoded";
        if (!method_set) r.method = "POST";
      } else if (a == "--max-time" && has_arg) {
        ++i;
      } else if (a.rfind("http://", 0) == 0) {
        const size_t slash = a.find('/', 7);
        r.target = slash == std::string::npos ? "/" : a.substr(slash);
      }
    }
    if (!r.target.empty()) out.push_back(r);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 && argc != 3) {
    std::fprintf(stderr, "usage: make_seeds DIR [SPEC_DIR]\n");
    return 2;
  }
  const std::string out = argv[1];
  const std::string spec_dir = argc == 3 ? argv[2] : "../shared/spec";
  using namespace arbor;
  const int64_t now = 1'800'000'000LL * 1'000'000'000LL;

  store::Store s;
  put(out, "store_recover_fuzz", 0, s.save_to_string());
  (void)s.set("/1/foo", false, "bar", {}, now);
  (void)s.create("/1/dir", true, "", false, {now + 5'000'000'000LL, false}, now);
  (void)s.create("/1/queue", false, "job", true, {}, now);
  (void)s.set("/1/dir/_hidden", false, "h", {}, now);
  (void)s.remove("/1/foo", false, false, now);
  put(out, "store_recover_fuzz", 1, s.save_to_string());

  testutil::MemDir wal_dir;
  auto w = wal::Wal::create(wal_dir, "metadata", wal::WalOptions{4096});
  std::vector<raft::Entry> es{{1, 1, raft::EntryType::kNormal, "first"},
                              {1, 2, raft::EntryType::kNormal, "second entry"}};
  (void)(*w)->save(raft::HardState{1, 1, 2}, es);
  (void)(*w)->sync();
  std::string seg;
  for (const auto& n : *wal_dir.list()) {
    if (wal_dir.read(n, &seg).ok()) {
      while (!seg.empty() && seg.back() == 0) seg.pop_back();
      put(out, "wal_segment_fuzz", 0, seg);
    }
  }

  testutil::MemDir snap_dir;
  snap::Snapshotter snapper(snap_dir);
  (void)snapper.save(raft::SnapshotMeta{5, 1, {{1}, {}}},
                     [&](util::ByteSink& sink) { return s.save(sink); });
  std::string snap_bytes;
  (void)snap_dir.read(snap::snapshot_name(1, 5), &snap_bytes);
  put(out, "snapshot_file_fuzz", 0, snap_bytes);

  int n = 0;
  for (const char* p : {"/1/foo", "/1//a//b", "/1/./a/../b/", "/1/with space", "/1/_hidden/x",
                        "/1/enc/key", "/..", "", "/1/a/b/c/d/e/f"}) {
    put(out, "key_path_fuzz", n++, p);
  }

  // raft_codec_fuzz: a selector byte (0 message, 1 entry, 2 hard state, 3 snapshot metadata,
  // 4 conf change), then the encoding.
  const raft::Entry entry{3, 7, raft::EntryType::kNormal, "a command"};
  const raft::ConfChange cc{raft::ConfChangeType::kAddNode, 0x1234, "http://127.0.0.1:2380"};
  const raft::SnapshotMeta meta{9, 2, {{1, 2, 3}, {4}}};
  raft::Message app;
  app.type = raft::MessageType::kApp;
  app.to = 2;
  app.from = 1;
  app.term = 3;
  app.log_term = 3;
  app.index = 6;
  app.commit = 6;
  app.entries = {entry, {3, 8, raft::EntryType::kConfChange, raft::encode(cc)}};
  raft::Message snap_msg;
  snap_msg.type = raft::MessageType::kSnap;
  snap_msg.to = 3;
  snap_msg.from = 1;
  snap_msg.term = 2;
  snap_msg.snapshot = raft::Snapshot{meta, "snapshot data"};
  raft::Message resp;
  resp.type = raft::MessageType::kAppResp;
  resp.reject = true;
  resp.reject_hint = 5;
  resp.context = "transfer";
  n = 0;
  for (const raft::Message& m : {app, snap_msg, resp}) put(out, "raft_codec_fuzz", n++, std::string(1, 0) + raft::encode(m));
  put(out, "raft_codec_fuzz", n++, std::string(1, 1) + raft::encode(entry));
  put(out, "raft_codec_fuzz", n++, std::string(1, 2) + raft::encode(raft::HardState{3, 1, 6}));
  put(out, "raft_codec_fuzz", n++, std::string(1, 3) + raft::encode(meta));
  put(out, "raft_codec_fuzz", n++, std::string(1, 4) + raft::encode(cc));

  // The HTTP targets, from the requests of the spec transcripts.
  const std::vector<CurlRequest> reqs = spec_requests(spec_dir);
  if (reqs.empty()) std::fprintf(stderr, "make_seeds: no requests in %s/examples.md\n", spec_dir.c_str());
  int targets = 0, forms = 0, auths = 0, bodies = 0;
  for (const CurlRequest& r : reqs) {
    put(out, "request_target_fuzz", targets++, r.target);
    if (r.target.rfind("/v2/keys", 0) == 0) {
      static const char* const kMethods[] = {"GET", "HEAD", "PUT", "POST", "DELETE"};
      char m = 0;
      for (char i = 0; i < 5; ++i)
        if (r.method == kMethods[static_cast<int>(i)]) m = i;
      const size_t q = r.target.find('?');
      const std::string path = r.target.substr(8, q == std::string::npos ? std::string::npos : q - 8);
      const std::string query = q == std::string::npos ? "" : r.target.substr(q + 1);
      put(out, "form_fuzz", forms++,
          std::string(1, m) + r.content_type + "\n" + path + "\n" + query + "\n" + r.body);
    }
    if (!r.user.empty()) put(out, "basic_auth_fuzz", auths++, "Basic " + http::base64_encode(r.user));
    if (r.method == "PUT" && r.target.rfind("/v2/auth/users/", 0) == 0)
      put(out, "auth_json_fuzz", bodies++, std::string(1, 0) + r.body);
    if (r.method == "PUT" && r.target.rfind("/v2/auth/roles/", 0) == 0)
      put(out, "auth_json_fuzz", bodies++, std::string(1, 1) + r.body);
  }
  std::printf("make_seeds: %zu spec requests: %d targets, %d forms, %d basic-auth headers, %d auth bodies\n",
              reqs.size(), targets, forms, auths, bodies);
  // config_fuzz: command lines (with ETCD_* variables) and YAML config files.
  int configs = 0;
  for (const std::string& c : {
           std::string("--name\nm1\n--data-dir=/tmp/x\n--listen-client-urls\nhttp://127.0.0.1:2379\nENV:ETCD_PRE_VOTE=false"),
           std::string("--initial-cluster\na=http://h:2380,b=http://h:2381\n--initial-cluster-state=existing\n--snapshot-count\n10"),
           std::string("--pre-vote=false\n--heartbeat-interval=50\n--election-timeout\n500\n--logger=zap\n--log-outputs=stderr"),
           std::string("--proxy\non\nENV:ETCD_NAME=x\nENV:ETCD_UNKNOWN=1"),
           std::string("--cert-file\n/nonexistent\n--auto-tls\n--cipher-suites\nTLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")})
    put(out, "config_fuzz", configs++, std::string(1, 0) + c);
  for (const std::string& y : {
           std::string("name: m1\ndata-dir: /tmp/x\nlisten-client-urls: http://127.0.0.1:2379\nsnapshot-count: 100\n"),
           std::string("initial-cluster: a=http://h:2380\ninitial-cluster-state: new\npre-vote: true\nclient-transport-security:\n  cert-file: /x\n  auto-tls: true\n"),
           std::string("heartbeat-interval: 100\nelection-timeout: 1000\nlog-outputs: [stderr]\nenable-v2: true\n")})
    put(out, "config_fuzz", configs++, std::string(1, 1) + y);
  return 0;
}

#include "server/etcd_data_dir.h"

#include <dirent.h>

#include <cstdint>
#include <cstdio>
#include <vector>

namespace arbor::server {
namespace {

// The first `n` bytes of `path`, fewer when the file is shorter or missing.
std::vector<unsigned char> head(const std::string& path, size_t n) {
  std::vector<unsigned char> buf(n);
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return {};
  buf.resize(std::fread(buf.data(), 1, n, f));
  std::fclose(f);
  return buf;
}

bool exists(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  std::fclose(f);
  return true;
}

// An etcd WAL segment starts with a frame whose record is a protobuf walpb.Record: after the
// 8-byte length word comes field 1 (type, varint), tag byte 0x08. arbor's records start with
// their type byte, 1 to 5 (wal/record.h), so the two cannot be confused.
std::string etcd_wal_in(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return "";
  std::string found;
  while (dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (name.size() < 4 || name.compare(name.size() - 4, 4, ".wal") != 0) continue;
    const std::vector<unsigned char> h = head(dir + "/" + name, 9);
    if (h.size() == 9 && h[8] == 0x08) {
      found = name;
      break;
    }
  }
  closedir(d);
  return found;
}

}  // namespace

std::string detect_etcd_data(const std::string& data_dir, const std::string& wal_dir) {
  // bbolt's meta page: magic 0xED0CDAED (little-endian) at offset 16.
  const std::vector<unsigned char> db = head(data_dir + "/member/snap/db", 20);
  if (db.size() == 20 && db[16] == 0xED && db[17] == 0xDA && db[18] == 0x0C && db[19] == 0xED)
    return "member/snap/db is etcd's bbolt database";
  if (exists(data_dir + "/member/snap/db")) return "member/snap/db is etcd's backend file";
  const std::string wal = wal_dir.empty() ? data_dir + "/member/wal" : wal_dir;
  if (std::string name = etcd_wal_in(wal); !name.empty())
    return (wal_dir.empty() ? "member/wal/" : wal + "/") + name + " is an etcd WAL segment";
  if (DIR* d = opendir((data_dir + "/proxy").c_str())) {
    closedir(d);
    return "proxy/ is an etcd proxy's directory";
  }
  return "";
}

std::string etcd_data_refusal(const std::string& data_dir, const std::string& reason) {
  return "data directory " + data_dir + " was written by etcd (" + reason +
         "); arbor cannot read it: migrate with `arborctl export / > dump.json` against etcd's v2 "
         "API, then `arborctl import dump.json` into arbor (see docs/migration.md)";
}

}  // namespace arbor::server

#pragma once
// Recognises a data directory written by etcd, which arbor cannot read: its files share etcd's
// layout (member/wal, member/snap) but not their formats. The one-line refusal points to the
// migration in docs/migration.md (export over the v2 API, then `arborctl import`).
//
// Thread-safe (reads files only).

#include <string>

namespace arbor::server {

// "" when `data_dir` (and `wal_dir`, when set) hold nothing etcd wrote; otherwise what gave it
// away, e.g. "member/snap/db is etcd's bbolt database".
std::string detect_etcd_data(const std::string& data_dir, const std::string& wal_dir);

// The refusal line for `data_dir`, given detect_etcd_data()'s reason.
std::string etcd_data_refusal(const std::string& data_dir, const std::string& reason);

}  // namespace arbor::server

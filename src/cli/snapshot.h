#pragma once
// arborctl's data-directory commands, the one place the CLI links the wal, snap and store
// modules (../shared/STYLE.md allows it for these):
//   snapshot save FILE                  GET /arbor/snapshot (root only) into FILE, atomically
//   snapshot restore FILE --data-dir D  a new data directory holding that snapshot
//   backup --data-dir D --backup-dir B  a copy of D's newest snapshot and WAL, checked by reading
// See docs/arborctl.md.
//
// Thread-compatible.

#include "cli/commands.h"

namespace arbor::cli {

int cmd_snapshot_save(Session& s);
int cmd_snapshot_restore(Session& s);
int cmd_backup(Session& s);

}  // namespace arbor::cli

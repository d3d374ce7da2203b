#pragma once
// Forced reconfiguration, done offline on a member's own log: etcd's --force-new-cluster (a
// member restarts as a one-member cluster keeping its data) and a restore of a snapshot taken
// from a cluster of several members. Raft cannot change a configuration that has lost its
// quorum, so these append committed RemoveNode entries that only this member votes on; they
// are applied like any other ConfChange (the store drops the removed members too).

#include <cstdint>
#include <span>
#include <vector>

#include "raft/types.h"

namespace arbor::raft {

// `conf` with the ConfChange entries among `entries` applied in order (other entries are
// skipped; an undecodable ConfChange is skipped too, the apply loop refuses it later).
ConfState conf_after(ConfState conf, std::span<const Entry> entries);

// The entries that remove every voter and learner of `conf` but `self`, numbered from
// `last_index` + 1 at `term`. Empty when `self` is already alone.
std::vector<Entry> entries_removing_all_but(const ConfState& conf, uint64_t self,
                                            uint64_t last_index, uint64_t term);

}  // namespace arbor::raft

#include "raft/reconfigure.h"

#include <algorithm>

#include "raft/codec.h"

namespace arbor::raft {
namespace {

void erase(std::vector<uint64_t>& v, uint64_t id) { std::erase(v, id); }

void insert(std::vector<uint64_t>& v, uint64_t id) {
  if (std::find(v.begin(), v.end(), id) == v.end()) {
    v.push_back(id);
    std::sort(v.begin(), v.end());
  }
}

}  // namespace

ConfState conf_after(ConfState conf, std::span<const Entry> entries) {
  for (const Entry& e : entries) {
    if (e.type != EntryType::kConfChange) continue;
    auto cc = decode_conf_change(e.data);
    if (!cc.ok()) continue;
    switch (cc->type) {
      case ConfChangeType::kAddNode:  // Also promotes a learner.
        erase(conf.learners, cc->node_id);
        insert(conf.voters, cc->node_id);
        break;
      case ConfChangeType::kAddLearnerNode:
        if (std::find(conf.voters.begin(), conf.voters.end(), cc->node_id) == conf.voters.end())
          insert(conf.learners, cc->node_id);
        break;
      case ConfChangeType::kRemoveNode:
        erase(conf.voters, cc->node_id);
        erase(conf.learners, cc->node_id);
        break;
    }
  }
  return conf;
}

std::vector<Entry> entries_removing_all_but(const ConfState& conf, uint64_t self,
                                            uint64_t last_index, uint64_t term) {
  std::vector<Entry> out;
  for (const std::vector<uint64_t>* ids : {&conf.voters, &conf.learners}) {
    for (uint64_t id : *ids) {
      if (id == self) continue;
      const ConfChange cc{ConfChangeType::kRemoveNode, id, {}};
      out.push_back(Entry{term, last_index + out.size() + 1, EntryType::kConfChange, encode(cc)});
    }
  }
  return out;
}

}  // namespace arbor::raft

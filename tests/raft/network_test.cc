// Multi-member behaviour over the simulated network (tests/testutil/raft_network.h).
#include <gtest/gtest.h>

#include "testutil/raft_network.h"

namespace arbor::raft {
namespace {

using testutil::Network;

TEST(NetworkTest, ThreeMembersElectALeaderAndCommit) {
  Network net({1, 2, 3});
  net.campaign(1);
  net.stabilize();
  EXPECT_EQ(net.leader(), 1u);
  ASSERT_TRUE(net.propose(1, "x").ok());
  net.stabilize();
  for (uint64_t id : {1, 2, 3}) EXPECT_EQ(net.applied(id), std::vector<std::string>{"x"});
  EXPECT_EQ(net.violation(), "");
}

}  // namespace
}  // namespace arbor::raft

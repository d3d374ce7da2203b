#include "server/membership.h"

#include <gtest/gtest.h>

namespace arbor::server {
namespace {

// Values from a real etcd 3.4.23 started with --name s1 and peer URL http://127.0.0.1:26380
// (../shared/spec/examples.md): member 8876210cd96651c6 in cluster 7e1de051b63089b8.
TEST(Membership, IdsMatchEtcd) {
  Cluster c;
  ASSERT_EQ(build_cluster("s1", "s1=http://127.0.0.1:26380", "etcd-cluster",
                          {"http://127.0.0.1:26379"}, &c),
            "");
  EXPECT_EQ(id_hex(c.self_id), "8876210cd96651c6");
  EXPECT_EQ(id_hex(c.cluster_id), "7e1de051b63089b8");
  ASSERT_NE(c.self(), nullptr);
  EXPECT_EQ(c.self()->client_urls, std::vector<std::string>{"http://127.0.0.1:26379"});
}

TEST(Membership, LocalNameMustBeInTheCluster) {
  Cluster c;
  EXPECT_NE(build_cluster("s2", "s1=http://127.0.0.1:26380", "t", {}, &c), "");
}

TEST(Membership, IdHexHasNoLeadingZeros) {
  EXPECT_EQ(id_hex(0x0abc), "abc");
  EXPECT_EQ(id_hex(0), "0");
}

}  // namespace
}  // namespace arbor::server

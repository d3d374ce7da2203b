#include "server/membership.h"

#include <gtest/gtest.h>

#include "store/store.h"

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

// The membership is read back from the store, where etcd keeps it.
TEST(Membership, ClusterIsReadFromTheStoresMemberKeys) {
  store::Store s;
  Member m{0x8876210cd96651c6, "s1", {"http://127.0.0.1:26380"}, {"http://127.0.0.1:26379"}};
  ASSERT_TRUE(s.create("/0/members/8876210cd96651c6/raftAttributes", false,
                       raft_attributes_json(m.peer_urls), false, {}, 0).ok());
  ASSERT_TRUE(s.set("/0/members/8876210cd96651c6/attributes", false, attributes_json(m), {}, 0).ok());
  ASSERT_TRUE(s.create("/0/members/2a/raftAttributes", false,
                       raft_attributes_json({"http://h:2", "http://h:1"}), false, {}, 0).ok());
  ASSERT_TRUE(s.create("/0/removed_members/7", false, "", false, {}, 0).ok());
  const Cluster c = cluster_from_store(s, 99, m.id);
  ASSERT_EQ(c.members.size(), 2u);
  EXPECT_EQ(c.members[0].id, 0x2au);
  EXPECT_EQ(c.members[0].name, "");
  EXPECT_EQ(c.members[0].peer_urls, (std::vector<std::string>{"http://h:1", "http://h:2"}));
  EXPECT_EQ(c.members[1].name, "s1");
  EXPECT_EQ(c.members[1].client_urls, m.client_urls);
  EXPECT_EQ(c.self()->name, "s1");
  EXPECT_TRUE(c.is_removed(7));
  EXPECT_EQ(c.cluster_id, 99u);
}

TEST(Membership, ConfChangeContextCarriesTheRequestAndThePeerUrls) {
  uint64_t rid = 0;
  EXPECT_EQ(parse_member_context(member_context(0xabc, {"http://a:1", "http://b:2"}), &rid),
            (std::vector<std::string>{"http://a:1", "http://b:2"}));
  EXPECT_EQ(rid, 0xabcu);
  EXPECT_TRUE(parse_member_context(member_context(5, {}), &rid).empty());
  EXPECT_EQ(rid, 5u);
}

}  // namespace
}  // namespace arbor::server

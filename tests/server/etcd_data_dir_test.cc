// A data directory written by etcd is recognised; arbor's own and empty ones are not.

#include "server/etcd_data_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace arbor::server {
namespace {

class EtcdDataDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/arbor_etcd_dir_XXXXXX";
    dir_ = mkdtemp(tmpl);
    mkdir((dir_ + "/member").c_str(), 0700);
    mkdir((dir_ + "/member/wal").c_str(), 0700);
    mkdir((dir_ + "/member/snap").c_str(), 0700);
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  void Write(const std::string& rel, const std::string& bytes) {
    std::ofstream(dir_ + "/" + rel, std::ios::binary) << bytes;
  }
  std::string dir_;
};

TEST_F(EtcdDataDirTest, EmptyDirectoryIsNotEtcds) { EXPECT_EQ(detect_etcd_data(dir_, ""), ""); }

TEST_F(EtcdDataDirTest, BboltDatabaseIsEtcds) {
  std::string page(32, '\0');
  page[16] = '\xED', page[17] = '\xDA', page[18] = '\x0C', page[19] = '\xED';
  Write("member/snap/db", page);
  EXPECT_EQ(detect_etcd_data(dir_, ""), "member/snap/db is etcd's bbolt database");
}

TEST_F(EtcdDataDirTest, ProtobufWalSegmentIsEtcds) {
  // etcd's first frame: length word 4 with padding bits, then walpb.Record{type: 4} = 08 04 ...
  Write("member/wal/0000000000000000-0000000000000000.wal",
        std::string("\x04\0\0\0\0\0\0\x84\x08\x04\x10\0", 12));
  EXPECT_EQ(detect_etcd_data(dir_, ""),
            "member/wal/0000000000000000-0000000000000000.wal is an etcd WAL segment");
}

TEST_F(EtcdDataDirTest, ArborWalSegmentIsNotEtcds) {
  // arbor's first record: type kCrc (4), then its crc.
  Write("member/wal/0000000000000000-0000000000000000.wal",
        std::string("\x05\0\0\0\0\0\0\x83\x04\0\0\0\0\0\0\0", 16));
  EXPECT_EQ(detect_etcd_data(dir_, ""), "");
}

TEST_F(EtcdDataDirTest, RefusalPointsToTheMigration) {
  const std::string line = etcd_data_refusal("/var/lib/etcd", "x");
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NE(line.find("arborctl import"), std::string::npos);
  EXPECT_NE(line.find("docs/migration.md"), std::string::npos);
}

}  // namespace
}  // namespace arbor::server

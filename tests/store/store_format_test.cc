// save() and recover(): the whole store (tree, TTLs, index, history, stats) survives the round
// trip and behaves exactly as before (TestStoreRecover, TestStoreRecoverWithExpiration), and
// damaged bytes are refused, never half-loaded.

#include <gtest/gtest.h>

#include "store/store.h"
#include "store_fixture.h"
#include "util/coding.h"
#include "util/crc32c.h"

namespace arbor::store {
namespace {

class StoreFormatTest : public StoreTest {
 protected:
  std::unique_ptr<Store> Recovered() {
    auto r = Store::recover_from_string(s_.save_to_string());
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
    return r.ok() ? std::move(*r) : nullptr;
  }
};

TEST_F(StoreFormatTest, RecoverKeepsValuesIndexesAndTheCurrentIndex) {  // TestStoreRecover
  Mkdir("/foo");
  Set("/foo/x", "bar");
  s_.update("/foo/x", "barbar", {}, kNow).value();
  Set("/foo/y", "baz");
  Set("/foo/_hidden", "h");
  auto copy = Recovered();
  EXPECT_EQ(copy->current_index(), 5u);
  auto x = copy->get("/foo/x", false, false, kNow);
  ASSERT_TRUE(x.ok());
  EXPECT_EQ(x->node, file_view("/foo/x", "barbar", 3, 2));
  EXPECT_EQ(copy->get("/foo", true, true, kNow)->node, s_.get("/foo", true, true, kNow)->node);
  EXPECT_EQ(copy->get("/foo/_hidden", false, false, kNow)->node.value, "h");
}

TEST_F(StoreFormatTest, RecoverWithExpiration) {  // TestStoreRecoverWithExpiration
  Mkdir("/foo");
  Set("/foo/x", "bar");
  Set("/foo/y", "baz", ttl(5));
  auto copy = Recovered();
  EXPECT_TRUE(copy->has_ttl_keys());
  EXPECT_EQ(copy->get("/foo/y", false, false, kNow)->node.ttl, 5);
  copy->delete_expired(kNow + 6 * kSecond);
  EXPECT_TRUE(copy->get("/foo/x", false, false, kNow).ok());
  EXPECT_EQ(copy->get("/foo/y", false, false, kNow).error().code, ErrorCode::kKeyNotFound);
}

TEST_F(StoreFormatTest, RecoveredStoreBehavesExactlyLikeTheOriginal) {
  // Same writes on both afterwards give the same events, indexes, expiries and history.
  for (int i = 0; i < 1200; ++i) Set("/load/k" + std::to_string(i % 7), std::to_string(i));
  Set("/t/a", "1", ttl(3));
  Set("/t/b", "2", ttl(3));
  Mkdir("/t/d", ttl(2));
  s_.update("/t/a", "", refresh(4), kNow).value();
  (void)s_.get("/missing", false, false, kNow);
  auto copy = Recovered();
  EXPECT_EQ(copy->stats(), s_.stats());

  for (Store* st : {&s_, copy.get()}) {
    st->set("/after", false, "x", {}, kNow).value();
    st->delete_expired(kNow + 10 * kSecond);
  }
  EXPECT_EQ(copy->current_index(), s_.current_index());
  EXPECT_EQ(copy->save_to_string(), s_.save_to_string());
  for (uint64_t since : {300ull, 1000ull, 1205ull, 1206ull}) {
    auto a = s_.watch("/", true, false, since, nullptr);
    auto b = copy->watch("/", true, false, since, nullptr);
    ASSERT_EQ(a.ok(), b.ok()) << since;
    if (!a.ok()) {
      EXPECT_EQ(a.error(), b.error());
      continue;
    }
    ASSERT_NE(a->event, nullptr);
    EXPECT_EQ(*a->event, *b->event) << since;
  }
}

TEST_F(StoreFormatTest, EmptyStoreRoundTrips) {
  auto copy = Recovered();
  EXPECT_EQ(copy->current_index(), 0u);
  EXPECT_EQ(copy->save_to_string(), s_.save_to_string());
  EXPECT_TRUE(copy->get("/1", false, false, kNow).ok());
}

TEST_F(StoreFormatTest, EveryFlippedByteIsDetected) {
  Set("/a", "1");
  Set("/b/c", "2", ttl(10));
  std::string bytes = s_.save_to_string();
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ 0x40);
    auto r = Store::recover_from_string(bad);
    EXPECT_FALSE(r.ok()) << "flip at " << i;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code(), util::Status::Code::kCorruption);
    }
  }
}

// Children are written in name order and loaded with that order as a hint; a snapshot whose
// names repeat is still refused, and one whose names are out of order still loads right.
TEST_F(StoreFormatTest, RepeatedNamesAreRefusedAndUnorderedNamesStillLoad) {
  Set("/d/ka", "1");
  Set("/d/kb", "2");
  const std::string bytes = s_.save_to_string();
  auto with_crc = [](std::string b) {
    b.resize(b.size() - 4);
    const uint32_t crc = util::crc32c(b);
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<char>(crc >> (8 * i)));
    return b;
  };
  const size_t a = bytes.find(std::string("\x02ka", 3));
  const size_t b = bytes.find(std::string("\x02kb", 3));
  ASSERT_NE(a, std::string::npos);
  ASSERT_NE(b, std::string::npos);
  ASSERT_TRUE(Store::recover_from_string(with_crc(bytes)).ok());  // The CRC is rebuilt right.

  std::string twice = bytes;
  twice[b + 2] = 'a';
  auto r = Store::recover_from_string(with_crc(twice));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("duplicate node name"), std::string::npos)
      << r.error().message();

  std::string swapped = bytes;
  swapped[a + 2] = 'b';
  swapped[b + 2] = 'a';
  auto got = Store::recover_from_string(with_crc(swapped));
  ASSERT_TRUE(got.ok()) << got.error().to_string();
  auto d = (*got)->get("/d", /*recursive=*/false, /*sorted=*/true, kNow);
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->node.nodes.size(), 2u);
  EXPECT_EQ(d->node.nodes[0].key, "/d/ka");
  EXPECT_EQ(d->node.nodes[0].value, "2");
  EXPECT_EQ(d->node.nodes[1].key, "/d/kb");
  EXPECT_EQ(d->node.nodes[1].value, "1");
}

TEST_F(StoreFormatTest, EveryTruncationAndTrailingGarbageIsDetected) {
  Set("/a", "1");
  std::string bytes = s_.save_to_string();
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(Store::recover_from_string(bytes.substr(0, n)).ok()) << n;
  }
  EXPECT_FALSE(Store::recover_from_string(bytes + "x").ok());
}

TEST_F(StoreFormatTest, UnknownVersionIsRefused) {
  std::string bytes = s_.save_to_string();
  bytes[8] = 9;  // the version follows the 8-byte magic
  auto r = Store::recover_from_string(bytes);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("version"), std::string::npos);
}

TEST_F(StoreFormatTest, SaveStreamsInChunks) {
  // A sink that records the size of each append: a big store is not handed over in one piece.
  struct Sizes : util::ByteSink {
    std::vector<size_t> sizes;
    util::Status append(std::string_view d) override {
      sizes.push_back(d.size());
      return util::Status();
    }
  } sink;
  for (int i = 0; i < 5000; ++i) Set("/k" + std::to_string(i), std::string(64, 'v'));
  ASSERT_TRUE(s_.save(sink).ok());
  EXPECT_GT(sink.sizes.size(), 4u);
  for (size_t sz : sink.sizes) EXPECT_LE(sz, 128u * 1024);
}

}  // namespace
}  // namespace arbor::store

#include "server/request.h"

#include <gtest/gtest.h>

namespace arbor::server {
namespace {

Request Full() {
  Request r;
  r.id = 0x1234567890ull;
  r.method = Method::kPut;
  r.path = "/1/a/b";
  r.val = std::string("v\0x", 3);
  r.dir = true;
  r.prev_value = "old";
  r.prev_index = 42;
  r.prev_exist = false;
  r.expiration = 1763780000123456789;
  r.wait = true;
  r.since = 7;
  r.recursive = true;
  r.sorted = true;
  r.quorum = true;
  r.time = -5;
  r.stream = true;
  r.refresh = true;
  return r;
}

TEST(RequestCodec, EveryFieldRoundTrips) {
  const Request r = Full();
  EXPECT_EQ(decode(encode(r)), r);
}

TEST(RequestCodec, UnsetOptionalsStayUnset) {
  Request r;
  r.method = Method::kSync;
  r.time = 99;
  auto back = decode(encode(r));
  ASSERT_TRUE(back.has_value());
  EXPECT_FALSE(back->prev_exist.has_value());
  EXPECT_FALSE(back->refresh.has_value());
  EXPECT_EQ(*back, r);
}

// The apply loop decodes every entry into one Request: nothing of the previous one may remain.
TEST(RequestCodec, DecodingIntoAUsedRequestLeavesNothingOfItBehind) {
  Request scratch;
  ASSERT_TRUE(decode_into(encode(Full()), &scratch));
  EXPECT_EQ(scratch, Full());
  Request plain;
  plain.method = Method::kSync;
  plain.path = "/1/x";
  plain.time = 99;
  ASSERT_TRUE(decode_into(encode(plain), &scratch));
  EXPECT_EQ(scratch, plain);
  // Large values keep a full-size encoding in one piece.
  Request big = Full();
  big.id = ~0ull;
  big.expiration = big.since = big.time = -1;
  big.prev_index = ~0ull;
  big.val.assign(300, 'v');
  ASSERT_TRUE(decode_into(encode(big), &scratch));
  EXPECT_EQ(scratch, big);
}

TEST(RequestCodec, PrevExistTrueIsKeptApartFromAbsent) {
  Request r;
  r.prev_exist = true;
  EXPECT_EQ(decode(encode(r))->prev_exist, std::optional<bool>(true));
}

TEST(RequestCodec, TruncatedBytesAreRejected) {
  const std::string bytes = encode(Full());
  for (size_t n = 0; n < bytes.size(); ++n) EXPECT_FALSE(decode(bytes.substr(0, n))) << n;
}

TEST(RequestCodec, TrailingGarbageAndUnknownVersionAreRejected) {
  EXPECT_FALSE(decode(encode(Full()) + "x"));
  std::string bytes = encode(Full());
  bytes[0] = 9;
  EXPECT_FALSE(decode(bytes));
}

}  // namespace
}  // namespace arbor::server

#include "util/crc32c.h"

#include <cryptopp/crc.h>
#include <gtest/gtest.h>

#include <string>

#include "util/coding.h"

namespace arbor::util {
namespace {

uint32_t cryptopp_crc32c(std::string_view s) {
  CryptoPP::CRC32C c;
  c.Update(reinterpret_cast<const CryptoPP::byte*>(s.data()), s.size());
  uint32_t out;
  c.Final(reinterpret_cast<CryptoPP::byte*>(&out));
  return out;
}

TEST(Crc32cTest, KnownVectorFromRfc3720) {
  // RFC 3720 B.4: 32 bytes of zeros -> 0x8a9136aa.
  EXPECT_EQ(crc32c(std::string(32, '\0')), 0x8a9136aau);
  EXPECT_EQ(crc32c("123456789"), 0xe3069283u);
}

TEST(Crc32cTest, AgreesWithCryptoppOnEveryLength) {
  std::string s;
  for (int i = 0; i < 300; ++i) {
    EXPECT_EQ(crc32c(s), cryptopp_crc32c(s)) << "length " << i;
    s.push_back(static_cast<char>(i * 7 + 3));
  }
}

TEST(Crc32cTest, ExtendingInPiecesEqualsTheWhole) {
  std::string s = "the quick brown fox jumps over the lazy dog, twice over";
  for (size_t cut = 0; cut <= s.size(); ++cut) {
    uint32_t a = crc32c_extend(0, s.data(), cut);
    EXPECT_EQ(crc32c_extend(a, s.data() + cut, s.size() - cut), crc32c(s));
  }
}

TEST(CodingTest, VarintsRoundTripAndShortInputFails) {
  std::string out;
  put_varint(out, 0);
  put_varint(out, 300);
  put_varint(out, ~0ull);
  put_varint_signed(out, -5);
  put_bytes(out, "abc");
  put_fixed64(out, 0x0102030405060708ull);
  Decoder d(out);
  EXPECT_EQ(d.varint(), 0u);
  EXPECT_EQ(d.varint(), 300u);
  EXPECT_EQ(d.varint(), ~0ull);
  EXPECT_EQ(d.varint_signed(), -5);
  EXPECT_EQ(d.bytes(), "abc");
  EXPECT_EQ(d.fixed64(), 0x0102030405060708ull);
  EXPECT_TRUE(d.done());
  Decoder short_input(std::string_view(out).substr(0, out.size() - 1));
  for (int i = 0; i < 5; ++i) short_input.varint();
  short_input.bytes();
  short_input.fixed64();
  EXPECT_FALSE(short_input.ok());
}

}  // namespace
}  // namespace arbor::util

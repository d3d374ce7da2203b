#include "http/json.h"

#include <gtest/gtest.h>

#include "http/scan.h"

#include "testutil/small_stack.h"

namespace arbor::http {
namespace {

std::string Quote(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

TEST(JsonString, EscapesAsGoDoes) {
  EXPECT_EQ(Quote("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(Quote("<a href='x'>&</a>"), R"("\u003ca href='x'\u003e\u0026\u003c/a\u003e")");
  EXPECT_EQ(Quote("\n\r\t"), R"("\n\r\t")");
  EXPECT_EQ(Quote(std::string("\x00\x01\x1f\b\f", 5)), R"("\u0000\u0001\u001f\u0008\u000c")");
}

TEST(JsonString, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(Quote("é€😀"), "\"é€😀\"");
  EXPECT_EQ(Quote("a\xff" "b"), R"("a\ufffdb")");
  EXPECT_EQ(Quote("\xe2\x82"), R"("\ufffd\ufffd")");  // A cut-off 3-byte sequence.
  EXPECT_EQ(Quote("\xc0\xaf"), R"("\ufffd\ufffd")");  // Overlong.
  EXPECT_EQ(Quote("\xe2\x80\xa8\xe2\x80\xa9"), R"("\u2028\u2029")");
}

// The 16-byte scans must stop exactly where the byte-at-a-time definition does: every byte
// value, at every position of a run longer than two blocks (so in a full block, at a block's
// edges and in the tail).
TEST(PlainPrefix, StopsAtTheFirstByteThatNeedsAttentionWhereverItIs) {
  std::string buf(40, 'a');
  for (int b = 0; b < 256; ++b) {
    const auto c = static_cast<unsigned char>(b);
    const bool json_stop = json_stops_run(c);
    const bool url_stop = c == '%';
    const bool query_stop = c == '%' || c == '+';
    for (size_t pos = 0; pos < buf.size(); ++pos) {
      buf[pos] = static_cast<char>(c);
      ASSERT_EQ(json_plain_prefix(buf.data(), buf.size()), json_stop ? pos : buf.size())
          << "byte " << b << " at " << pos;
      ASSERT_EQ(url_plain_prefix(buf.data(), buf.size(), false), url_stop ? pos : buf.size())
          << "byte " << b << " at " << pos;
      ASSERT_EQ(url_plain_prefix(buf.data(), buf.size(), true), query_stop ? pos : buf.size())
          << "byte " << b << " at " << pos;
      buf[pos] = 'a';
    }
  }
  // Only the first of several, and never beyond the length given.
  EXPECT_EQ(json_plain_prefix("0123456789abcdefg<\"", 19), 17u);
  EXPECT_EQ(json_plain_prefix("0123456789abcdef<", 16), 16u);
  EXPECT_EQ(url_plain_prefix("a+b%20", 6, true), 1u);
  EXPECT_EQ(url_plain_prefix("a+b%20", 6, false), 3u);
}

TEST(JsonString, EscapesInLongValuesWhereverTheyFall) {
  const std::string plain(33, 'x');
  EXPECT_EQ(Quote(plain + "<" + plain + "\xe2\x80\xa8" + "\""),
            "\"" + plain + "\\u003c" + plain + "\\u2028\\\"\"");
}

TEST(Rfc3339Nano, TrimsTrailingZeros) {
  EXPECT_EQ(format_rfc3339_nano(1763781913553480570), "2025-11-22T03:25:13.55348057Z");
  EXPECT_EQ(format_rfc3339_nano(1763781913000000000), "2025-11-22T03:25:13Z");
  EXPECT_EQ(format_rfc3339_nano(1763781913100000000), "2025-11-22T03:25:13.1Z");
}

store::NodeView File(std::string key, std::string value, uint64_t index) {
  store::NodeView n;
  n.key = std::move(key);
  n.value = std::move(value);
  n.has_value = true;
  n.modified_index = n.created_index = index;
  return n;
}

TEST(EventJson, SetWithPrevNodeInEtcdFieldOrder) {
  store::Event ev;
  ev.action = store::Action::kSet;
  ev.node = File("/1/foo", "bar", 5);
  ev.prev_node = File("/1/foo", "old", 4);
  std::string out;
  append_event_json(out, ev);
  EXPECT_EQ(out,
            R"({"action":"set","node":{"key":"/foo","value":"bar","modifiedIndex":5,"createdIndex":5},)"
            R"("prevNode":{"key":"/foo","value":"old","modifiedIndex":4,"createdIndex":4}})");
}

TEST(EventJson, RootDirectoryHasNoKeyAndNoIndexes) {
  store::Event ev;
  ev.node.key = "/1";
  ev.node.dir = true;
  ev.node.nodes.push_back(File("/1/a", "", 4));
  std::string out;
  append_event_json(out, ev);
  EXPECT_EQ(out,
            R"({"action":"get","node":{"dir":true,"nodes":[{"key":"/a","value":"","modifiedIndex":4,"createdIndex":4}]}})");
}

TEST(EventJson, TtlFieldsAndNoValueOnSuccess) {
  store::Event ev;
  ev.action = store::Action::kCreate;
  ev.node = File("/1/t", "v", 9);
  ev.node.expiration = 1763781913553480570;
  ev.node.ttl = 5;
  std::string out;
  append_event_json(out, ev);
  EXPECT_EQ(out, R"({"action":"create","node":{"key":"/t","value":"v","expiration":"2025-11-22T03:25:13.55348057Z","ttl":5,"modifiedIndex":9,"createdIndex":9}})");
  out.clear();
  append_event_json(out, ev, /*omit_nodes=*/true);
  EXPECT_EQ(out, R"({"action":"create"})");
}

TEST(ErrorJson, CauseTrimmedAndLeftOutWhenEmpty) {
  std::string out;
  append_error_json(out, store::Error{store::ErrorCode::kKeyNotFound, "/1/missing", 7});
  EXPECT_EQ(out, R"({"errorCode":100,"message":"Key not found","cause":"/missing","index":7})");
  out.clear();
  append_error_json(out, store::Error{store::ErrorCode::kRootROnly, "/1", 3});
  EXPECT_EQ(out, R"({"errorCode":107,"message":"Root is read only","index":3})");
}

TEST(MessageJson, IsAnHttpErrorBody) {
  EXPECT_EQ(message_json("Not found"), R"({"message":"Not found"})");
}

// A view 10,000 levels deep is encoded on a 256 KiB stack (no recursion per level), with the
// same shape as a shallow one.
TEST(NodeJson, DeepTreeIsEncodedWithoutRecursion) {
  constexpr int kDepth = 10'000;
  std::string out;
  testing::RunOnSmallStack([&] {
    store::NodeView root;
    root.key = "/1/d";
    root.dir = true;
    root.modified_index = root.created_index = 4;
    store::NodeView* cur = &root;
    for (int i = 0; i < kDepth; ++i) {
      cur->nodes.emplace_back();
      cur = &cur->nodes.back();
      cur->key = "/1/d/" + std::to_string(i);
      cur->dir = i + 1 < kDepth;
      cur->has_value = !cur->dir;
      cur->value = "v";
      cur->modified_index = cur->created_index = 5;
    }
    append_node_json(out, root);
  });
  const std::string leaf = "{\"key\":\"/d/9999\",\"value\":\"v\",\"modifiedIndex\":5,\"createdIndex\":5}";
  const std::string head = "{\"key\":\"/d\",\"dir\":true,\"nodes\":[{\"key\":\"/d/0\"";
  EXPECT_EQ(out.substr(0, head.size()), head);
  EXPECT_NE(out.find(leaf + "]"), std::string::npos);
  const std::string tail = "\"createdIndex\":5}],\"modifiedIndex\":4,\"createdIndex\":4}";
  EXPECT_EQ(out.substr(out.size() - tail.size()), tail);
  size_t opens = 0;
  for (char c : out) opens += c == '{';
  EXPECT_EQ(opens, static_cast<size_t>(kDepth + 1));

  std::string shallow;
  store::NodeView one;
  one.key = "/1/d";
  one.dir = true;
  one.nodes.emplace_back();
  one.nodes[0].key = "/1/d/x";
  one.nodes[0].has_value = true;
  one.nodes[0].modified_index = 7;
  append_node_json(shallow, one);
  EXPECT_EQ(shallow, "{\"key\":\"/d\",\"dir\":true,\"nodes\":[{\"key\":\"/d/x\",\"value\":\"\",\"modifiedIndex\":7}]}");
}

}  // namespace
}  // namespace arbor::http

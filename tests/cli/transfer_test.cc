// Export/import planning and the tree view, without a server.

#include "cli/transfer.h"

#include <gtest/gtest.h>

namespace arbor::cli {
namespace {

Node Export(std::string_view json) {
  std::string error;
  auto n = parse_export(json, &error);
  EXPECT_TRUE(n.has_value()) << error;
  return n.value_or(Node{});
}

constexpr std::string_view kTree =
    R"({"key":"/app","dir":true,"nodes":[{"key":"/app/a","value":"1"},)"
    R"({"key":"/app/empty","dir":true},{"key":"/app/sub","dir":true,"nodes":[)"
    R"({"key":"/app/sub/t","value":"temp","ttl":300}]},{"key":"/app/tdir","dir":true,"ttl":200}]})";

TEST(ImportPlanTest, RecreatesKeysEmptyAndTtlDirectoriesUnderTheDestination) {
  EXPECT_EQ(plan_import(Export(kTree), "/copy"),
            (std::vector<ImportOp>{{"/copy/a", false, "1", 0},
                                   {"/copy/empty", true, "", 0},
                                   {"/copy/sub/t", false, "temp", 300},
                                   {"/copy/tdir", true, "", 200}}));
}

TEST(ImportPlanTest, AcceptsAWholeEtcdGetResponse) {
  const std::string response = std::string(R"({"action":"get","node":)") + std::string(kTree) + "}";
  EXPECT_EQ(plan_import(Export(response), "/app").size(), 4u);
}

TEST(ImportPlanTest, TheStoreRootHasNoKey) {
  Node root = Export(R"({"dir":true,"nodes":[{"key":"/a","value":"1"},{"key":"/d","dir":true}]})");
  EXPECT_EQ(plan_import(root, "/"),
            (std::vector<ImportOp>{{"/a", false, "1", 0}, {"/d", true, "", 0}}));
  EXPECT_EQ(plan_import(root, "/restored"),
            (std::vector<ImportOp>{{"/restored/a", false, "1", 0}, {"/restored/d", true, "", 0}}));
}

TEST(ImportPlanTest, ASingleKeyIsWrittenAtTheDestination) {
  EXPECT_EQ(plan_import(Export(R"({"key":"/k","value":"v"})"), "/x"),
            (std::vector<ImportOp>{{"/x", false, "v", 0}}));
}

TEST(ImportPlanTest, MalformedInputIsRejected) {
  std::string error;
  EXPECT_FALSE(parse_export("[1,2]", &error));
  EXPECT_FALSE(parse_export("{", &error));
}

TEST(TreeTest, IndentsWithValuesAndTtls) {
  EXPECT_EQ(render_tree(Export(kTree)),
            "/app/\n"
            "├── a = \"1\"\n"
            "├── empty/\n"
            "├── sub/\n"
            "│   └── t = \"temp\"  (ttl 300s)\n"
            "└── tdir/  (ttl 200s)\n"
            "\n"
            "3 directories, 2 keys\n");
}

}  // namespace
}  // namespace arbor::cli

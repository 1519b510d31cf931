// The domain store's key prefixes (server/domain/store/key_prefixes.h): none is another's prefix,
// and every key a whole demo village writes (every book, through the composition root, in process)
// starts with a registered one, so no book writes under a prefix of its own making.
#include "server/domain/store/key_prefixes.h"

#include <map>
#include <string>
#include <string_view>

#include "gtest/gtest.h"
#include "server/domain/store/domain_store.h"
#include "server/main/pointsd_config.h"
#include "server/main/server.h"
#include "tests/engine/testing.h"

namespace points::server {
namespace {

TEST(KeyPrefixesTest, NoPrefixIsAnothersPrefix) {
  const auto& all = domain::keys::kAll;
  for (size_t i = 0; i < std::size(all); ++i) {
    ASSERT_FALSE(all[i].empty());
    EXPECT_EQ(all[i].back(), '/') << all[i];
    for (size_t j = 0; j < std::size(all); ++j) {
      if (i == j) continue;
      EXPECT_NE(all[j].substr(0, all[i].size()), all[i])
          << "\"" << all[i] << "\" is a prefix of \"" << all[j] << "\"";
    }
  }
}

std::string_view PrefixOf(const std::string& key) {
  for (std::string_view prefix : domain::keys::kAll) {
    if (std::string_view(key).substr(0, prefix.size()) == prefix) return prefix;
  }
  return {};
}

TEST(KeyPrefixesTest, EveryKeyOfADemoVillageHasARegisteredPrefix) {
  points::testing::TempDir dir;
  Config config;
  config.data_dir = dir.path();
  config.demo = true;
  config.listen = "127.0.0.1:0";
  {
    absl::StatusOr<std::unique_ptr<Server>> server = Server::Open(config);  // seeds, listens not
    ASSERT_TRUE(server.ok()) << server.status();
  }
  auto store = domain::DomainStore::OpenReadOnly(dir.path() + "/domain");
  ASSERT_TRUE(store.ok()) << store.status();
  std::map<std::string_view, int> kinds;
  ASSERT_TRUE((*store)
                  ->Scan("",
                         [&](const std::string& key, const std::string&) {
                           const std::string_view prefix = PrefixOf(key);
                           EXPECT_FALSE(prefix.empty()) << "unregistered key prefix: " << key;
                           ++kinds[prefix];
                           return true;
                         })
                  .ok());
  // The demo writes 11 kinds (awards, rules, the village's places, households, shops, items,
  // terms, principals, audit): a store with only a few would test little.
  EXPECT_GE(kinds.size(), 10u);
  for (const auto& [prefix, count] : kinds)
    std::printf("%s %d\n", std::string(prefix).c_str(), count);
}

}  // namespace
}  // namespace points::server

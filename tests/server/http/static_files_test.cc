// The web root (server/http/static_files.h) on a temporary directory: content types, ETags,
// caching, precompressed files, the app's own paths, and nothing from outside the root.
#include "server/http/static_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

namespace points::server::http {
namespace {

namespace fs = std::filesystem;

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("web-root-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "web" / "assets");
    Write("web/index.html", "<!doctype html><title>积分</title>");
    Write("web/assets/index-3f9aB2c1.js", "console.log(1)");
    Write("web/assets/index-3f9aB2c1.js.gz", "GZIPPED");
    Write("web/assets/app-77aa.css", "body{}");
    Write("web/logo.svg", "<svg/>");
    Write("web/.env", "SECRET=1");
    Write("secret.txt", "outside the root");
    fs::create_symlink(dir_ / "secret.txt", dir_ / "web" / "leak.txt");
    absl::StatusOr<std::unique_ptr<StaticFiles>> files = StaticFiles::Open((dir_ / "web").string());
    ASSERT_TRUE(files.ok()) << files.status();
    files_ = *std::move(files);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Write(const std::string& relative, const std::string& text) {
    std::ofstream(dir_ / relative, std::ios::binary) << text;
  }
  StaticResponse Get(absl::string_view target, absl::string_view accept_encoding = "",
                     absl::string_view if_none_match = "", absl::string_view method = "GET") {
    return files_->Serve({method, target, accept_encoding, if_none_match});
  }
  static std::string HeaderOf(const StaticResponse& response, const std::string& name) {
    for (const auto& [key, value] : response.headers) {
      if (key == name) return value;
    }
    return "";
  }

  fs::path dir_;
  std::unique_ptr<StaticFiles> files_;
};

TEST_F(StaticFilesTest, ServesFilesWithTypesAndCaching) {
  StaticResponse index = Get("/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(*index.body, "<!doctype html><title>积分</title>");
  EXPECT_EQ(HeaderOf(index, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(HeaderOf(index, "Cache-Control"), "no-cache");  // never stale: it names the assets
  EXPECT_EQ(HeaderOf(index, "Content-Security-Policy"), kContentSecurityPolicy);
  EXPECT_EQ(HeaderOf(index, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(Get("/index.html").body, index.body);

  StaticResponse script = Get("/assets/index-3f9aB2c1.js");
  EXPECT_EQ(HeaderOf(script, "Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(HeaderOf(script, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(HeaderOf(Get("/assets/app-77aa.css"), "Content-Type"), "text/css; charset=utf-8");
  EXPECT_EQ(HeaderOf(Get("/logo.svg"), "Content-Type"), "image/svg+xml");
  EXPECT_EQ(HeaderOf(Get("/logo.svg"), "Cache-Control"), "no-cache");
}

TEST_F(StaticFilesTest, EtagsAnswer304AndChangeWithTheFile) {
  StaticResponse first = Get("/index.html");
  const std::string etag = HeaderOf(first, "ETag");
  ASSERT_FALSE(etag.empty());
  StaticResponse again = Get("/index.html", "", etag);
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body->empty());
  EXPECT_EQ(Get("/index.html", "", "W/" + etag + ", \"other\"").status, 304);
  Write("web/index.html", "<!doctype html><title>new build</title>");
  StaticResponse changed = Get("/index.html", "", etag);
  EXPECT_EQ(changed.status, 200);
  EXPECT_EQ(*changed.body, "<!doctype html><title>new build</title>");
  EXPECT_NE(HeaderOf(changed, "ETag"), etag);
}

TEST_F(StaticFilesTest, PrecompressedWhenTheClientAcceptsGzip) {
  StaticResponse gz = Get("/assets/index-3f9aB2c1.js", "gzip, br");
  EXPECT_EQ(*gz.body, "GZIPPED");
  EXPECT_EQ(HeaderOf(gz, "Content-Encoding"), "gzip");
  EXPECT_EQ(HeaderOf(gz, "Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(HeaderOf(gz, "Vary"), "Accept-Encoding");
  StaticResponse plain = Get("/assets/index-3f9aB2c1.js", "br");
  EXPECT_EQ(*plain.body, "console.log(1)");
  EXPECT_EQ(HeaderOf(plain, "Content-Encoding"), "");
  EXPECT_NE(HeaderOf(gz, "ETag"), HeaderOf(plain, "ETag"));
  EXPECT_EQ(*Get("/logo.svg", "gzip").body, "<svg/>");  // no .gz beside it
}

TEST_F(StaticFilesTest, TheAppsOwnPathsGetIndexHtmlMissingFilesGet404) {
  for (const char* route : {"/households/3", "/shop/1/baskets", "/board?village=1"}) {
    StaticResponse page = Get(route);
    EXPECT_EQ(page.status, 200) << route;
    EXPECT_EQ(*page.body, "<!doctype html><title>积分</title>") << route;
  }
  EXPECT_EQ(Get("/missing.js").status, 404);
  EXPECT_EQ(Get("/assets/gone").status, 404);  // an old build's asset: not the app
}

TEST_F(StaticFilesTest, NothingFromOutsideTheRoot) {
  for (const char* target : {"/../secret.txt", "/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt",
                             "/%2E%2E%2Fsecret.txt"}) {
    StaticResponse response = Get(target);
    EXPECT_EQ(response.status, 400) << target;
    EXPECT_EQ(response.body->find("outside"), std::string::npos) << target;
  }
  EXPECT_EQ(Get("/leak.txt").status, 404);  // a symlink out of the root
  EXPECT_EQ(Get("/.env").status, 404);      // dotfiles
}

TEST_F(StaticFilesTest, HeadAndOtherMethods) {
  StaticResponse head = Get("/index.html", "", "", "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body->empty());
  EXPECT_EQ(head.content_length, std::string("<!doctype html><title>积分</title>").size());
  for (const char* method : {"PUT", "POST", "DELETE", "OPTIONS"}) {
    StaticResponse refused = Get("/index.html", "", "", method);
    EXPECT_EQ(refused.status, 405) << method;
    EXPECT_EQ(HeaderOf(refused, "Allow"), "GET, HEAD");
  }
}

TEST(StaticFilesOpen, RefusesAMissingRoot) {
  EXPECT_FALSE(StaticFiles::Open("/nonexistent/web/root").ok());
}

}  // namespace
}  // namespace points::server::http

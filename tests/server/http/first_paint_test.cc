// The first paint's pieces without a server (server/http/first_paint.h): the session cookie
// read strictly, the template filled with nothing that can break out of it, and the page's
// inline style allowed by its hash alone. Through the real pointsd: http_test.cc.
#include "server/http/first_paint.h"

#include <gtest/gtest.h>

#include <string>

#include "absl/strings/match.h"
#include "server/http/static_files.h"

namespace points::server::http {
namespace {

const std::string kToken(64, 'a');

TEST(FirstPaint, TheSessionCookieIsReadStrictly) {
  EXPECT_EQ(SessionToken("points_session=" + kToken), kToken);
  EXPECT_EQ(SessionToken("theme=dark;  points_session=" + kToken + "; x=1"), kToken);
  EXPECT_EQ(SessionToken("xpoints_session=" + kToken), std::nullopt);
  EXPECT_EQ(SessionToken(""), std::nullopt);
  EXPECT_EQ(SessionToken("points_session=" + std::string(64, 'A')), std::nullopt);
  EXPECT_EQ(SessionToken("points_session=" + std::string(63, 'a')), std::nullopt);
  EXPECT_EQ(SessionToken("points_session=" + std::string(65, 'a')), std::nullopt);
  EXPECT_EQ(SessionToken("points_session=" + std::string(63, 'a') + "\n"), std::nullopt);
}

TEST(FirstPaint, TheTemplateIsFilledAndNothingBreaksOutOfIt) {
  const std::string page =
      "<head></head><div id=\"app\"><template id=\"first-paint\"><p>{{balance}}</p>"
      "<script type=\"application/json\">{{state}}</script></template><noscript>x</noscript>"
      "</div>";
  absl::StatusOr<std::string> filled =
      FillFirstPaint(page, 1234, R"({"name":"</script><script>alert(1)</script><!--&"})");
  ASSERT_TRUE(filled.ok()) << filled.status();
  EXPECT_EQ(*filled,
            "<head></head><div id=\"app\"><p>1234</p><script type=\"application/json\">"
            R"({"name":"\u003c/script\u003e\u003cscript\u003ealert(1)\u003c/script\u003e)"
            R"(\u003c!--\u0026"})"
            "</script><noscript>x</noscript></div>");
  EXPECT_TRUE(absl::IsNotFound(FillFirstPaint("<div id=\"app\"></div>", 1, "{}").status()));
  EXPECT_TRUE(absl::IsNotFound(
      FillFirstPaint("<template id=\"first-paint\">{{balance}}", 1, "{}").status()));
}

TEST(FirstPaint, ElderModeComesFromItsCookieAndGoesOnTheRootElement) {
  EXPECT_TRUE(ElderMode("points_elder=1"));
  EXPECT_TRUE(ElderMode("points_session=" + kToken + "; points_elder=1"));
  EXPECT_FALSE(ElderMode("points_elder=0"));
  EXPECT_FALSE(ElderMode("points_elder="));
  EXPECT_FALSE(ElderMode("xpoints_elder=1"));
  EXPECT_FALSE(ElderMode(""));
  const std::string page =
      "<!doctype html><html lang=\"zh-CN\"><body><template id=\"first-paint\">{{balance}}"
      "</template></body></html>";
  EXPECT_EQ(*FillFirstPaint(page, 7, "{}", /*elder=*/true),
            "<!doctype html><html class=\"elder\" lang=\"zh-CN\"><body>7</body></html>");
  EXPECT_EQ(*FillFirstPaint(page, 7, "{}", /*elder=*/false),
            "<!doctype html><html lang=\"zh-CN\"><body>7</body></html>");
}

TEST(FirstPaint, APagesInlineStyleIsAllowedByItsHashAlone) {
  EXPECT_EQ(PolicyForPage("<p>no style</p>"), kContentSecurityPolicy);
  const std::string policy = PolicyForPage("<style>p{color:#111}</style><p>x</p>");
  // printf 'p{color:#111}' | openssl dgst -sha256 -binary | base64
  EXPECT_TRUE(absl::StrContains(
      policy, "style-src 'self' 'sha256-fzgSXzqz/ARpijUh8F4Dc7QVaHo4fehnLXcJSig3oDc=';"))
      << policy;
  EXPECT_FALSE(absl::StrContains(policy, "unsafe-inline"));
  EXPECT_TRUE(absl::StrContains(policy, "script-src 'self';")) << policy;
}

}  // namespace
}  // namespace points::server::http

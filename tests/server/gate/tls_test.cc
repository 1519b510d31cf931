// TLS through the real pointsd and the client library: with a certificate pointsd serves only
// TLS; a client that trusts another CA, or speaks plaintext, gets nothing; with a client CA a
// terminal's certificate must be one it signed (a client without one is still served); and
// without TLS pointsd refuses to serve beyond loopback unless told --allow-plaintext.
// Certificates are made for each run with the openssl command (scripts/install-deps).
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "clients/cpp/ledger_client.h"
#include "gtest/gtest.h"
#include "tests/engine/testing.h"
#include "tests/testing/pointsd_process.h"
#include "tests/testing/tls_testing.h"

namespace points::server {
namespace {

using client::ClientOptions;
using client::LedgerClient;

using testing::MakeCertificates;

std::string Read(const std::string& path) { return testing::ReadFile(path); }

ClientOptions Tls(const std::string& token, const std::string& roots, const std::string& cert = "",
                  const std::string& key = "") {
  ClientOptions options;
  options.retry.max_attempts = 1;
  options.deadline = absl::Seconds(5);
  options.token = token;
  options.tls.enabled = true;
  options.tls.root_certs_pem = roots;
  options.tls.client_cert_pem = cert;
  options.tls.client_key_pem = key;
  return options;
}

// Whether a call through `client` is answered.
bool Answered(LedgerClient& client) { return client.LookupAccounts({1}).ok(); }

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    certs_ = dir_.path() + "/certs";
    ASSERT_EQ(std::system(absl::StrCat("mkdir -p '", certs_, "'").c_str()), 0);
    ASSERT_TRUE(MakeCertificates(certs_, "server")) << "openssl could not make certificates";
    ASSERT_TRUE(MakeCertificates(certs_, "terminal"));
    ASSERT_TRUE(MakeCertificates(certs_, "stranger"));
  }

  std::vector<std::string> TlsFlags() const {
    return {"--tls-cert", certs_ + "/server.pem", "--tls-key", certs_ + "/server.key"};
  }
  std::string Pem(const std::string& name) const { return Read(certs_ + "/" + name); }

  testing::TempDir dir_;
  std::string certs_;
};

TEST_F(TlsTest, ServesOnlyTlsToClientsThatTrustItsCa) {
  testing::Pointsd pointsd(dir_.path() + "/data", 0, TlsFlags());
  ASSERT_GT(pointsd.port(), 0);
  LedgerClient trusting(pointsd.target(), Tls(pointsd.admin_token(), Pem("server-ca.pem")));
  EXPECT_TRUE(Answered(trusting));
  ClientOptions plaintext;
  plaintext.retry.max_attempts = 1;
  plaintext.deadline = absl::Seconds(5);
  plaintext.token = pointsd.admin_token();
  LedgerClient plain(pointsd.target(), plaintext);
  EXPECT_FALSE(Answered(plain)) << "plaintext to a TLS port";
  LedgerClient misled(pointsd.target(), Tls(pointsd.admin_token(), Pem("stranger-ca.pem")));
  EXPECT_FALSE(Answered(misled)) << "a server certificate from a CA the client does not trust";
  // pointsctl, as an operator runs it.
  const std::string pointsctl = absl::StrCat(POINTSCTL_PATH, " --target ", pointsd.target(),
                                             " --attempts 1 --deadline-seconds 5 ");
  EXPECT_EQ(std::system(
                (pointsctl + "--tls-ca '" + certs_ + "/server-ca.pem' health >/dev/null").c_str()),
            0);
  EXPECT_NE(std::system((pointsctl + "health >/dev/null 2>&1").c_str()), 0) << "plaintext";
}

TEST_F(TlsTest, AClientCaAdmitsItsTerminalsAndRefusesOtherCertificates) {
  std::vector<std::string> flags = TlsFlags();
  flags.push_back("--tls-client-ca");
  flags.push_back(certs_ + "/terminal-ca.pem");
  testing::Pointsd pointsd(dir_.path() + "/data", 0, flags);
  ASSERT_GT(pointsd.port(), 0);
  const std::string roots = Pem("server-ca.pem");
  LedgerClient terminal(pointsd.target(), Tls(pointsd.admin_token(), roots, Pem("terminal.pem"),
                                              Pem("terminal.key")));
  EXPECT_TRUE(Answered(terminal));
  LedgerClient app(pointsd.target(), Tls(pointsd.admin_token(), roots));
  EXPECT_TRUE(Answered(app)) << "a client certificate is optional";
  LedgerClient stranger(pointsd.target(), Tls(pointsd.admin_token(), roots, Pem("stranger.pem"),
                                              Pem("stranger.key")));
  EXPECT_FALSE(Answered(stranger)) << "a client certificate the client CA did not sign";
}

// pointsd run to completion: its exit code and everything it printed.
struct Finished {
  int exit_code = -1;
  std::string output;
};
Finished RunPointsd(const std::string& flags) {
  Finished run;
  FILE* pipe = popen(absl::StrCat(POINTSD_PATH, " ", flags, " 2>&1").c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[512];
  while (fgets(buffer, sizeof buffer, pipe) != nullptr) run.output += buffer;
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

TEST_F(TlsTest, PlaintextBeyondLoopbackIsRefusedUnlessAllowed) {
  const std::string data = " --stats-seconds 0 --data-dir '" + dir_.path() + "/data'";
  Finished grpc = RunPointsd("--listen 0.0.0.0:0" + data);
  EXPECT_EQ(grpc.exit_code, 1) << grpc.output;
  EXPECT_TRUE(absl::StrContains(grpc.output, "--allow-plaintext")) << grpc.output;
  Finished metrics = RunPointsd("--listen 127.0.0.1:0 --metrics-listen 0.0.0.0:0" + data);
  EXPECT_EQ(metrics.exit_code, 1) << metrics.output;
  EXPECT_TRUE(absl::StrContains(metrics.output, "metrics on 0.0.0.0:0")) << metrics.output;
  Finished half = RunPointsd("--listen 127.0.0.1:0 --tls-cert '" + certs_ + "/server.pem'" + data);
  EXPECT_EQ(half.exit_code, 2) << half.output;
  EXPECT_TRUE(absl::StrContains(half.output, "--tls-cert and --tls-key go together"));
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/data")) << "refused before the store";

  // The wildcard address (reached here through loopback): with --allow-plaintext, or with TLS.
  testing::Pointsd allowed(dir_.path() + "/data", 0,
                           {"--listen", "0.0.0.0:0", "--allow-plaintext"});
  ASSERT_GT(allowed.port(), 0);
  ClientOptions plaintext;
  plaintext.retry.max_attempts = 1;
  plaintext.token = allowed.admin_token();
  LedgerClient plain(allowed.target(), plaintext);
  EXPECT_TRUE(Answered(plain));
  EXPECT_EQ(allowed.Stop(SIGTERM), 0);
  std::vector<std::string> flags = TlsFlags();
  flags.push_back("--listen");
  flags.push_back("0.0.0.0:0");
  testing::Pointsd wildcard(dir_.path() + "/data", 0, flags);
  ASSERT_GT(wildcard.port(), 0);
  LedgerClient trusting(wildcard.target(), Tls(wildcard.admin_token(), Pem("server-ca.pem")));
  EXPECT_TRUE(Answered(trusting));
  EXPECT_EQ(wildcard.Stop(SIGTERM), 0);
}

}  // namespace
}  // namespace points::server

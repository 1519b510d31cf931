// Certificates for the TLS tests, made per run with openssl (tls_test.cc, authz_test.cc).
#ifndef POINTS_TESTS_TESTING_TLS_TESTING_H_
#define POINTS_TESTS_TESTING_TLS_TESTING_H_

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"

namespace points::testing {

inline std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// A CA ("NAME-ca.pem", "NAME-ca.key") and a certificate it signs ("NAME.pem", "NAME.key") for
// 127.0.0.1 and localhost, in `dir`. False when openssl failed.
inline bool MakeCertificates(const std::string& dir, const std::string& name) {
  const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  std::ofstream(dir + "/san.ext") << "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
  const std::string script =
      absl::StrCat("cd '", dir, "' && openssl req -x509 ", ec, " -keyout ", name, "-ca.key -out ",
                   name, "-ca.pem -days 2 -subj /CN=", name, "-ca && openssl req ", ec, " -keyout ",
                   name, ".key -out ", name, ".csr -subj /CN=localhost && openssl x509 -req -in ",
                   name, ".csr -CA ", name, "-ca.pem -CAkey ", name,
                   "-ca.key -CAcreateserial -out ", name, ".pem -days 2 -extfile san.ext");
  return std::system(absl::StrCat("(", script, ") >/dev/null 2>&1").c_str()) == 0;
}

}  // namespace points::testing

#endif  // POINTS_TESTS_TESTING_TLS_TESTING_H_

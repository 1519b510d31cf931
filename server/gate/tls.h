// Who may reach pointsd over what: TLS from a configured certificate and key (optionally
// verifying the client certificates shop terminals present), and plaintext only on loopback
// unless the operator says otherwise (--allow-plaintext), because points and payment codes must
// not cross a village network in the clear.
#ifndef POINTS_SERVER_GATE_TLS_H_
#define POINTS_SERVER_GATE_TLS_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "grpcpp/security/server_credentials.h"

namespace points::server {

struct TlsFiles {
  std::string cert_file;       // PEM certificate chain; empty: plaintext
  std::string key_file;        // PEM private key of the certificate
  std::string client_ca_file;  // PEM CA: clients may present a certificate it signed (optional)
};

// True for 127.0.0.0/8, ::1 and "localhost": addresses no other machine can reach.
bool IsLoopbackHost(const std::string& host);

// The host of "HOST:PORT" or "[V6]:PORT", without brackets.
std::string HostOf(const std::string& address);

// OK when `address` (HOST:PORT) may be served as plaintext: a loopback host, or
// `allow_plaintext`. FAILED_PRECONDITION names the address and the way out otherwise. `what`
// says which endpoint, e.g. "gRPC".
absl::Status CheckPlaintextAllowed(const std::string& address, bool allow_plaintext,
                                   const std::string& what);

// TLS credentials from the files, or plaintext ones when no certificate is given. With a client
// CA, a client that presents a certificate must present one the CA signed; one without a
// certificate is still served (tokens authenticate people; certificates pin terminals).
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFrom(
    const TlsFiles& files);

}  // namespace points::server

#endif  // POINTS_SERVER_GATE_TLS_H_

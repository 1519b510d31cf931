#!/bin/sh
# Includes point one way, as the libraries do: every project include names its file from the
# repository's root, so a forbidden edge is a line a grep finds. Run from the repository root;
# prints each offending line and fails when there is one.
status=0
# forbid FOLDER REASON PATTERN: no file under FOLDER includes a path matching PATTERN.
forbid() {
  folder=$1 reason=$2 pattern=$3
  hits=$(grep -rnE "^#include \"($pattern)" "$folder" --include='*.h' --include='*.cc') || true
  if [ -n "$hits" ]; then
    echo "include rule broken: $folder must not include $pattern ($reason):"
    echo "$hits"
    status=1
  fi
}
forbid engine "the engine knows nothing of gRPC or the domain" "server/|clients/|grpcpp/|points/v1/"
forbid server/domain "the domain knows nothing of gRPC or the services" \
  "grpcpp/|points/v1/|server/(main|services|gate|convert|ops|http)/"
forbid server/domain/values "values are shared with clients: no store, no books" \
  "server/domain/(store|books)/|rocksdb/"
forbid server/convert "the wire form is the contract and values only" \
  "server/domain/(store|books)/|server/(main|services|gate|ops|http)/|rocksdb/"
forbid server/services "services call the books, not the composition root or HTTP" \
  "server/(main|http)/"
forbid server/gate "the gate knows calls, not books' internals or HTTP" "server/(main|http)/"
forbid clients "clients depend on the contract, not on the server" \
  "server/(main|services|gate|ops|http)/|server/domain/(store|books)/|rocksdb/"
# The client library's headers keep gRPC inside: only channel_core.h, which the library's own .cc
# files alone include, names it. The core's, the ledger's and health's headers keep protobuf
# inside too (engine values and absl::Status only); the other services' headers say what they
# expose and why (clients/cpp/ledger_client.h).
for header in clients/cpp/*.h; do
  [ "$header" = clients/cpp/channel_core.h ] && continue
  forbid "$header" "a public client header keeps gRPC inside" \
    "grpcpp/|grpc/|points/v1/[a-z_]+\.grpc\.pb\.h|clients/cpp/channel_core\.h"
done
for header in clients/cpp/channel.h clients/cpp/ledger_service_client.h \
              clients/cpp/health_client.h; do
  forbid "$header" "its callers deal in engine values: protobuf stays inside" \
    "points/v1/|google/protobuf/|server/|clients/cpp/[a-z_]+_client\.h"
done
[ $status -eq 0 ] && echo "every include points one way"
exit $status

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
[ $status -eq 0 ] && echo "every include points one way"
exit $status

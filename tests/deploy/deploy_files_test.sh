#!/usr/bin/env bash
# The shipped deployment files run pointsd with flags it takes. The systemd unit's ExecStart, the
# Dockerfile's ENTRYPOINT and the Kubernetes StatefulSet's command and args each start the real
# pointsd with their flags as written, only the addresses (127.0.0.1, free ports) and the data
# directory (a temp dir) replaced. Each must answer health SERVING for "" and "points.write",
# serve /metrics where it was told to, answer the image's HEALTHCHECK and the manifest's probes
# as they are written (health checks need no token), leave the first admin's token in the data
# directory for the operator (mode 0600; calls without it are refused), and stop on SIGTERM with
# exit 0 within the stop timeout the file gives.
#
# usage: deploy_files_test.sh POINTSD POINTSCTL REPO_DIR
set -euo pipefail
pointsd=$(readlink -f "$1")
pointsctl=$(readlink -f "$2")
repo=$(readlink -f "$3")
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

unit=$repo/deploy/systemd/pointsd.service
dockerfile=$repo/deploy/docker/Dockerfile
statefulset=$repo/deploy/k8s/statefulset.yaml

# The default of --drain-seconds, from pointsd itself, for the stop timeouts.
drain_seconds=$("$pointsd" --help | grep -A1 -e '--drain-seconds N' | grep -o 'default [0-9]\+' |
  grep -o '[0-9]\+' || true)
[ -n "$drain_seconds" ] || fail "pointsd --help no longer says the default of --drain-seconds"

# "HOST:PORT" -> PORT
port_of() { echo "${1##*:}"; }

# The status code of GET http://127.0.0.1:PORT/PATH, or nothing when nothing answers.
http_status() {
  local fd line=""
  { exec {fd}<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 0
  printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$2" >&"$fd"
  IFS= read -r -t 5 line <&"$fd" || true
  exec {fd}>&-
  echo "$line" | cut -d' ' -f2
}

# Dockerfile lines with their continuations joined.
dockerfile_lines() { sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$dockerfile"; }

# The words of an exec-form JSON array (["a", "b"]), one per line; no word holds a comma.
json_words() {
  sed 's/^[^[]*\[//; s/\][[:space:]]*$//' | sed 's/"[[:space:]]*,[[:space:]]*"/\n/g' |
    sed 's/^[[:space:]]*"//; s/"[[:space:]]*$//'
}

# run_shipped NAME WORD...: pointsd as the file runs it; leaves it running, with
# shipped_listen, shipped_metrics and shipped_data_dir the file's own values, run_data_dir the
# data directory it was given instead, and pointsd_pid/pointsd_port the process.
run_shipped() {
  local name=$1
  shift
  local words=("$@")
  [ "${#words[@]}" -gt 1 ] || fail "$name: no pointsd command found in the file"
  [ "${words[0]##*/}" = pointsd ] || fail "$name: runs '${words[0]}', not pointsd"
  local attempt
  for attempt in 1 2 3; do
    metrics_port=$(unused_port)
    shipped_listen="" shipped_metrics="" shipped_data_dir=""
    local cmd=("$pointsd") i=1
    while [ "$i" -lt "${#words[@]}" ]; do
      case ${words[$i]} in
        --listen)
          shipped_listen=${words[$((i + 1))]:-}
          cmd+=(--listen "${shipped_listen%:*}:0")  # the file's host: pointsd checks it
          i=$((i + 2))
          ;;
        --metrics-listen)
          shipped_metrics=${words[$((i + 1))]:-}
          cmd+=(--metrics-listen "${shipped_metrics%:*}:$metrics_port")
          i=$((i + 2))
          ;;
        --data-dir)
          shipped_data_dir=${words[$((i + 1))]:-}
          run_data_dir=$scratch/$name-data-$attempt
          cmd+=(--data-dir "$run_data_dir")
          i=$((i + 2))
          ;;
        *)
          cmd+=("${words[$i]}")
          i=$((i + 1))
          ;;
      esac
    done
    [ -n "$shipped_listen" ] || fail "$name: no --listen (pointsd would take 127.0.0.1:50051)"
    [ -n "$shipped_data_dir" ] || fail "$name: no --data-dir (pointsd would use ./var/pointsd)"
    [ -n "$shipped_metrics" ] || fail "$name: no --metrics-listen (nothing for Prometheus)"
    echo "$name: ${words[*]}"
    echo "  run as: ${cmd[*]}"
    if start_pointsd "$name-$attempt" "${cmd[@]}"; then
      return 0
    fi
    # Losing the metrics port to another process between choosing and binding it is the one
    # failure to try again after.
    if ! grep -qi "$metrics_port" "$scratch/$name-$attempt.out" "$scratch/$name-$attempt.err"; then
      break
    fi
    echo "  lost the race for port $metrics_port; again with another"
  done
  show "$name stdout" "$scratch/$name-$attempt.out"
  show "$name stderr" "$scratch/$name-$attempt.err"
  fail "$name: pointsd exited before listening, run with the file's flags"
}

# The checks every shipped command must pass, then SIGTERM with exit 0.
check_running_and_stop() {
  local name=$1 target=127.0.0.1:$pointsd_port
  ctl 0 --target "$target" health
  [ "$(cat "$scratch/ctl.out")" = SERVING ] || fail "$name: health printed '$(cat "$scratch/ctl.out")'"
  ctl 0 --target "$target" health --service points.write
  [ "$(cat "$scratch/ctl.out")" = SERVING ] || fail "$name: points.write is not SERVING"
  local status=""
  for _ in $(seq 1 50); do
    status=$(http_status "$metrics_port" /metrics)
    [ "$status" = 200 ] && break
    sleep 0.1
  done
  [ "$status" = 200 ] ||
    fail "$name: GET /metrics on the --metrics-listen address answered '${status:-nothing}'"
  # The first admin's token, written at the first start for the operator, readable by pointsd's
  # user alone (server/AUTHZ.md); every call but a health check needs a token.
  local token_file=$run_data_dir/admin.token
  [ -s "$token_file" ] || fail "$name: pointsd wrote no first admin token to $token_file"
  local mode
  mode=$(stat -c %a "$token_file")
  [ "$mode" = 600 ] || fail "$name: $token_file has mode $mode, expected 600"
  ctl 1 --target "$target" --attempts 1 villages list
  expect_in err UNAUTHENTICATED
  expect_in err --token-file
  ctl 0 --target "$target" --token-file "$token_file" villages list
  stop_pointsd "$pointsd_pid"
  [ "$stopped_rc" = 0 ] || fail "$name: pointsd exited '$stopped_rc' on SIGTERM, expected 0"
  echo "  ok: health SERVING (\"\" and points.write), /metrics 200, admin.token 0600 works,"
  echo "      a call without a token UNAUTHENTICATED, SIGTERM exit 0"
}

# ---- systemd: deploy/systemd/pointsd.service
read -ra words <<<"$(sed -n 's/^ExecStart=//p' "$unit")"
run_shipped systemd "${words[@]}"
[ "${shipped_listen%:*}" = 127.0.0.1 ] || fail "systemd: gRPC must listen on loopback, not $shipped_listen"
[ "${shipped_metrics%:*}" = 127.0.0.1 ] || fail "systemd: metrics must listen on loopback"
state_dir=$(sed -n 's/^StateDirectory=//p' "$unit")
[ "$shipped_data_dir" = "/var/lib/$state_dir" ] ||
  fail "systemd: --data-dir $shipped_data_dir is not the StateDirectory /var/lib/$state_dir"
stop_timeout=$(sed -n 's/^TimeoutStopSec=\([0-9]\+\)$/\1/p' "$unit")
[ "${stop_timeout:-0}" -gt "$drain_seconds" ] ||
  fail "systemd: TimeoutStopSec=${stop_timeout:-unset} must exceed --drain-seconds $drain_seconds"
# systemd's own check of the unit, where systemd-analyze exists (the binary's path made real).
if command -v systemd-analyze >/dev/null; then
  sed "s#^ExecStart=[^ ]*#ExecStart=$pointsd#" "$unit" >"$scratch/pointsd.service"
  if ! systemd-analyze verify --man=no "$scratch/pointsd.service" >"$scratch/verify.log" 2>&1 ||
    [ -s "$scratch/verify.log" ]; then
    show "systemd-analyze verify" "$scratch/verify.log"
    fail "systemd: systemd-analyze verify found problems in the unit"
  fi
  echo "  systemd-analyze verify: clean"
else
  echo "  systemd-analyze not installed: the unit's syntax is not checked"
fi
check_running_and_stop systemd

# ---- docker: deploy/docker/Dockerfile
mapfile -t words < <(dockerfile_lines | grep '^ENTRYPOINT' | json_words)
run_shipped docker "${words[@]}"
listen_port=$(port_of "$shipped_listen")
metrics_port_shipped=$(port_of "$shipped_metrics")
exposed=" $(dockerfile_lines | sed -n 's/^EXPOSE[[:space:]]\+//p' | tr '\n' ' ') "
for port in "$listen_port" "$metrics_port_shipped"; do
  [[ $exposed == *" $port "* ]] || fail "docker: EXPOSE does not list port $port"
done
volume=$(dockerfile_lines | sed -n 's/^VOLUME[[:space:]]\+//p')
[ "$volume" = "$shipped_data_dir" ] || fail "docker: VOLUME $volume is not --data-dir $shipped_data_dir"
# The HEALTHCHECK as written, pointed at this pointsd.
mapfile -t check < <(dockerfile_lines | grep '^HEALTHCHECK' | sed 's/.*[[:space:]]CMD[[:space:]]*//' |
  json_words)
[ "${check[0]:-}" = pointsctl ] || fail "docker: HEALTHCHECK does not run pointsctl"
check[0]=$pointsctl
[[ " ${check[*]} " == *" 127.0.0.1:$listen_port "* ]] ||
  fail "docker: HEALTHCHECK does not ask 127.0.0.1:$listen_port, where pointsd listens"
check=("${check[@]/#127.0.0.1:$listen_port/127.0.0.1:$pointsd_port}")
ctl 0 "${check[@]:1}"
expect_in out SERVING
echo "  HEALTHCHECK as written: SERVING"
check_running_and_stop docker

# ---- Kubernetes: deploy/k8s/statefulset.yaml (command and args; block lists, one per line)
mapfile -t words < <(awk '
  /^[[:space:]]*command:[[:space:]]*\[/ { s = $0; sub(/^[^[]*\[[[:space:]]*"/, "", s); sub(/".*/, "", s); print s; next }
  /^[[:space:]]*args:[[:space:]]*$/ { in_args = 1; next }
  in_args && /^[[:space:]]*- / { s = $0; sub(/^[[:space:]]*- /, "", s); gsub(/"/, "", s); print s; next }
  { in_args = 0 }' "$statefulset")
run_shipped k8s "${words[@]}"
listen_port=$(port_of "$shipped_listen")
metrics_port_shipped=$(port_of "$shipped_metrics")
grep -q "containerPort: $listen_port\$" "$statefulset" || fail "k8s: no containerPort $listen_port"
grep -q "containerPort: $metrics_port_shipped\$" "$statefulset" ||
  fail "k8s: no containerPort $metrics_port_shipped"
grep -q "mountPath: $shipped_data_dir\$" "$statefulset" || fail "k8s: nothing mounted at $shipped_data_dir"
grace=$(sed -n 's/^[[:space:]]*terminationGracePeriodSeconds:[[:space:]]*\([0-9]\+\)$/\1/p' "$statefulset")
[ "${grace:-0}" -gt "$drain_seconds" ] ||
  fail "k8s: terminationGracePeriodSeconds ${grace:-unset} must exceed --drain-seconds $drain_seconds"
# The StatefulSet's gRPC probes, one "PORT SERVICE" line each (SERVICE empty for "").
probe_list() {
  awk '
    /^[[:space:]]*grpc:[[:space:]]*$/ { in_grpc = 1; port = ""; next }
    in_grpc && /^[[:space:]]*port:/ { port = $2; next }
    in_grpc && /^[[:space:]]*service:/ { s = $0; sub(/^[[:space:]]*service:[[:space:]]*/, "", s); gsub(/["\047]/, "", s); print port, s; in_grpc = 0 }' "$statefulset"
}
# Every gRPC probe: its port is pointsd's, and its service answers SERVING as written.
probes=0
while read -r port service; do
  [ "$port" = "$listen_port" ] || fail "k8s: a gRPC probe asks port $port, pointsd listens on $listen_port"
  ctl 0 --target "127.0.0.1:$pointsd_port" health --service "$service"
  expect_in out SERVING
  echo "  probe grpc port $port service \"$service\": SERVING"
  probes=$((probes + 1))
done < <(probe_list)
[ "$probes" -ge 2 ] || fail "k8s: expected gRPC readiness and liveness probes, found $probes"
# A read-only pointsd must keep serving reads: no probe may take it out of the Service or
# restart it for being read-only.
if probe_list | awk '{ print $2 }' | grep -qx 'points.write'; then
  fail "k8s: a probe on points.write would stop reads from a read-only pointsd"
fi
check_running_and_stop k8s

echo "PASS: the systemd unit, the Dockerfile and the StatefulSet start pointsd as written"

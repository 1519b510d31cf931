#!/usr/bin/env bash
# The scale-out layout of deploy/SCALING.md: two pointsd shards behind nginx, configured from
# deploy/nginx/points-shards.conf with only addresses and file paths replaced, routing each call
# by its x-points-shard header (pointsctl --header). Shard 1 holds the demo's village 东山村,
# shard 2 a village of its own. Shown through the proxy: each shard's villages, health, a write
# that lands on its shard only, a call with no or an unknown shard refused with a clear error and
# sent nowhere, and a shard that is down answering UNAVAILABLE while the other goes on. Each
# shard has its own principals (server/AUTHZ.md): calls carry the first admin token of the shard
# they are for, from its data directory; health checks need none, and nginx passes the
# authorization header through untouched (one shard's token means nothing to the other).
#
# usage: scale_out_test.sh POINTSD POINTSCTL NGINX_CONF
# Exits 77 (skipped) when nginx is not installed.
set -euo pipefail
pointsd=$(readlink -f "$1")
pointsctl=$(readlink -f "$2")
conf=$(readlink -f "$3")
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

nginx=$(command -v nginx || true)
for candidate in /usr/sbin/nginx /sbin/nginx; do
  [ -n "$nginx" ] || { [ -x "$candidate" ] && nginx=$candidate; } || true
done
if [ -z "$nginx" ]; then
  echo "SKIP: nginx is not installed (scripts/install-deps installs it): the scale-out layout is not tested"
  exit 77
fi

# ---- Two shards, each with its own data directory.
start_pointsd shard1 "$pointsd" --listen 127.0.0.1:0 --data-dir "$scratch/shard1" \
  --stats-seconds 0 --demo || fail "shard 1 did not start: $(cat "$scratch/shard1.err")"
shard1_pid=$pointsd_pid
shard1=127.0.0.1:$pointsd_port
start_pointsd shard2 "$pointsd" --listen 127.0.0.1:0 --data-dir "$scratch/shard2" \
  --stats-seconds 0 || fail "shard 2 did not start: $(cat "$scratch/shard2.err")"
shard2_pid=$pointsd_pid
shard2=127.0.0.1:$pointsd_port
# Each shard's first admin token, which pointsd wrote at its first start.
token1=$scratch/shard1/admin.token
token2=$scratch/shard2/admin.token
[ -s "$token1" ] && [ -s "$token2" ] || fail "a shard wrote no admin.token to its data directory"
ctl 0 --target "$shard2" --token-file "$token2" towns put 2 南岭镇
ctl 0 --target "$shard2" --token-file "$token2" villages put 2 西岭村 --town 2

# ---- nginx from the shipped config: upstream servers, the listen address, and files a user
# without root can write (pid, logs, temporary directories); nothing else changes.
ngx=$scratch/nginx
mkdir -p "$ngx"
# write_config PORT: the shipped config, made to run here, in $ngx/nginx.conf.
write_config() {
  awk -v listen="127.0.0.1:$1" -v dir="$ngx" -v user="$(id -un)" \
    -v up1="$shard1" -v up2="$shard2" '
    # Only root may switch users; as root, keep nginx as this user so it can use $ngx.
    /^[[:space:]]*user[[:space:]]/ { print "user " user ";"; next }
    /^[[:space:]]*pid[[:space:]]/ { print "pid " dir "/nginx.pid;"; next }
    /^[[:space:]]*error_log[[:space:]]/ { print "error_log " dir "/error.log info;"; next }
    /^[[:space:]]*access_log[[:space:]]/ {
      sub(/access_log[[:space:]]+[^[:space:];]+/, "access_log " dir "/access.log"); print; next
    }
    /^http[[:space:]]*\{/ {
      print
      print "    client_body_temp_path " dir "/client_body;"
      print "    proxy_temp_path " dir "/proxy;"
      print "    fastcgi_temp_path " dir "/fastcgi;"
      print "    uwsgi_temp_path " dir "/uwsgi;"
      print "    scgi_temp_path " dir "/scgi;"
      next
    }
    /^[[:space:]]*upstream[[:space:]]+points_shard_[0-9]+[[:space:]]*\{/ {
      shard = $2; sub(/^points_shard_/, "", shard); print; next
    }
    shard != "" && /^[[:space:]]*server[[:space:]]/ {
      if (shard == 1) print "        server " up1 ";"
      else if (shard == 2) print "        server " up2 ";"
      else print "        server 127.0.0.1:1 down;"
      replaced++
      next
    }
    shard != "" && /^[[:space:]]*\}/ { shard = "" }
    /^[[:space:]]*listen[[:space:]]/ { sub(/listen[[:space:]]+[^[:space:];]+/, "listen " listen); listens++ }
    { print }
    END { if (replaced < 2 || listens != 1) exit 1 }' "$conf" >"$ngx/nginx.conf" ||
    fail "$conf: expected a listen directive and upstreams points_shard_1 and points_shard_2"
}

write_config 1
grep -q "server $shard1;" "$ngx/nginx.conf" && grep -q "server $shard2;" "$ngx/nginx.conf" ||
  fail "the upstream addresses were not replaced"
if grep -q '10\.0\.0\.' "$ngx/nginx.conf"; then fail "an upstream address of the example is left"; fi
"$nginx" -t -q -p "$ngx" -e "$ngx/error.log" -c "$ngx/nginx.conf" 2>"$ngx/test.log" || {
  show "nginx.conf" "$ngx/nginx.conf"
  show "nginx -t" "$ngx/test.log"
  fail "nginx refuses the config derived from $conf"
}

# A free port: nginx cannot be given port 0, so try ports from a random base until nginx binds
# one; a port taken meanwhile makes nginx exit with "Address already in use", and the next try
# takes another.
nginx_port=""
for _ in $(seq 1 10); do
  port=$(unused_port)
  write_config "$port"
  : >"$ngx/error.log"
  "$nginx" -p "$ngx" -e "$ngx/error.log" -c "$ngx/nginx.conf" -g 'daemon off;' \
    >"$ngx/stdout" 2>&1 &
  nginx_pid=$!
  started_pids+=("$nginx_pid")
  for _ in $(seq 1 100); do
    kill -0 "$nginx_pid" 2>/dev/null || break
    # Listening, and still alive: the port is this nginx's (a lost race makes it exit).
    if port_in_use "$port" && kill -0 "$nginx_pid" 2>/dev/null; then
      nginx_port=$port
      break
    fi
    sleep 0.1
  done
  [ -n "$nginx_port" ] && break
  if kill -0 "$nginx_pid" 2>/dev/null; then fail "nginx did not listen on $port within 10 s"; fi
  wait "$nginx_pid" || true
  grep -q 'Address already in use' "$ngx/error.log" "$ngx/stdout" || {
    show "nginx error.log" "$ngx/error.log"
    show "nginx output" "$ngx/stdout"
    fail "nginx exited at start"
  }
  echo "port $port was taken; trying another"
done
[ -n "$nginx_port" ] || fail "nginx found no free port in 10 tries"
proxy=127.0.0.1:$nginx_port
echo "shard 1 at $shard1 (demo), shard 2 at $shard2, nginx at $proxy"

# Through the proxy, with the shard header as a terminal of each village would send it, and the
# token of that shard's admin (shard 1's for a header that names no shard).
via() {
  local expected=$1 shard=$2 token=$token1
  [ "$shard" = 2 ] && token=$token2
  shift 2
  ctl "$expected" --target "$proxy" --attempts 1 --header "x-points-shard=$shard" \
    --token-file "$token" "$@"
}

# ---- Health of each shard through the proxy.
via 0 1 health
expect_in out SERVING
via 0 2 health --service points.write
expect_in out SERVING
ctl 0 --target "$proxy" --attempts 1 --header x-points-shard=2 health
expect_in out SERVING
echo "ok: health through the proxy, with or without a token"

# ---- The authorization header goes through the proxy to the shard, which judges it.
ctl 1 --target "$proxy" --attempts 1 --header x-points-shard=1 villages list
expect_in err UNAUTHENTICATED
ctl 1 --target "$proxy" --attempts 1 --header x-points-shard=2 --token-file "$token1" villages list
expect_in err UNAUTHENTICATED
echo "ok: no token, or another shard's, is refused UNAUTHENTICATED by the shard"

# ---- Each header reaches its own shard.
via 0 1 villages list
expect_in out 东山村
expect_not_in out 西岭村
via 0 2 villages list
expect_in out 西岭村
expect_not_in out 东山村
echo "ok: the villages listed depend on the shard header"

# ---- A write through the proxy lands on its shard only.
via 0 2 villages put 3 北坡村 --town 2
ctl 0 --target "$shard2" --token-file "$token2" villages list
expect_in out 北坡村
ctl 0 --target "$shard1" --token-file "$token1" villages list
expect_not_in out 北坡村
via 0 1 accounts create --id 424242 --ledger 1 --code 1
ctl 0 --target "$shard1" --token-file "$token1" accounts lookup 424242
ctl 3 --target "$shard2" --token-file "$token2" accounts lookup 424242
echo "ok: writes land on the shard named, and only there"

# ---- No header, or a shard the table does not know: refused, not retried, sent nowhere.
for shard in 9 ""; do
  via 1 "$shard" villages put 4 无名村
  expect_in err INVALID_ARGUMENT
  expect_in err "x-points-shard missing or unknown"
  expect_not_in err "retrying"
done
ctl 1 --target "$proxy" --attempts 1 --token-file "$token1" villages list
expect_in err INVALID_ARGUMENT
ctl 0 --target "$shard1" --token-file "$token1" villages list
expect_not_in out 无名村
ctl 0 --target "$shard2" --token-file "$token2" villages list
expect_not_in out 无名村
echo "ok: no or an unknown shard header is refused with INVALID_ARGUMENT and reaches no shard"

# ---- A shard that is down: UNAVAILABLE (clients retry that), the other shard goes on.
stop_pointsd "$shard2_pid"
[ "$stopped_rc" = 0 ] || fail "shard 2 exited $stopped_rc on SIGTERM"
via 1 2 villages list
expect_in err UNAVAILABLE
via 0 1 villages list
expect_in out 东山村
echo "ok: a shard that is down answers UNAVAILABLE; the other serves"

stop_pointsd "$shard1_pid"
[ "$stopped_rc" = 0 ] || fail "shard 1 exited $stopped_rc on SIGTERM"
echo "PASS: two shards behind nginx, routed by x-points-shard"

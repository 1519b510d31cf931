#!/usr/bin/env bash
# PostgreSQL baseline for the ledger: the reference idempotent transfer (one plpgsql call,
# unique 64-bit id, floor at zero) driven by pgbench against a throwaway, loopback-only cluster.
# See bench/README.md, section "pg_baseline.sh".
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: bench/pg_baseline.sh [--help]

Starts a throwaway PostgreSQL cluster (initdb into a temp dir, 127.0.0.1 only, free port,
fsync=on, synchronous_commit=on, otherwise defaults), loads the reference ledger schema
(100k accounts), runs the reference transfer script with pgbench at 8 and 32 clients
(-j 2, -M prepared, over TCP 127.0.0.1), prints tps and average latency per run, then the
median tps per client count and one JSON line per client count. The cluster is stopped and
the temp dir removed on exit, including on failure or Ctrl-C.

Before every run the schema is reloaded (fresh tables, 100k accounts, VACUUM ANALYZE) and a
CHECKPOINT is taken, so runs are independent and start from the same state.

Environment:
  RUNS              runs per client count (default 3)
  PG_SECONDS        duration of each pgbench run in seconds (default 30)
  PG_REFERENCE_DIR  dir holding pg-ledger-schema.sql and pg-transfer-fn.pgbench
                    (default: <repo>/../shared/reference)
  TMPDIR            where the throwaway cluster is created (default /tmp); when run as root it
                    must be reachable by the 'postgres' user

Installs postgresql and postgresql-contrib with apt-get if missing (sudo if not root).
When run as root, initdb/postgres run as the 'postgres' system user.
EOF
}

case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  "") ;;
  *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
esac

RUNS=${RUNS:-3}
PG_SECONDS=${PG_SECONDS:-30}
CLIENT_COUNTS=(8 32)
THREADS=2

[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "RUNS must be a positive integer" >&2; exit 2; }
[[ $PG_SECONDS =~ ^[1-9][0-9]*$ ]] || { echo "PG_SECONDS must be a positive integer" >&2; exit 2; }

repo=$(cd "$(dirname "$0")/.." && pwd)
ref=${PG_REFERENCE_DIR:-$repo/../shared/reference}
schema=$ref/pg-ledger-schema.sql
script=$ref/pg-transfer-fn.pgbench
for f in "$schema" "$script"; do
  [[ -r $f ]] || { echo "missing reference file: $f (set PG_REFERENCE_DIR)" >&2; exit 1; }
done
schema=$(cd "$(dirname "$schema")" && pwd)/$(basename "$schema")
script=$(cd "$(dirname "$script")" && pwd)/$(basename "$script")

# ---- 1. packages ------------------------------------------------------------------------
as_root() { if [[ $EUID -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
missing=()
for p in postgresql postgresql-contrib; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

bindir=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
[[ -n $bindir && -x $bindir/initdb && -x $bindir/pgbench ]] || {
  echo "no PostgreSQL binaries (initdb, pgbench) under /usr/lib/postgresql/*/bin" >&2; exit 1; }

# ---- 2. throwaway cluster -----------------------------------------------------------------
if [[ $EUID -eq 0 ]]; then
  pguser=postgres
  id -u "$pguser" >/dev/null 2>&1 || { echo "system user 'postgres' not found" >&2; exit 1; }
else
  pguser=$(id -un)
fi

tmp=""
datadir=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n $datadir && -f $datadir/postmaster.pid ]]; then
    echo "stopping throwaway cluster"
    as_pg "$bindir/pg_ctl" -D "$datadir" -m fast -t 60 stop >/dev/null 2>&1 || true
    if [[ -f $datadir/postmaster.pid ]]; then       # still up: kill only our own postmaster
      local pid
      pid=$(head -n 1 "$datadir/postmaster.pid" 2>/dev/null || true)
      if [[ $pid =~ ^[0-9]+$ ]]; then kill -QUIT "$pid" 2>/dev/null || true; fi
    fi
  fi
  [[ -n $tmp && -d $tmp ]] && rm -rf -- "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pg_baseline.XXXXXX")
datadir=$tmp/data
sockdir=$tmp/sock
mkdir -p "$sockdir"
[[ $EUID -eq 0 ]] && chown -R "$pguser": "$tmp"

# Run a server-side command as the cluster owner, from a directory it can read.
as_pg() {
  if [[ $EUID -eq 0 ]]; then
    (cd "$tmp" && runuser -u "$pguser" -- "$@")
  else
    (cd "$tmp" && "$@")
  fi
}

as_pg "$bindir/initdb" -D "$datadir" -U "$pguser" --auth=trust --no-locale -E UTF8 \
  >"$tmp/initdb.log" 2>&1 || { cat "$tmp/initdb.log" >&2; exit 1; }

cat >>"$datadir/postgresql.conf" <<EOF

# --- pg_baseline.sh: loopback only, durable commits; everything else default ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$sockdir'
fsync = on
synchronous_commit = on
EOF

port_in_use() { ss -Htln 2>/dev/null | awk '{print $4}' | grep -Eq "[:.]$1\$"; }
port=""
for _ in 1 2 3 4 5 6 7 8 9 10; do
  cand=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
  port_in_use "$cand" && continue
  if as_pg "$bindir/pg_ctl" -D "$datadir" -l "$tmp/server.log" -o "-p $cand" -w -t 60 start \
       >/dev/null 2>&1; then
    port=$cand
    break
  fi
  if ! grep -qiE 'could not (bind|create listen)|address already in use' "$tmp/server.log" 2>/dev/null; then
    echo "PostgreSQL failed to start:" >&2; tail -n 30 "$tmp/server.log" >&2 || true; exit 1
  fi
done
[[ -n $port ]] || { echo "could not find a free port" >&2; exit 1; }

export PGHOST=127.0.0.1 PGPORT=$port PGUSER=$pguser PGDATABASE=postgres
export PGOPTIONS='-c client_min_messages=warning'
psql_q() { "$bindir/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

pgver=$(psql_q -At -c 'SELECT version()')
pgshort=$(psql_q -At -c 'SHOW server_version')
echo "== PostgreSQL baseline: idempotent transfer as one plpgsql call (pgbench)"
echo "server:    $pgver"
echo "cluster:   $datadir on 127.0.0.1:$port (throwaway, removed on exit)"
echo "settings:  $(psql_q -At -F' ' -c "SELECT string_agg(name || '=' || current_setting(name), ' ' ORDER BY name)
                 FROM pg_settings WHERE name IN ('fsync','synchronous_commit','wal_sync_method',
                 'shared_buffers','max_wal_size','listen_addresses','max_connections')")"
echo "reference: $schema"
echo "           $script"
echo "pgbench:   -n -M prepared -j $THREADS -T $PG_SECONDS, clients ${CLIENT_COUNTS[*]}, $RUNS run(s) each, TCP 127.0.0.1"
echo "machine:   $(nproc) cores, $(uname -r)"
echo

load_schema() {
  psql_q -f "$schema" >/dev/null
  local n
  n=$(psql_q -At -c 'SELECT count(*) FROM accounts')
  if [[ $n -ne 100000 ]]; then        # the reference schema loads them; only fill in if it did not
    psql_q -c "INSERT INTO accounts SELECT g, 1000000000 FROM generate_series(1, 100000) g
               ON CONFLICT (id) DO NOTHING; VACUUM ANALYZE accounts;" >/dev/null
  fi
  psql_q -c 'CHECKPOINT' >/dev/null
}

# Median of numbers given as arguments.
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {
  if (NR % 2) printf "%.1f", a[(NR+1)/2]; else printf "%.1f", (a[NR/2] + a[NR/2+1]) / 2 }'; }

declare -A tps_runs lat_runs
for c in "${CLIENT_COUNTS[@]}"; do
  for ((r = 1; r <= RUNS; r++)); do
    load_schema
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    if ! out=$("$bindir/pgbench" -n -M prepared -c "$c" -j "$THREADS" -T "$PG_SECONDS" \
                 -f "$script" 2>&1); then
      echo "$out" >&2; echo "pgbench failed (clients=$c run=$r)" >&2; exit 1
    fi
    tps=$(awk '/^tps = /{print $3; exit}' <<<"$out")
    lat=$(awk '/^latency average = /{print $4; exit}' <<<"$out")
    done_tx=$(awk -F': ' '/^number of transactions actually processed/{print $2; exit}' <<<"$out")
    failed=$(awk -F': ' '/^number of failed transactions/{print $2; exit}' <<<"$out")
    [[ -n $tps && -n $lat ]] || { echo "$out" >&2; echo "could not parse pgbench output" >&2; exit 1; }
    ok=$(psql_q -At -c 'SELECT count(*) FROM transfers')
    tps=$(printf '%.1f' "$tps")
    printf 'clients=%-3s run=%d/%d  tps=%-9s latency_avg=%s ms  tx=%s failed=%s transfers_ok=%s  loadavg_before=%s\n' \
      "$c" "$r" "$RUNS" "$tps" "$lat" "${done_tx:-?}" "${failed:-n/a}" "$ok" "$load"
    tps_runs[$c]+="$tps "
    lat_runs[$c]+="$lat "
  done
done

echo
echo "== summary (PostgreSQL $pgshort; $RUNS x ${PG_SECONDS}s per client count)"
for c in "${CLIENT_COUNTS[@]}"; do
  read -r -a t <<<"${tps_runs[$c]}"
  read -r -a l <<<"${lat_runs[$c]}"
  printf 'clients=%-3s median_tps=%-9s runs_tps=[%s]  latency_avg_ms=[%s]\n' \
    "$c" "$(median "${t[@]}")" "$(IFS=,; echo "${t[*]}")" "$(IFS=,; echo "${l[*]}")"
done
for c in "${CLIENT_COUNTS[@]}"; do
  read -r -a t <<<"${tps_runs[$c]}"
  printf '{"clients":%s,"tps_median":%s,"runs":[%s]}\n' "$c" "$(median "${t[@]}")" "$(IFS=,; echo "${t[*]}")"
done

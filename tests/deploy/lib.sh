# Shared by the tests of deploy/ (sourced): a scratch directory removed at exit, pointsd
# processes stopped at exit, pointsctl runs checked by exit code and output. Bash only: a clean
# Debian 12 machine has no python3.

scratch=$(mktemp -d "${TMPDIR:-/tmp}/points-deploy-test.XXXXXX")
# Every pointsctl run names its token (--token-file) or means to send none: a token in the
# caller's environment must not leak into it.
unset POINTS_TOKEN POINTS_TOKEN_FILE
started_pids=()

# SIGTERM first: an nginx master killed outright would leave its workers listening.
cleanup() {
  local pid
  for pid in "${started_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${started_pids[@]}"; do
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# Prints a file under a heading, for failure messages.
show() {
  echo "--- $1" >&2
  cat "$2" >&2 2>/dev/null || true
}

# True when something accepts connections on 127.0.0.1:PORT.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# A loopback port on which nothing listened a moment ago, from a random base (bash cannot bind
# a socket to ask the kernel, so whoever uses it must cope with losing a race for it).
unused_port() {
  local port
  for _ in $(seq 1 100); do
    port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    if ! port_in_use "$port"; then
      echo "$port"
      return 0
    fi
  done
  fail "no free loopback port found in 100 tries"
}

# start_pointsd NAME COMMAND...: starts pointsd in the background with output in
# $scratch/NAME.out and .err, waits for the line that says where it listens, and sets
# pointsd_pid and pointsd_port. `--listen 127.0.0.1:0` must be among the flags: pointsd then
# prints "pointsd listening on HOST:PORT, ..." first on stdout (HOST 127.0.0.1 or 0.0.0.0). Returns 1 (having set
# pointsd_pid to the exited process) if pointsd exits before listening.
start_pointsd() {
  local name=$1
  shift
  local out="$scratch/$name.out" err="$scratch/$name.err"
  "$@" >"$out" 2>"$err" &
  pointsd_pid=$!
  started_pids+=("$pointsd_pid")
  pointsd_port=""
  for _ in $(seq 1 600); do
    # The first address on a line saying "listening" that is not a port 0 or the metrics port;
    # any log format keeps the address as HOST:PORT.
    pointsd_port=$(cat "$out" "$err" 2>/dev/null | grep -i 'listening' |
      grep -o '\(127\.0\.0\.1\|0\.0\.0\.0\):[0-9]\+' | cut -d: -f2 |
      grep -vx -e 0 -e "${metrics_port:-none}" | head -n 1 || true)
    [ -n "$pointsd_port" ] && return 0
    kill -0 "$pointsd_pid" 2>/dev/null || return 1
    sleep 0.1
  done
  show "$name stdout" "$out"
  show "$name stderr" "$err"
  fail "$name: pointsd did not say where it listens within 60 s"
}

# stop_pointsd PID: SIGTERM, as systemd, docker and the kubelet stop it; sets stopped_rc to the
# exit code, or to "killed" when it had not exited after 60 s. Not in a $(...) subshell: only
# this shell can wait for its child.
stop_pointsd() {
  local pid=$1 rc=0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 600); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  stopped_rc=0
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid"
    stopped_rc=killed
  fi
  wait "$pid" || rc=$?
  [ "$stopped_rc" = killed ] || stopped_rc=$rc
}

# ctl EXPECTED_EXIT ARGS...: runs pointsctl with ARGS, output in $scratch/ctl.out and ctl.err,
# and fails the test unless it exits with EXPECTED_EXIT.
ctl() {
  local expected=$1
  shift
  local rc=0
  "$pointsctl" "$@" >"$scratch/ctl.out" 2>"$scratch/ctl.err" </dev/null || rc=$?
  if [ "$rc" != "$expected" ]; then
    show "stdout" "$scratch/ctl.out"
    show "stderr" "$scratch/ctl.err"
    fail "pointsctl $* exited $rc, expected $expected"
  fi
}

# expect_in FILE TEXT / expect_not_in FILE TEXT: about the last pointsctl run's output.
expect_in() {
  grep -qF -- "$2" "$scratch/ctl.$1" || {
    show "ctl.$1" "$scratch/ctl.$1"
    fail "expected '$2' in pointsctl's std$1"
  }
}
expect_not_in() {
  if grep -qF -- "$2" "$scratch/ctl.$1"; then
    show "ctl.$1" "$scratch/ctl.$1"
    fail "did not expect '$2' in pointsctl's std$1"
  fi
}

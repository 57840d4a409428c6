# shellcheck shell=bash
# The benchmark's own Ceph radosgw (memstore), the latency proxy in front of it, the packages and
# the build. Needs ROOT, WORK and LOGS; sets the endpoints, credentials and binaries' paths.
# Sourced by bench/compare/run.sh and bench/scale/run.sh (see their READMEs); set -euo pipefail there.

# The benchmark's own Ceph: its own state dir and ports, so the test store (7480, 3300, 6800-6830)
# is not disturbed. memstore keeps the data in RAM, so the store's disk is not what is measured.
STORE_ENV=(
  BUCKETFS_STORE_DIR="${BENCH_STORE_DIR:-/var/tmp/bucketfs-stores/ceph-bench}"
  CEPH_RGW_PORT="${BENCH_RGW_PORT:-7481}"
  CEPH_MON_PORT="${BENCH_MON_PORT:-3310}"
  CEPH_OSD_PORT_MIN="${BENCH_OSD_PORT_MIN:-6900}"
  CEPH_OBJECTSTORE=memstore
  CEPH_MEMSTORE_SIZE=$((8 << 30))
)
STORE_ENDPOINT=http://127.0.0.1:${BENCH_RGW_PORT:-7481}
PROXY_PORT=${BENCH_PROXY_PORT:-7491}
ENDPOINT=$STORE_ENDPOINT # what the mounters talk to; the proxy's address in the latency section
export AWS_ACCESS_KEY_ID=bucketfsaccess AWS_SECRET_ACCESS_KEY=bucketfssecret
# rclone's remote "bench"; its endpoint is set per mount (the store, or the latency proxy). Without
# an endpoint rclone would go to AWS: mount_fs refuses to start it so.
export RCLONE_CONFIG_BENCH_TYPE=s3 RCLONE_CONFIG_BENCH_PROVIDER=Other RCLONE_CONFIG_BENCH_REGION=us-east-1 \
  RCLONE_CONFIG_BENCH_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY \
  RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE=true RCLONE_CONFIG=/dev/null
unset RCLONE_CONFIG_BENCH_ENDPOINT

ARTIFACTS=$WORK/artifacts
BUCKETFS=$ARTIFACTS/bucketfs/bucketfs
TOOL=$ARTIFACTS/bin/Bucketfs.Bench.Compare/release/bucketfs-bench-compare
PROXY=$ARTIFACTS/bin/Bucketfs.Bench.LatencyProxy/release/bucketfs-bench-latency-proxy
PASSWD=$WORK/passwd-s3fs
STARTED_STORE=0 PROXY_PID=""

# start_proxy DELAY_MS [--count]: the latency proxy on PROXY_PORT; with --count it also counts the
# requests by type, which phase then records (PROXY_STATS is where the proxy writes them).
PROXY_STATS=""
start_proxy() {
  stop_proxy
  local count=()
  if [ "${2:-}" = --count ]; then
    PROXY_STATS=$WORK/proxy-stats.json
    count=(--stats "$PROXY_STATS")
  fi
  # Another benchmark's proxy there would take these requests (and not delay or count them).
  if timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PROXY_PORT" 2>/dev/null; then
    say "port $PROXY_PORT is in use: another benchmark's proxy? (BENCH_PROXY_PORT moves it)"
    return 1
  fi
  "$PROXY" --listen "127.0.0.1:$PROXY_PORT" --target "127.0.0.1:${BENCH_RGW_PORT:-7481}" --delay-ms "$1" "${count[@]}" \
    </dev/null >>"$LOGS/proxy.log" 2>&1 &
  PROXY_PID=$!
  local deadline=$((SECONDS + 30))
  until timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PROXY_PORT" 2>/dev/null; do
    if ! proc_running "$PROXY_PID" || [ $SECONDS -ge $deadline ]; then
      say "latency proxy did not start (log: $LOGS/proxy.log)"
      return 1
    fi
    sleep 0.2
  done
}
stop_proxy() {
  if [ -n "$PROXY_PID" ]; then
    kill -TERM "$PROXY_PID" 2>/dev/null || true
    wait_gone "$PROXY_PID" 10 || kill -KILL "$PROXY_PID" 2>/dev/null || true
    wait "$PROXY_PID" 2>/dev/null || true
    PROXY_PID="" PROXY_STATS=""
  fi
}
# proxy_counts: the proxy's request counts so far, as one JSON object ({"GET":N,"HEAD":N,...}).
proxy_counts() {
  rm -f "$PROXY_STATS"
  kill -USR1 "$PROXY_PID" && wait_for 10 test -s "$PROXY_STATS" && cat "$PROXY_STATS" || echo '{}'
}
# proxy_delta BEFORE AFTER: the counts of AFTER less those of BEFORE (flat JSON objects of numbers).
proxy_delta() {
  awk -v a="$1" -v b="$2" '
    function parse(s, m,   n, i, kv, p) { gsub(/[{}" ]/, "", s); n = split(s, kv, ","); for (i = 1; i <= n; i++) { split(kv[i], p, ":"); m[p[1]] = p[2] } }
    BEGIN { parse(a, x); parse(b, y); for (k in y) out = out (out == "" ? "" : ",") "\"" k "\":" (y[k] - x[k]); print "{" out "}" }'
}

step_packages() {
  local missing=() p
  for p in s3fs rclone fuse3 curl; do
    [[ $'\n'$(dpkg -s "$p" 2>/dev/null || true)$'\n' == *$'\nStatus: install ok installed\n'* ]] || missing+=("$p")
  done
  [ ${#missing[@]} = 0 ] && return 0
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! timeout 900 apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 "${missing[@]}" >>"$LOGS/apt.log" 2>&1; then
    timeout 600 apt-get update -q -o DPkg::Lock::Timeout=300 >>"$LOGS/apt.log" 2>&1
    timeout 900 apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 "${missing[@]}" >>"$LOGS/apt.log" 2>&1
  fi
}

# start_store: starts the benchmark's Ceph unless it is running (STARTED_STORE=1 when this run started it).
start_store() {
  if env "${STORE_ENV[@]}" timeout 60 "$ROOT/scripts/stores/ceph.sh" status >/dev/null 2>&1; then
    say "the benchmark's Ceph is already running at $STORE_ENDPOINT (left running at the end)"
  else
    say "starting the benchmark's Ceph (memstore) at $STORE_ENDPOINT"
    STARTED_STORE=1
    env "${STORE_ENV[@]}" timeout 900 "$ROOT/scripts/stores/ceph.sh" start >&2
  fi
}

# Builds unless the binaries are newer than every source file of the projects (a build that finds
# nothing to do still costs 20-70 s here).
stale() {
  local out=$1
  shift
  [ -x "$out" ] || return 0
  [ -n "$(find "$@" \( -name obj -o -name bin \) -prune -o \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' \) \
    -newer "$out" -print -quit 2>/dev/null)" ]
}

# build_all: publishes bucketfs (Release) and builds the benchmark tools into $ARTIFACTS (so the
# work tree's bin/ and obj/ that others build in are not touched), unless BUILD=0 or every binary
# is newer than its sources. Sets COMMIT and DIRTY: what is measured is what is built now.
build_all() {
  local bench=$ROOT/bench/compare project
  if [ "$BUILD" = 1 ] && ! stale "$BUCKETFS.dll" "$ROOT/src" "$ROOT/Directory.Build.props" "$ROOT/Directory.Packages.props" &&
    ! stale "$TOOL.dll" "$bench/Tool" && ! stale "$PROXY.dll" "$bench/LatencyProxy"; then
    say "binaries are up to date"
    BUILD=0
  fi
  COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
  DIRTY=$(git -C "$ROOT" status --porcelain -- src 2>/dev/null | wc -l)
  [ "$BUILD" = 1 ] || return 0
  say "building bucketfs (Release) and the benchmark tools"
  timeout 900 "$ROOT/scripts/publish.sh" "$ARTIFACTS/bucketfs" >>"$LOGS/build.log" 2>&1 ||
    { say "build of bucketfs failed (log: $LOGS/build.log)"; tail -20 "$LOGS/build.log" >&2; exit 1; }
  for project in bench/compare/Tool bench/compare/LatencyProxy; do
    (cd "$ROOT" && timeout 900 dotnet build -c Release --nologo -v quiet --artifacts-path "$ARTIFACTS" "$project") \
      >>"$LOGS/build.log" 2>&1 || { say "build of $project failed (log: $LOGS/build.log)"; tail -20 "$LOGS/build.log" >&2; exit 1; }
  done
}

# end_run: what the exit trap does for every benchmark: unmounts whatever is still mounted (killing
# a daemon that stays by its PID), stops the proxy, gives back the VM's memory features, and stops
# the benchmark's Ceph if this run started it and KEEP_STORE is not 1.
end_run() {
  local mnt
  for mnt in "${!MOUNTED[@]}"; do unmount_fs "$mnt" || true; done
  stop_proxy
  release_page_reporting
  release_damon
  rm -f "/dev/shm/bucketfs-bench-touch.$$"
  if [ "$STARTED_STORE" = 1 ] && [ "$KEEP_STORE" = 0 ]; then
    say "stopping the benchmark's Ceph"
    env "${STORE_ENV[@]}" timeout 120 "$ROOT/scripts/stores/ceph.sh" stop >/dev/null 2>&1 || true
  fi
}

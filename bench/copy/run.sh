#!/usr/bin/env bash
# `bucketfs copy` against `rclone copy` with the ETL seed's flags (--transfers 32 --checkers 16
# --multi-thread-streams 4 --fast-list), side by side in one run on the local Ceph store
# (scripts/stores/ceph.sh, already running), directly and at +20 ms per request through
# bench/compare/LatencyProxy. Rows: 500 x 100 KiB, 10,000 x 100 KiB and 1 x 2 GiB, each uploaded,
# uploaded again unchanged (nothing to do), and downloaded; every download is hashed against the
# source (the "diffs" column counts files that differ or are missing).
#
#   bench/copy/run.sh [--quick] [--no-build]
#
#   --quick      500 x 100 KiB and 1 x 256 MiB only
#   --no-build   use the binaries of the last run
#
# Environment: BENCH_WORK (default /var/tmp/bucketfs-copy-bench), BENCH_PROXY_PORT (default 7492).
# Writes bench/copy/results.md; logs under $BENCH_WORK/logs/.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# Set on these machines; it breaks rclone and SDK clients on plain http.
unset AWS_CA_BUNDLE

QUICK=0 BUILD=1
for arg in "$@"; do
  case $arg in
    --quick) QUICK=1 ;;
    --no-build) BUILD=0 ;;
    *) echo "usage: bench/copy/run.sh [--quick] [--no-build]" >&2; exit 2 ;;
  esac
done

WORK=${BENCH_WORK:-/var/tmp/bucketfs-copy-bench}
LOGS=$WORK/logs
PROXY_PORT=${BENCH_PROXY_PORT:-7492}
mkdir -p "$LOGS"
say() { echo "[copy-bench] $*" >&2; }

eval "$("$ROOT/scripts/stores/ceph.sh" env)"
ENDPOINT=$BUCKETFS_CEPH_ENDPOINT
export AWS_ACCESS_KEY_ID=$BUCKETFS_CEPH_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$BUCKETFS_CEPH_SECRET_KEY
export RCLONE_CONFIG=/dev/null RCLONE_CONFIG_BENCH_TYPE=s3 RCLONE_CONFIG_BENCH_PROVIDER=Other \
  RCLONE_CONFIG_BENCH_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY \
  RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE=true
FLAGS=(--transfers 32 --checkers 16 --multi-thread-streams 4)

BUCKETFS=$WORK/bucketfs/bucketfs
PROXY=$WORK/artifacts/bin/Bucketfs.Bench.LatencyProxy/release/bucketfs-bench-latency-proxy
if [ $BUILD = 1 ]; then
  # The native build, as the package installs it: a copy is a short-lived command, and the shared
  # runtime's start-up and JIT (about a second here) was most of a small or no-change run.
  say "building bucketfs (NativeAOT) and the latency proxy"
  "$ROOT/scripts/publish.sh" --native "$WORK/bucketfs" >"$LOGS/build.log" 2>&1
  (cd "$ROOT" && timeout 900 dotnet build -c Release --nologo -v quiet --artifacts-path "$WORK/artifacts" bench/compare/LatencyProxy) >>"$LOGS/build.log" 2>&1
fi

PROXY_PID=""
BUCKET=copybench-$$
cleanup() {
  [ -n "$PROXY_PID" ] && kill -TERM "$PROXY_PID" 2>/dev/null && wait "$PROXY_PID" 2>/dev/null
  RCLONE_CONFIG_BENCH_ENDPOINT=$ENDPOINT timeout 300 rclone purge "bench:$BUCKET" >/dev/null 2>&1 || true
  rm -rf "$WORK/data" "$WORK/down"
}
trap cleanup EXIT

# Datasets: random bytes, .jpg names as in the seed.
make_data() {
  local dir=$WORK/data/$1 count=$2 bytes=$3
  [ -d "$dir" ] && return
  mkdir -p "$dir"
  head -c $((count * bytes)) /dev/urandom | split -b "$bytes" -a 5 -d --additional-suffix=.jpg - "$dir/img"
}

seconds() { date +%s.%N; }
elapsed() { echo "$(seconds) - $1" | bc | xargs printf '%.2f'; }

# diffs SRC DOWN: files missing or with other bytes.
diffs() {
  (cd "$1" && find . -type f -print0 | sort -z | xargs -0 md5sum) >"$WORK/sum.src"
  (cd "$2" && find . -type f -print0 | sort -z | xargs -0 md5sum) >"$WORK/sum.down" 2>/dev/null || true
  diff "$WORK/sum.src" "$WORK/sum.down" | grep -c '^<' || true
}

# run TOOL SRC DST: one timed copy; prints seconds, or "failed" (the log says why).
run() {
  local tool=$1 src=$2 dst=$3 start status=0
  start=$(seconds)
  if [ "$tool" = bucketfs ]; then
    timeout 1800 "$BUCKETFS" copy "$src" "$dst" "${FLAGS[@]}" --endpoint-url "$CURRENT" --force-path-style >>"$LOGS/bucketfs.log" 2>&1 || status=$?
  else
    RCLONE_CONFIG_BENCH_ENDPOINT=$CURRENT timeout 1800 rclone copy "$src" "$dst" "${FLAGS[@]}" --fast-list >>"$LOGS/rclone.log" 2>&1 || status=$?
  fi
  if [ $status = 0 ]; then elapsed "$start"; else echo failed; fi
}

ROWS=()
measure() {
  local name=$1 count=$2 bytes=$3 label=$4
  make_data "$name" "$count" "$bytes"
  local src=$WORK/data/$name
  declare -A t
  for tool in bucketfs rclone; do
    local remote
    if [ $tool = bucketfs ]; then remote="s3://$BUCKET/$tool/$name$label"; else remote="bench:$BUCKET/$tool/$name$label"; fi
    rm -rf "$WORK/down"
    t[$tool-up]=$(run $tool "$src" "$remote")
    t[$tool-again]=$(run $tool "$src" "$remote")
    t[$tool-down]=$(run $tool "$remote" "$WORK/down")
    t[$tool-diffs]=$(diffs "$src" "$WORK/down")
    say "$name$label $tool: up ${t[$tool-up]} s, again ${t[$tool-again]} s, down ${t[$tool-down]} s, diffs ${t[$tool-diffs]}"
  done
  for what in up again down; do
    local b=${t[bucketfs-$what]} r=${t[rclone-$what]}
    local speedup=-
    [ "$b" != failed ] && [ "$r" != failed ] && speedup=$(echo "scale=2; $r / $b" | bc)
    ROWS+=("| $name$label | $what | $b | $r | $speedup | ${t[bucketfs-diffs]} / ${t[rclone-diffs]} |")
  done
  RCLONE_CONFIG_BENCH_ENDPOINT=$ENDPOINT timeout 600 rclone purge "bench:$BUCKET" >/dev/null 2>&1 || true
  RCLONE_CONFIG_BENCH_ENDPOINT=$ENDPOINT timeout 60 rclone mkdir "bench:$BUCKET"
}

RCLONE_CONFIG_BENCH_ENDPOINT=$ENDPOINT timeout 60 rclone mkdir "bench:$BUCKET"
if [ $QUICK = 1 ]; then SETS=("500x100KiB 500 102400" "1x256MiB 1 268435456"); else SETS=("500x100KiB 500 102400" "10000x100KiB 10000 102400" "1x2GiB 1 2147483648"); fi
CURRENT=$ENDPOINT
for set in "${SETS[@]}"; do
  # shellcheck disable=SC2086 # three words
  measure $set ""
  rm -rf "$WORK/data"
done
say "starting the latency proxy: +20 ms per request"
"$PROXY" --listen "127.0.0.1:$PROXY_PORT" --target "${ENDPOINT#http://}" --delay-ms 20 >"$LOGS/proxy.log" 2>&1 &
PROXY_PID=$!
until timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PROXY_PORT" 2>/dev/null; do sleep 0.2; done
CURRENT=http://127.0.0.1:$PROXY_PORT
for set in "${SETS[@]}"; do
  # shellcheck disable=SC2086
  measure $set "@20ms"
  rm -rf "$WORK/data"
done

{
  echo "# bucketfs copy against rclone copy"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), commit $(git -C "$ROOT" rev-parse --short HEAD), bucketfs built with scripts/publish.sh --native, Ceph radosgw on 127.0.0.1 (shared), flags: ${FLAGS[*]} (rclone also --fast-list)."
  echo "Seconds (less is better); speedup = rclone / bucketfs; diffs = files differing after download (bucketfs / rclone)."
  echo
  echo "| data | run | bucketfs s | rclone s | speedup | diffs |"
  echo "| --- | --- | ---: | ---: | ---: | --- |"
  printf '%s\n' "${ROWS[@]}"
} >"$HERE/results.md"
cat "$HERE/results.md"

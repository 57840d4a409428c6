#!/usr/bin/env bash
# bucketfs at scale against s3fs and rclone, on bench/compare's Ceph radosgw (memstore). See README.md here.
#
#   bench/scale/run.sh [options]
#
#   --objects N          objects per layout (default 100000; 1000000 for a million)
#   --layouts LIST       flat (N in one folder), tree (N in 1,000 folders); default flat,tree
#   --mounters LIST      comma list of direct,bucketfs,s3fs,rclone-off (default: all; direct is the limit)
#   --cap SECONDS        time cap of each phase (default 300): past it the cell says "timed out"
#   --sample N           files read by each epoch (default 10000)
#   --keep-store         leave the benchmark's Ceph running (and seeded) for the next run
#   --no-build           use the binaries of the last build
#
# Environment: BENCH_WORK (default /var/tmp/bucketfs-bench-scale: its own binaries, so a bench/compare
# run going on is not rebuilt under it), BENCH_PROXY_PORT (default 7492, not compare's 7491),
# BENCH_BUCKETFS_ARGS, and the store's settings of bench/compare.
# Writes bench/scale/results.md and results.json; logs under $BENCH_WORK/logs/.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# AWS_CA_BUNDLE (set on these machines) breaks rclone even on plain http.
unset AWS_CA_BUNDLE

RUN_ARGS="$*"
OBJECTS=100000 LAYOUTS=flat,tree MOUNTERS=direct,bucketfs,s3fs,rclone-off CAP=300 SAMPLE=10000 STAT_COUNT=1000
KEEP_STORE=0 BUILD=1
while [ $# -gt 0 ]; do
  case $1 in
    --objects) OBJECTS=$2; shift ;;
    --layouts) LAYOUTS=$2; shift ;;
    --mounters) MOUNTERS=$2; shift ;;
    --cap) CAP=$2; shift ;;
    --sample) SAMPLE=$2; shift ;;
    --keep-store) KEEP_STORE=1 ;;
    --no-build) BUILD=0 ;;
    -h | --help) sed -n '2,/^# Writes/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[ "$(id -u)" = 0 ] || { echo "run.sh: run as root (mounts, drop_caches, /proc of the daemons)" >&2; exit 2; }

# One bucket per size, each holding the layouts asked for so far: scale100k, scale1m.
if [ $((OBJECTS % 1000000)) = 0 ]; then BUCKET=scale$((OBJECTS / 1000000))m
elif [ $((OBJECTS % 1000)) = 0 ]; then BUCKET=scale$((OBJECTS / 1000))k
else BUCKET=scale$OBJECTS; fi
BUDGET=$((1 << 30)) # no run budget: each phase has its cap

WORK=${BENCH_WORK:-/var/tmp/bucketfs-bench-scale}
STAMP=$(date +%Y%m%d-%H%M%S)
LOGS=$WORK/logs/$STAMP
MNT_BASE=$WORK/mnt
RESULTS=$LOGS/results.jsonl
MANIFEST=$WORK/manifest-$BUCKET.json
mkdir -p "$LOGS" "$MNT_BASE"
: >"$RESULTS"
# Not bench/compare's proxy port: a compare run may be using its proxy at the same time.
: "${BENCH_PROXY_PORT:=7492}"
LIB=$ROOT/bench/lib
# shellcheck source=../lib/machine.sh
. "$LIB/machine.sh"
# shellcheck source=../lib/store.sh
. "$LIB/store.sh"
# shellcheck source=../lib/mounts.sh
. "$LIB/mounts.sh"
# shellcheck source=../lib/phase.sh
. "$LIB/phase.sh"

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  end_run
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
hold_page_reporting
hold_damon
touch_free_memory

# du_workload DIR MIN_BYTES: the time `du -s` takes, and whether it counted at least MIN_BYTES.
du_workload() {
  local t0 bytes seconds ok=false
  t0=$(date +%s.%N)
  bytes=$(du -s --apparent-size -B1 "$1" | cut -f1)
  seconds=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
  [ "${bytes:-0}" -ge "$2" ] && ok=true
  printf '{"ok":%s,"value":%s,"unit":"s","detail":"du -s counted %s bytes (at least %s expected)"}\n' "$ok" "$seconds" "$bytes" "$2"
}
# changes_workload STATE EXPECTED: `bucketfs changes` of the whole bucket from no state (every key
# new), its time, output lines, and its own CPU and peak RSS (GNU time).
changes_workload() {
  local t0 lines seconds ok=false usage=$1.time
  rm -f "$1"
  t0=$(date +%s.%N)
  lines=$(/usr/bin/time -o "$usage" -f '%U %S %M' "$BUCKETFS" changes "s3://$BUCKET" --state "$1" \
    --endpoint-url "$ENDPOINT" --force-path-style | wc -l)
  seconds=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
  [ "$lines" = "$2" ] && ok=true
  read -r user sys kib <"$usage"
  printf '{"ok":%s,"value":%s,"unit":"s","detail":"bucketfs changes printed %s keys (%s expected)","client_cpu_s":%s,"client_peak_rss_mib":%s}\n' \
    "$ok" "$seconds" "$lines" "$2" "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" "$((kib / 1024))"
}
# forget_workload: makes the kernel forget every dentry and inode (FORGET to the daemon for each
# name it had), then gives the daemon 3 s to handle them before its RSS is read.
forget_workload() {
  local t0 seconds
  t0=$(date +%s.%N)
  sync
  echo 2 >/proc/sys/vm/drop_caches
  seconds=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
  sleep 3
  printf '{"ok":true,"value":%s,"unit":"s","detail":"echo 2 > drop_caches, then 3 s for the FORGETs"}\n' "$seconds"
}
export -f du_workload changes_workload forget_workload
export BUCKETFS BUCKET

has_layout() { has "$LAYOUTS" "$1"; }
FOLDERS=$((OBJECTS < 1000 ? OBJECTS : 1000))
# The tool's workloads, through a mount (--root MNT) or against the store (--endpoint URL --bucket B).
LIST=("$TOOL" scale-list --manifest "$MANIFEST")
STAT=("$TOOL" scale-stat --manifest "$MANIFEST" --count "$STAT_COUNT")
EPOCH=("$TOOL" scale-epoch --manifest "$MANIFEST" --sample "$SAMPLE")

# The rows a mounter runs on a fresh mount each: ROW FUNCTION; w_ROW MOUNTER MNT PID runs it.
w_ls-f() { phase "$1" ls-f "$3" "$CAP" bash -c 'lines_workload "$@"' _ $((OBJECTS + 2)) ls -f "$2/flat"; } # ls -f lists . and .. too
w_ls-l() { phase "$1" ls-l "$3" "$CAP" bash -c 'lines_workload "$@"' _ $((OBJECTS + 1)) ls -l "$2/flat"; } # and a total line
w_find-flat() { phase "$1" find-flat "$3" "$CAP" bash -c 'lines_workload "$@"' _ $((OBJECTS + 1)) find "$2/flat"; }
w_du-flat() { phase "$1" du-flat "$3" "$CAP" bash -c 'du_workload "$@"' _ "$2/flat" $((OBJECTS * 1024)); }
w_stat-flat() { phase "$1" stat-flat "$3" "$CAP" "${STAT[@]}" --layout flat --root "$2"; }
w_epoch-flat() { phase "$1" epoch-flat "$3" "$CAP" "${EPOCH[@]}" --layout flat --root "$2"; }
w_find-tree() { phase "$1" find-tree "$3" "$CAP" bash -c 'lines_workload "$@"' _ $((OBJECTS + FOLDERS + 1)) find "$2/tree"; }
w_du-tree() { phase "$1" du-tree "$3" "$CAP" bash -c 'du_workload "$@"' _ "$2/tree" $((OBJECTS * 1024)); }
w_stat-tree() { phase "$1" stat-tree "$3" "$CAP" "${STAT[@]}" --layout tree --root "$2"; }
w_epoch-tree() { phase "$1" epoch-tree "$3" "$CAP" "${EPOCH[@]}" --layout tree --root "$2"; }
# One mount through all of: find (every name of the flat folder known), the kernel made to forget
# them, stat and ls -l again on what it forgot, and find again after forgetting once more; the RSS
# at the end of each shows whether the daemon's memory follows what the kernel remembers.
w_one-mount() {
  phase "$1" find-1 "$3" "$CAP" bash -c 'lines_workload "$@"' _ $((OBJECTS + 1)) find "$2/flat"
  phase "$1" forget "$3" "$CAP" --warm bash -c forget_workload
  phase "$1" stat-forgot "$3" "$CAP" --warm "${STAT[@]}" --layout flat --root "$2"
  phase "$1" ls-l-forgot "$3" "$CAP" --warm bash -c 'lines_workload "$@"' _ $((OBJECTS + 1)) ls -l "$2/flat"
  phase "$1" find-2 "$3" "$CAP" bash -c 'lines_workload "$@"' _ $((OBJECTS + 1)) find "$2/flat"
}

# with_mount MOUNTER ROW: a fresh mount of MOUNTER for ROW, then unmounted.
with_mount() {
  local mounter=$1 row=$2 mnt=$MNT_BASE/$1
  if ! mount_fs "$mounter" "$mnt" "$LOGS/$mounter-$row.log"; then
    say "$mounter: mount failed (log: $LOGS/$mounter-$row.log)"
    record "$mounter" "$row" "\"error\":\"mount failed: $(jstr "$(tail -2 "$LOGS/$mounter-$row.log"* 2>/dev/null | tail -1)")\""
    unmount_fs "$mnt"
    return 0
  fi
  "w_$row" "$mounter" "$mnt" "$MOUNT_PID"
  unmount_fs "$mnt"
}

# ---------------------------------------------------------------------------------------------------

LOAD_START=$(loadavg)
say "bench/scale: $OBJECTS objects per layout ($LAYOUTS) in s3://$BUCKET; logs in $LOGS; load $LOAD_START"
step_packages
start_store
build_all

say "seeding s3://$BUCKET: $OBJECTS objects of 1 KiB in each of $LAYOUTS"
T_SEED=$SECONDS
timeout 7200 "$TOOL" scale-seed --endpoint "$STORE_ENDPOINT" --bucket "$BUCKET" --objects "$OBJECTS" --layouts "$LAYOUTS" \
  >"$MANIFEST.tmp" 2>"$LOGS/seed.log" || { say "seeding failed"; tail -5 "$LOGS/seed.log" >&2; exit 1; }
mv "$MANIFEST.tmp" "$MANIFEST"
SEED_SECONDS=$((SECONDS - T_SEED))
tail -1 "$LOGS/seed.log" >&2
printf '%s:%s\n' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" >"$PASSWD"
chmod 600 "$PASSWD"

# Everything goes through the proxy, without delay, so the store's requests are counted by type.
start_proxy 0 --count || exit 1
export ENDPOINT=http://127.0.0.1:$PROXY_PORT
T_MEASURE=$SECONDS

# The limit: the SDK straight against the store, for each kind of row.
if has "$MOUNTERS" direct; then
  say "== limit"
  direct=(--endpoint "$ENDPOINT" --bucket "$BUCKET")
  if has_layout flat; then
    phase direct list-flat-level "" "$CAP" "${LIST[@]}" --layout flat --one-level "${direct[@]}"
    phase direct list-flat "" "$CAP" "${LIST[@]}" --layout flat "${direct[@]}"
    phase direct stat-flat "" "$CAP" "${STAT[@]}" --layout flat "${direct[@]}"
    phase direct epoch-flat "" "$CAP" "${EPOCH[@]}" --layout flat "${direct[@]}"
  fi
  if has_layout tree; then
    phase direct list-tree "" "$CAP" "${LIST[@]}" --layout tree "${direct[@]}"
    phase direct stat-tree "" "$CAP" "${STAT[@]}" --layout tree "${direct[@]}"
    phase direct epoch-tree "" "$CAP" "${EPOCH[@]}" --layout tree "${direct[@]}"
  fi
  has "$MOUNTERS" bucketfs && phase direct list-all "" "$CAP" "${LIST[@]}" --layout all "${direct[@]}"
fi

ROWS=()
has_layout flat && ROWS+=(ls-f ls-l find-flat du-flat stat-flat epoch-flat)
has_layout tree && ROWS+=(find-tree du-tree stat-tree epoch-tree)
has_layout flat && ROWS+=(one-mount)
for row in "${ROWS[@]}"; do
  say "== $row"
  for m in bucketfs s3fs rclone-off; do
    has "$MOUNTERS" "$m" || continue
    with_mount "$m" "$row"
  done
done

if has "$MOUNTERS" bucketfs; then
  say "== bucketfs changes"
  layouts=${LAYOUTS//,/ }
  # shellcheck disable=SC2086 # one word per layout
  set -- $layouts
  phase bucketfs changes "" "$CAP" bash -c 'changes_workload "$@"' _ "$WORK/changes.state" $((OBJECTS * $# + 1))
  rm -f "$WORK/changes.state" "$WORK/changes.state.time"
fi
stop_proxy

LOAD_END=$(loadavg)
"$TOOL" scale-report --results "$RESULTS" --manifest "$MANIFEST" --sample "$SAMPLE" --stat-count "$STAT_COUNT" \
  --md "$HERE/results.md" --json "$HERE/results.json" \
  --meta "date=$(date -u '+%Y-%m-%d %H:%M UTC')" \
  --meta "mode=bench/scale/run.sh${RUN_ARGS:+ $RUN_ARGS}; time cap $CAP s per phase" \
  --meta "machine=$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r)$(held_features); shared with other work" \
  --meta "load average (1/5/15 min)=$LOAD_START at the start, $LOAD_END at the end" \
  --meta "store=Ceph radosgw 16.2, memstore, on 127.0.0.1; every client through bench/compare/LatencyProxy at +0 ms, which counts the requests" \
  --meta "bucketfs=$COMMIT$([ "$DIRTY" != 0 ] && echo " plus uncommitted changes in src/ ($DIRTY files)"), built by scripts/publish.sh (Release, ReadyToRun), default options" \
  --meta "peers=$(s3fs --version 2>&1 | head -1 | sed 's/ (commit.*//'); $(rclone version 2>/dev/null | head -1), --vfs-cache-mode off" \
  --meta "seeding=$SEED_SECONDS s ($(tail -1 "$LOGS/seed.log"))" \
  --meta "run time=$((SECONDS / 60)) min $((SECONDS % 60)) s in all, $(((SECONDS - T_MEASURE) / 60)) min $(((SECONDS - T_MEASURE) % 60)) s measuring" \
  2>>"$LOGS/report.log" || say "report failed (log: $LOGS/report.log)"
cp "$HERE/results.md" "$HERE/results.json" "$LOGS/" 2>/dev/null || true
say "done in ${SECONDS} s; results in $HERE/results.md and results.json"

#!/usr/bin/env bash
# bucketfs against s3fs and rclone, on a Ceph radosgw (memstore) of its own. See README.md here.
#
#   bench/compare/run.sh [--quick] [options]
#
#   --quick              256 MiB large file, 1,000 ML files, 2 s random phases, no find and no
#                        writes, latency 20 ms only and there seq and rand only; stops measuring
#                        at 290 s (a full run at 1,780 s): rows not reached are marked skipped
#   --keep-store         leave the benchmark's Ceph running (and seeded) for the next run
#   --mounters LIST      comma list of direct,bucketfs,s3fs,rclone-off,rclone-full,bucketfs-cache,
#                        bucketfs-cache-nopt,s3fs-cache (default: all). The last three (local data
#                        cache) run seq and ml only; they and rclone-full also measure those again
#                        after a remount on the same cache folder (seq-remount, ml-remount)
#   --workloads LIST     comma list of seq,ls,find,ml,rand,writes,latency (default: all; quick:
#                        seq,ls,ml,rand,latency)
#   --latencies LIST     per-request delays in ms for the latency section (default 0,5,20; quick 20)
#   --no-build           use the binaries of the last build (by default it builds unless they are
#                        newer than every source file)
#
# Environment: BENCH_WORK (default /var/tmp/bucketfs-bench), BENCH_BUCKETFS_ARGS (extra mount
# options for bucketfs, e.g. --debug), and the store's settings BENCH_STORE_DIR, BENCH_RGW_PORT,
# BENCH_MON_PORT, BENCH_OSD_PORT_MIN, BENCH_PROXY_PORT.
# Writes bench/compare/results.md and results.json; logs under $BENCH_WORK/logs/.
# shellcheck disable=SC2046 # $(lat_args ...) prints options that are meant to be split
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# AWS_CA_BUNDLE (set on these machines) breaks rclone even on plain http.
unset AWS_CA_BUNDLE

RUN_ARGS="$*"
QUICK=0 KEEP_STORE=0 BUILD=1
MOUNTERS=direct,bucketfs,s3fs,rclone-off,rclone-full,bucketfs-cache,bucketfs-cache-nopt,s3fs-cache
WORKLOADS=""
LATENCIES=""
while [ $# -gt 0 ]; do
  case $1 in
    --quick) QUICK=1 ;;
    --keep-store) KEEP_STORE=1 ;;
    --no-build) BUILD=0 ;;
    --mounters) MOUNTERS=$2; shift ;;
    --workloads) WORKLOADS=$2; shift ;;
    --latencies) LATENCIES=$2; shift ;;
    -h | --help) sed -n '2,/^# Writes/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[ "$(id -u)" = 0 ] || { echo "run.sh: run as root (mounts, drop_caches, /proc of the daemons)" >&2; exit 2; }

if [ $QUICK = 1 ]; then
  LARGE_MIB=256 ML_COUNT=1000 RAND_SECONDS=2 BUDGET=290 MODE=quick WRITE_MIB=64 WRITE_FILES=200 LIST_LIMIT=90
  : "${LATENCIES:=20}" "${WORKLOADS:=seq,ls,ml,rand,latency}"
  LATENCY_ROWS="seq rand" LAT_SEQ_MIB=128 LAT_ML_FILES=500 LAT_RAND_SECONDS=2
else
  LARGE_MIB=2048 ML_COUNT=10000 RAND_SECONDS=10 BUDGET=1780 MODE=full WRITE_MIB=1024 WRITE_FILES=1000 LIST_LIMIT=300
  : "${LATENCIES:=0,5,20}" "${WORKLOADS:=seq,ls,find,ml,rand,writes,latency}"
  LATENCY_ROWS="seq ml rand" LAT_SEQ_MIB=256 LAT_ML_FILES=1000 LAT_RAND_SECONDS=5
fi
SMALL_COUNT=10000 # the ls target stays at 10,000 entries in both modes
ML_BYTES=$((100 << 10))
BUCKET=bench
# What `find MOUNT` prints: the root, small/, ml/, 10 class folders, large.bin, manifest.json and the files.
FIND_ENTRIES=$((1 + 2 + 10 + 2 + SMALL_COUNT + ML_COUNT))

WORK=${BENCH_WORK:-/var/tmp/bucketfs-bench}
STAMP=$(date +%Y%m%d-%H%M%S)
LOGS=$WORK/logs/$STAMP
MNT_BASE=$WORK/mnt
RESULTS=$LOGS/results.jsonl
MANIFEST=$WORK/manifest-$MODE.json
mkdir -p "$LOGS" "$MNT_BASE"
: >"$RESULTS"
LIB=$ROOT/bench/lib
# shellcheck source=../lib/machine.sh
. "$LIB/machine.sh"
# shellcheck source=../lib/store.sh
. "$LIB/store.sh"
# shellcheck source=../lib/mounts.sh
. "$LIB/mounts.sh"
# shellcheck source=../lib/phase.sh
. "$LIB/phase.sh"

# The mounters' local caches: emptied before each mounter's first mount of a workload and kept
# across its remount (bucketfs-cache and bucketfs-cache-nopt share theirs); removed at the end.
CACHE_BASE=$WORK/cache
# Mounters with a disk cache that survives a remount: seq and ml are measured again after one.
REMOUNT_MOUNTERS="rclone-full bucketfs-cache bucketfs-cache-nopt s3fs-cache"
# Mounters that run only the local-data-cache workloads (seq and ml, no latency rows).
CACHE_ONLY_MOUNTERS="bucketfs-cache bucketfs-cache-nopt s3fs-cache"
CACHE_WORKLOADS="seq ml"

# cache_dir MOUNTER: the folder of the mounter's local cache (empty if it has none).
cache_dir() {
  case $1 in
    bucketfs-cache | bucketfs-cache-nopt) echo "$CACHE_BASE/bucketfs" ;;
    s3fs-cache) echo "$CACHE_BASE/s3fs" ;;
    rclone-full) echo "$CACHE_BASE/rclone" ;;
  esac
}
# reset_cache MOUNTER: empties the mounter's cache folder (never while mounted: between mounts only).
reset_cache() {
  local dir
  dir=$(cache_dir "$1")
  [ -n "$dir" ] || return 0
  rm -rf "$dir"
  mkdir -p "$dir"
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  rm -rf "$CACHE_BASE"
  end_run
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
hold_page_reporting
hold_damon
touch_free_memory

TOOL_STORE=(--endpoint "$STORE_ENDPOINT" --bucket "$BUCKET" --manifest "$MANIFEST")

seq_limit() { echo $((LARGE_MIB / 8 + 60)); } # fails below 8 MiB/s
ml_limit() { echo $((ML_COUNT / 20 + 60)); }   # fails below 20 files/s

# direct_W WORKLOAD: the workload straight against $ENDPOINT with the SDK (no FUSE, no mount).
direct_w() {
  local args=(--endpoint "$ENDPOINT" --bucket "$BUCKET" --manifest "$MANIFEST")
  case $1 in
    seq) phase direct "seq$SUFFIX" "" "$(seq_limit)" "$TOOL" direct-seq "${args[@]}" $(lat_args seq) ;;
    ls) phase direct ls "" 120 "$TOOL" direct-ls "${args[@]}" ;;
    find) phase direct find "" 120 "$TOOL" direct-find "${args[@]}" ;;
    # No warm epoch: the report compares the mounters' warm epochs with this one.
    ml) phase direct "ml-cold$SUFFIX" "" "$(ml_limit)" "$TOOL" direct-ml "${args[@]}" $(lat_args ml) ;;
    rand)
      [ -n "$SUFFIX" ] || phase direct rand1 "" $((RAND_SECONDS + 60)) "$TOOL" direct-rand "${args[@]}" --threads 1 --seconds "$RAND_SECONDS"
      phase direct "rand8$SUFFIX" "" $((RAND_SECONDS + 60)) "$TOOL" direct-rand "${args[@]}" --threads 8 $(lat_args rand)
      ;;
  esac
  return 0
}

# with_mount MOUNTER TAG FUNC: mounts fresh, runs FUNC MOUNTER MNT PID, unmounts. MOUNT_FAILED=1
# after a mount that failed.
MOUNT_FAILED=0
with_mount() {
  local mounter=$1 tag=$2 fn=$3 mnt=$MNT_BASE/$1
  MOUNT_FAILED=0
  if [ $SECONDS -gt $BUDGET ]; then
    # No mount: the phases record themselves as skipped.
    "$fn" "$mounter" "$mnt" ""
    return 0
  fi
  if ! mount_fs "$mounter" "$mnt" "$LOGS/$mounter-$tag.log"; then
    MOUNT_FAILED=1
    say "$mounter: mount failed (log: $LOGS/$mounter-$tag.log)"
    record "$mounter" "$tag" "\"error\":\"mount failed: $(jstr "$(tail -2 "$LOGS/$mounter-$tag.log"* 2>/dev/null | tail -1)")\""
    unmount_fs "$mnt"
    return 0
  fi
  "$fn" "$mounter" "$mnt" "$MOUNT_PID"
  unmount_fs "$mnt"
}

SUFFIX="" # "@Nms" in the latency section
# lat_args WORKLOAD: the latency rows read less (the first part of the large file, part of the epoch).
lat_args() {
  case $1:$SUFFIX in
    seq:?*) echo "--max-mib $LAT_SEQ_MIB" ;;
    ml:?*) echo "--limit $LAT_ML_FILES" ;;
    rand:?*) echo "--seconds $LAT_RAND_SECONDS" ;;
    rand:) echo "--seconds $RAND_SECONDS" ;;
  esac
}
w_seq() { phase "$1" "seq$SUFFIX" "$3" "$(seq_limit)" "$TOOL" seq --file "$2/large.bin" --manifest "$MANIFEST" $(lat_args seq); }
# ls -l prints a "total" line before the entries.
w_ls() { phase "$1" "ls$SUFFIX" "$3" "$LIST_LIMIT" bash -c 'lines_workload "$@"' _ $((SMALL_COUNT + 1)) ls -l "$2/small"; }
w_find() { phase "$1" "find$SUFFIX" "$3" "$LIST_LIMIT" bash -c 'lines_workload "$@"' _ "$FIND_ENTRIES" find "$2"; }
w_ml() {
  phase "$1" "ml-cold$SUFFIX" "$3" "$(ml_limit)" "$TOOL" ml --root "$2" --manifest "$MANIFEST" $(lat_args ml)
  # The cache-only mounters have no warm epoch on the same mount (time): their second epoch is after a remount.
  [ -n "$SUFFIX" ] || cache_only "$1" || phase "$1" ml-warm "$3" "$(ml_limit)" --warm "$TOOL" ml --root "$2" --manifest "$MANIFEST"
}
# After a remount on the same cache folder (phase drops the page cache first): what the disk cache kept.
w_seq_remount() { phase "$1" seq-remount "$3" "$(seq_limit)" "$TOOL" seq --file "$2/large.bin" --manifest "$MANIFEST"; }
w_ml_remount() { phase "$1" ml-remount "$3" "$(ml_limit)" "$TOOL" ml --root "$2" --manifest "$MANIFEST"; }
w_rand() {
  [ -n "$SUFFIX" ] || phase "$1" rand1 "$3" $((RAND_SECONDS + 60)) "$TOOL" rand --file "$2/large.bin" --manifest "$MANIFEST" --threads 1 --seconds "$RAND_SECONDS"
  phase "$1" "rand8$SUFFIX" "$3" $((RAND_SECONDS + 60)) "$TOOL" rand --file "$2/large.bin" --manifest "$MANIFEST" --threads 8 $(lat_args rand)
}
w_writes() {
  local dir=$2/writes-$1
  phase "$1" write-seq "$3" 300 "$TOOL" write-seq --file "$2/write-$1.bin" --mib "$WRITE_MIB"
  phase "$1" write-small "$3" 300 "$TOOL" write-small --dir "$dir" --count "$WRITE_FILES"
  # Leave the bucket as seeded for the next mounter.
  timeout 300 rm -rf "$2/write-$1.bin" "$dir" 2>>"$LOGS/$1-writes.err" || say "$1: could not remove what the write workloads wrote"
}

cache_only() { [[ " $CACHE_ONLY_MOUNTERS " == *" $1 "* ]]; }

# run_mounter MOUNTER W TAG: MOUNTER's part of a row: a fresh mount on an empty cache; for the
# mounters with a disk cache in the seq and ml rows (not the latency ones), then W again after a
# remount on the same cache folder.
run_mounter() {
  local m=$1 w=$2 tag=$3
  reset_cache "$m"
  with_mount "$m" "$tag" "w_$w"
  [ -z "$SUFFIX" ] && [[ " $REMOUNT_MOUNTERS " == *" $m "* && " $CACHE_WORKLOADS " == *" $w "* ]] || return 0
  if [ $MOUNT_FAILED = 1 ]; then
    record "$m" "$w-remount" '"error":"not measured: the first mount failed"'
    return 0
  fi
  with_mount "$m" "$w-remount" "w_${w}_remount"
}

# run_workload W: one row of the table: direct first, then each mounter on a fresh mount. Rows go one
# after another (not mounters), so a run that hits its time budget loses whole rows, never columns.
# The cache-only mounters come last, in the seq and ml rows only (not in the latency section).
run_workload() {
  local w=$1 m
  has "$WORKLOADS" "$w" || return 0
  say "== $w$SUFFIX"
  [ -z "$CACHE_PASS" ] && has "$MOUNTERS" direct && direct_w "$w"
  local mounters="bucketfs s3fs rclone-off rclone-full"
  [ -z "$CACHE_PASS" ] || mounters=$CACHE_ONLY_MOUNTERS
  for m in $mounters; do
    has "$MOUNTERS" "$m" || continue
    if cache_only "$m" && { [ -n "$SUFFIX" ] || [[ " $CACHE_WORKLOADS " != *" $w "* ]]; }; then continue; fi
    run_mounter "$m" "$w" "$w$SUFFIX"
  done
  return 0
}

# ---------------------------------------------------------------------------------------------------

LOAD_START=$(loadavg)
say "bench/compare ($MODE): logs in $LOGS; load $LOAD_START"
rm -rf "$CACHE_BASE" # a run's caches start empty (and an interrupted run's are not left behind)

step_packages
start_store
build_all
CACHE_PASS=""

say "seeding s3://$BUCKET: ${LARGE_MIB} MiB file, $SMALL_COUNT small objects, $ML_COUNT ML files"
timeout 900 "$TOOL" seed "${TOOL_STORE[@]:0:4}" --large-mib "$LARGE_MIB" --small "$SMALL_COUNT" --ml "$ML_COUNT" \
  --ml-bytes "$ML_BYTES" >"$MANIFEST.tmp" 2>"$LOGS/seed.log" || { say "seeding failed"; tail -5 "$LOGS/seed.log" >&2; exit 1; }
mv "$MANIFEST.tmp" "$MANIFEST"
tail -1 "$LOGS/seed.log" >&2
printf '%s:%s\n' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" >"$PASSWD"
chmod 600 "$PASSWD"
T_MEASURE=$SECONDS

for w in seq ls find ml rand; do run_workload "$w"; done

if has "$WORKLOADS" writes; then
  say "== writes"
  for m in bucketfs s3fs rclone-off rclone-full; do
    has "$MOUNTERS" "$m" || continue
    reset_cache "$m"
    with_mount "$m" writes w_writes
  done
fi

if has "$WORKLOADS" latency && [ -x "$PROXY" ]; then
  IFS=, read -ra delays <<<"$LATENCIES"
  for d in "${delays[@]}"; do
    say "== latency: +$d ms per request through the proxy on port $PROXY_PORT"
    start_proxy "$d" || break
    ENDPOINT=http://127.0.0.1:$PROXY_PORT SUFFIX="@${d}ms"
    for w in $LATENCY_ROWS; do run_workload "$w"; done
    stop_proxy
  done
  ENDPOINT=$STORE_ENDPOINT SUFFIX=""
fi

# The local-data-cache mounters last, so the time budget cuts them rather than the main table.
CACHE_PASS=1
for w in $CACHE_WORKLOADS; do run_workload "$w"; done
CACHE_PASS=""

LOAD_END=$(loadavg)
"$TOOL" report --results "$RESULTS" --manifest "$MANIFEST" --write-mib "$WRITE_MIB" --write-files "$WRITE_FILES" \
  --latency-seq-mib "$LAT_SEQ_MIB" --latency-ml-files "$LAT_ML_FILES" --md "$HERE/results.md" --json "$HERE/results.json" \
  --meta "date=$(date -u '+%Y-%m-%d %H:%M UTC')" \
  --meta "mode=$MODE (bench/compare/run.sh${RUN_ARGS:+ $RUN_ARGS})" \
  --meta "machine=$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r)$(held_features); shared with other work" \
  --meta "load average (1/5/15 min)=$LOAD_START at the start, $LOAD_END at the end" \
  --meta "store=Ceph radosgw 16.2, memstore, on 127.0.0.1 (tcp_nodelay); latency rows through bench/compare/LatencyProxy" \
  --meta "bucketfs=$COMMIT$([ "$DIRTY" != 0 ] && echo " plus uncommitted changes in src/ ($DIRTY files)"), built by scripts/publish.sh (Release, ReadyToRun), default options (the local-data-cache rows: --cache DIR, and --no-passthrough)" \
  --meta "peers=$(s3fs --version 2>&1 | head -1 | sed 's/ (commit.*//'); $(rclone version 2>/dev/null | head -1)" \
  --meta "run time=$((SECONDS / 60)) min $((SECONDS % 60)) s in all, $(((SECONDS - T_MEASURE) / 60)) min $(((SECONDS - T_MEASURE) % 60)) s measuring" \
  2>>"$LOGS/report.log" || say "report failed (log: $LOGS/report.log)"
cp "$HERE/results.md" "$HERE/results.json" "$LOGS/" 2>/dev/null || true
say "done in ${SECONDS} s; results in $HERE/results.md and results.json"

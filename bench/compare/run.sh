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
CLK_TCK=$(getconf CLK_TCK)

# The mounters' local caches: emptied before each mounter's first mount of a workload and kept
# across its remount (bucketfs-cache and bucketfs-cache-nopt share theirs); removed at the end.
CACHE_BASE=$WORK/cache
# Mounters with a disk cache that survives a remount: seq and ml are measured again after one.
REMOUNT_MOUNTERS="rclone-full bucketfs-cache bucketfs-cache-nopt s3fs-cache"
# Mounters that run only the local-data-cache workloads (seq and ml, no latency rows).
CACHE_ONLY_MOUNTERS="bucketfs-cache bucketfs-cache-nopt s3fs-cache"
CACHE_WORKLOADS="seq ml"

STARTED_STORE=0 PROXY_PID=""
declare -A MOUNTED=() # mountpoint -> "mounter pid"

say() { printf '%s %s\n' "$(date +%T)" "$*" >&2; }
has() { [[ ,$1, == *,$2,* ]]; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
# JSON string contents: no quotes, backslashes or control characters.
jstr() { printf '%s' "$*" | tr '"\\\t\r\n' "'/   " | tr -d '\000-\037'; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }

# Free page reporting (virtio-balloon in a VM) hands the host the memory the guest frees in 2 MiB
# blocks, and the guest's next touch of such a page costs a host page fault. Each drop_caches frees
# gigabytes, so whichever mounter's page cache next landed on reported pages ran slower by chance:
# a cold 2 GiB read into a bucketfs cache went 262-388 MiB/s with 4-8 s daemon CPU with reporting,
# 483-520 MiB/s with 2.7 s without; a read of a fresh cache file after a remount 415 vs 920 MiB/s.
# Reporting is off for the run (no free block is of an order above the largest) and restored at exit.
REPORTING=/sys/module/page_reporting/parameters/page_reporting_order REPORTING_WAS=""
hold_page_reporting() {
  [ -w "$REPORTING" ] || return 0
  REPORTING_WAS=$(cat "$REPORTING")
  echo 11 >"$REPORTING" || REPORTING_WAS=""
}
release_page_reporting() { [ -z "$REPORTING_WAS" ] || echo "$REPORTING_WAS" >"$REPORTING" || true; }
# DAMON (here a kdamond set up by the VM to page out memory it sees idle) dropped page cache the
# warm epochs were to read: a 10,000-file warm epoch through bucketfs fetched 36-46 MiB again and ran
# at 1,600-1,800 files/s with it, 0 MiB and 9,700-10,200 files/s without. Held off for the run too.
DAMON_HELD=()
hold_damon() {
  local state
  for state in /sys/kernel/mm/damon/admin/kdamonds/*/state; do
    [ -w "$state" ] && [ "$(cat "$state")" = on ] || continue
    echo off >"$state" && DAMON_HELD+=("$state")
  done
}
release_damon() {
  local state
  for state in "${DAMON_HELD[@]}"; do echo on >"$state" || true; done
}
# Pages reported before the run stay with the host until touched: filling and freeing a tmpfs file
# (half the available memory, at most 8 GiB) takes those first touches before anything is measured.
touch_free_memory() {
  [ -n "$REPORTING_WAS" ] || return 0
  local mib file=/dev/shm/bucketfs-bench-touch.$$
  mib=$(awk '/^MemAvailable/ { m = int($2 / 2048); print (m > 8192 ? 8192 : m) }' /proc/meminfo)
  timeout 120 head -c "${mib}M" /dev/zero >"$file" 2>/dev/null || true
  rm -f "$file"
}

proc_running() { [ -d "/proc/$1" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
# CPU seconds (user + system, all threads) of a process; the comm field has no spaces for these daemons.
proc_cpu() { awk -v t="$CLK_TCK" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$1/stat" 2>/dev/null || echo null; }
proc_hwm_mib() { awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo null; }

# The daemon serving a mountpoint: the process that holds /dev/fuse open and has the mountpoint on its command line.
fuse_daemon_pid() {
  local mnt=$1 f p
  # One grep over every command line and one find per candidate: a fork per process or per
  # descriptor would cost seconds on a loaded machine. (Paths under /proc have no spaces.)
  # shellcheck disable=SC2013
  for f in $(grep -lsF -- "$mnt" /proc/[0-9]*/cmdline); do
    p=${f%/cmdline}
    [[ $(tr '\0' ' ' 2>/dev/null <"$f") == *" $mnt "* ]] || continue # not MNT-cache for MNT
    if [ -n "$(find "$p/fd" -maxdepth 1 -lname /dev/fuse -print -quit 2>/dev/null)" ]; then
      echo "${p#/proc/}"
      return 0
    fi
  done
  return 1
}

is_mounted() { grep -q " $1 " /proc/mounts; }

# wait_for SECONDS COMMAND...: polls until COMMAND succeeds; fails after SECONDS.
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.1
  done
}
wait_mounted() { wait_for "$2" is_mounted "$1"; }
proc_gone() { ! proc_running "$1"; }
wait_gone() { wait_for "$2" proc_gone "$1"; }

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

# mount_fs MOUNTER MNT LOG: mounts fresh; sets MOUNT_PID to the daemon's PID. Not in a subshell:
# it records the mount for the cleanup, and rclone must stay this shell's child to be reaped.
MOUNT_PID=""
mount_fs() {
  local mounter=$1 mnt=$2 log=$3 pid t0
  t0=$(now)
  MOUNT_PID=""
  if is_mounted "$mnt"; then umount "$mnt" 2>/dev/null || umount -l "$mnt" || true; fi
  mkdir -p "$mnt"
  local cache
  cache=$(cache_dir "$mounter")
  [ -z "$cache" ] || mkdir -p "$cache"
  case $mounter in
    bucketfs | bucketfs-cache | bucketfs-cache-nopt)
      local extra=()
      [ -z "$cache" ] || extra=(--cache "$cache")
      [ "$mounter" != bucketfs-cache-nopt ] || extra+=(--no-passthrough)
      # shellcheck disable=SC2086 # BENCH_BUCKETFS_ARGS is a list of options
      timeout 150 "$BUCKETFS" mount "s3://$BUCKET" "$mnt" --endpoint-url "$ENDPOINT" --force-path-style \
        "${extra[@]}" --log-file "$log" ${BENCH_BUCKETFS_ARGS:-} </dev/null >>"$log.out" 2>&1 || return 1
      ;;
    s3fs | s3fs-cache)
      timeout 60 s3fs "$BUCKET" "$mnt" -o "url=$ENDPOINT,use_path_request_style,passwd_file=$PASSWD,logfile=$log${cache:+,use_cache=$cache}" \
        </dev/null >>"$log.out" 2>&1 || return 1
      ;;
    rclone-off | rclone-full)
      local mode=${mounter#rclone-} extra=()
      [ -z "$cache" ] || extra=(--cache-dir "$cache")
      [[ $ENDPOINT == http://127.0.0.1:* ]] || { say "refusing to start rclone with endpoint '$ENDPOINT'"; return 1; }
      # Unlike `--daemon`, a background child of this script can be waited for (no zombie left).
      RCLONE_CONFIG_BENCH_ENDPOINT=$ENDPOINT setsid rclone mount "bench:$BUCKET" "$mnt" --s3-endpoint "$ENDPOINT" \
        --vfs-cache-mode "$mode" "${extra[@]}" --log-file "$log" </dev/null >>"$log.out" 2>&1 &
      ;;
  esac
  MOUNTED[$mnt]="$mounter 0"
  wait_mounted "$mnt" 60 || return 1
  local deadline=$((SECONDS + 10))
  until pid=$(fuse_daemon_pid "$mnt"); do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.1
  done
  MOUNTED[$mnt]="$mounter $pid"
  MOUNT_PID=$pid
  echo "$(date +%T) mount $mounter: $(since "$t0") s" >>"$LOGS/timing.log"
}

# unmount_fs MNT: unmounts, waits for the daemon to exit, and kills it by PID if it does not.
unmount_fs() {
  local mnt=$1 mounter pid t0
  t0=$(now)
  read -r mounter pid <<<"${MOUNTED[$mnt]:-x 0}"
  if is_mounted "$mnt"; then
    if [[ $mounter == bucketfs* ]]; then
      timeout 30 "$BUCKETFS" unmount "$mnt" >/dev/null 2>&1 || timeout 10 umount -l "$mnt" || true
    else
      timeout 30 umount "$mnt" 2>/dev/null || timeout 10 umount -l "$mnt" || true
    fi
  fi
  if [ "$pid" != 0 ] && ! wait_gone "$pid" 20; then
    say "$mounter daemon $pid still running after unmount: SIGTERM"
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_gone "$pid" 10; then kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  unset "MOUNTED[$mnt]"
  # Reap rclone (our own background child) if it was one.
  wait "$pid" 2>/dev/null || true
  echo "$(date +%T) unmount $mounter: $(since "$t0") s" >>"$LOGS/timing.log"
}

cleanup() {
  local rc=$? mnt
  trap - EXIT INT TERM
  for mnt in "${!MOUNTED[@]}"; do unmount_fs "$mnt" || true; done
  stop_proxy
  release_page_reporting
  release_damon
  rm -rf "$CACHE_BASE" "/dev/shm/bucketfs-bench-touch.$$"
  if [ $STARTED_STORE = 1 ] && [ $KEEP_STORE = 0 ]; then
    say "stopping the benchmark's Ceph"
    env "${STORE_ENV[@]}" timeout 120 "$ROOT/scripts/stores/ceph.sh" stop >/dev/null 2>&1 || true
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
hold_page_reporting
hold_damon
touch_free_memory

# record MOUNTER WORKLOAD JSON-FIELDS: one line of results.jsonl.
record() { printf '{"mounter":"%s","workload":"%s",%s}\n' "$1" "$2" "$3" >>"$RESULTS"; }

# phase MOUNTER WORKLOAD PID LIMIT [--warm] CMD...: drops the page cache (unless --warm), resets the
# daemon's peak RSS, runs CMD bounded by LIMIT seconds and records its JSON line with the daemon's
# CPU seconds and peak RSS over the phase. If CMD is still stuck 20 s past its limit (a FUSE request
# the daemon never answers), the daemon is killed by PID to release it.
phase() {
  local mounter=$1 workload=$2 pid=$3 limit=$4
  shift 4
  local warm=0
  if [ "$1" = --warm ]; then warm=1; shift; fi
  if [ $SECONDS -gt $BUDGET ]; then
    record "$mounter" "$workload" "\"status\":\"skipped\",\"error\":\"skipped: the run's time budget ($BUDGET s) was used up\""
    say "$mounter $workload: skipped (time budget)"
    return 0
  fi
  local t_setup
  t_setup=$(now)
  [ $warm = 1 ] || drop_caches
  local cpu0=null load t0 out=$LOGS/$mounter-$workload.out err=$LOGS/$mounter-$workload.err rc=0 watchdog
  if [ -n "$pid" ]; then
    echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || true
    cpu0=$(proc_cpu "$pid")
  fi
  load=$(loadavg)
  echo "$(date +%T) phase $mounter $workload: setup (drop caches) $(since "$t_setup") s" >>"$LOGS/timing.log"
  t0=$(now)
  timeout -k 10 "$limit" "$@" >"$out" 2>"$err" &
  local cpid=$!
  if [ -n "$pid" ]; then
    (sleep $((limit + 20)) && proc_running "$cpid" && kill -KILL "$pid") >/dev/null 2>&1 &
    watchdog=$!
  fi
  wait "$cpid" || rc=$?
  if [ -n "${watchdog:-}" ]; then
    pkill -P "$watchdog" 2>/dev/null || true # its sleep, by parent PID
    kill "$watchdog" 2>/dev/null || true
    wait "$watchdog" 2>/dev/null || true
  fi
  local wall cpu=null hwm=null result error=""
  wall=$(since "$t0")
  if [ -n "$pid" ] && proc_running "$pid"; then
    cpu=$(awk -v a="$(proc_cpu "$pid")" -v b="$cpu0" 'BEGIN { printf "%.2f", a - b }')
    hwm=$(proc_hwm_mib "$pid")
  elif [ -n "$pid" ]; then
    error="the daemon ($pid) died during the workload"
  fi
  result=$(grep '^{' "$out" | tail -1 || true)
  if [ $rc = 124 ] || [ $rc = 137 ]; then
    error="timed out after $limit s${error:+; $error}"
  elif [ $rc != 0 ] && [ -z "$result" ]; then
    error="exit $rc: $(tail -1 "$err" 2>/dev/null)${error:+; $error}"
  fi
  record "$mounter" "$workload" "\"wall_s\":$wall,\"daemon_pid\":${pid:-null},\"daemon_cpu_s\":$cpu,\"daemon_peak_rss_mib\":$hwm,\"load\":\"$load\",\"rc\":$rc,\"result\":${result:-null}${error:+,\"error\":\"$(jstr "$error")\"}"
  local shown
  shown=$(printf '%s' "$result" | sed -n 's/.*"value":\([0-9.]*\),"unit":"\([^"]*\)".*/\1 \2/p')
  if [[ $result == *'"ok":true'* ]] && [ -z "$error" ]; then
    say "$mounter $workload: $shown (cpu ${cpu} s, rss ${hwm} MiB, wall $wall s)"
  else
    say "$mounter $workload: FAILED ${error:-$(printf '%s' "$result" | cut -c1-300)}"
  fi
}

# Workloads run by the shell (each bounded by phase's timeout): they print the same JSON line as the tool.
ls_workload() {
  local dir=$1 expected=$2 t0 lines seconds ok=false
  t0=$(date +%s.%N)
  # shellcheck disable=SC2012 # ls -l is the workload
  lines=$(ls -l "$dir" | wc -l)
  seconds=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
  [ "$lines" = $((expected + 1)) ] && ok=true
  printf '{"ok":%s,"value":%s,"unit":"s","detail":"ls -l printed %s lines (%s entries expected, plus total)"}\n' \
    "$ok" "$seconds" "$lines" "$expected"
}
find_workload() {
  local dir=$1 expected=$2 t0 lines seconds ok=false
  t0=$(date +%s.%N)
  lines=$(find "$dir" | wc -l)
  seconds=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
  [ "$lines" = "$expected" ] && ok=true
  printf '{"ok":%s,"value":%s,"unit":"s","detail":"find printed %s paths (%s expected)"}\n' "$ok" "$seconds" "$lines" "$expected"
}
export -f ls_workload find_workload

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
w_ls() { phase "$1" "ls$SUFFIX" "$3" "$LIST_LIMIT" bash -c 'ls_workload "$@"' _ "$2/small" "$SMALL_COUNT"; }
w_find() { phase "$1" "find$SUFFIX" "$3" "$LIST_LIMIT" bash -c 'find_workload "$@"' _ "$2" "$FIND_ENTRIES"; }
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

start_proxy() { # DELAY_MS
  stop_proxy
  "$PROXY" --listen "127.0.0.1:$PROXY_PORT" --target "127.0.0.1:${BENCH_RGW_PORT:-7481}" --delay-ms "$1" \
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
    PROXY_PID=""
  fi
}

# ---------------------------------------------------------------------------------------------------

LOAD_START=$(loadavg)
say "bench/compare ($MODE): logs in $LOGS; load $LOAD_START"
rm -rf "$CACHE_BASE" # a run's caches start empty (and an interrupted run's are not left behind)

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
step_packages

if env "${STORE_ENV[@]}" timeout 60 "$ROOT/scripts/stores/ceph.sh" status >/dev/null 2>&1; then
  say "the benchmark's Ceph is already running at $STORE_ENDPOINT (left running at the end)"
else
  say "starting the benchmark's Ceph (memstore) at $STORE_ENDPOINT"
  STARTED_STORE=1
  env "${STORE_ENV[@]}" timeout 900 "$ROOT/scripts/stores/ceph.sh" start >&2
fi

# Builds unless the binaries are newer than every source file of the projects (a build that finds
# nothing to do still costs 20-70 s here).
stale() {
  local out=$1
  shift
  [ -x "$out" ] || return 0
  [ -n "$(find "$@" \( -name obj -o -name bin \) -prune -o \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' \) \
    -newer "$out" -print -quit 2>/dev/null)" ]
}
if [ $BUILD = 1 ] && ! stale "$BUCKETFS.dll" "$ROOT/src" "$ROOT/Directory.Build.props" "$ROOT/Directory.Packages.props" &&
  ! stale "$TOOL.dll" "$HERE/Tool" && ! stale "$PROXY.dll" "$HERE/LatencyProxy"; then
  say "binaries are up to date"
  BUILD=0
fi
# What is measured is what is built now, whatever the tree holds when the run ends.
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$ROOT" status --porcelain -- src 2>/dev/null | wc -l)
CACHE_PASS=""
if [ $BUILD = 1 ]; then
  say "building bucketfs (Release) and the benchmark tools"
  timeout 900 "$ROOT/scripts/publish.sh" "$ARTIFACTS/bucketfs" >>"$LOGS/build.log" 2>&1 ||
    { say "build of bucketfs failed (log: $LOGS/build.log)"; tail -20 "$LOGS/build.log" >&2; exit 1; }
  for project in bench/compare/Tool bench/compare/LatencyProxy; do
    (cd "$ROOT" && timeout 900 dotnet build -c Release --nologo -v quiet --artifacts-path "$ARTIFACTS" "$project") \
      >>"$LOGS/build.log" 2>&1 || { say "build of $project failed (log: $LOGS/build.log)"; tail -20 "$LOGS/build.log" >&2; exit 1; }
  done
fi

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
  --meta "machine=$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r)$([ -z "$REPORTING_WAS" ] || echo ", free page reporting held off")$([ ${#DAMON_HELD[@]} = 0 ] || echo ", DAMON held off"); shared with other work" \
  --meta "load average (1/5/15 min)=$LOAD_START at the start, $LOAD_END at the end" \
  --meta "store=Ceph radosgw 16.2, memstore, on 127.0.0.1 (tcp_nodelay); latency rows through bench/compare/LatencyProxy" \
  --meta "bucketfs=$commit$([ "$dirty" != 0 ] && echo " plus uncommitted changes in src/ ($dirty files)"), built by scripts/publish.sh (Release, ReadyToRun), default options (the local-data-cache rows: --cache DIR, and --no-passthrough)" \
  --meta "peers=$(s3fs --version 2>&1 | head -1 | sed 's/ (commit.*//'); $(rclone version 2>/dev/null | head -1)" \
  --meta "run time=$((SECONDS / 60)) min $((SECONDS % 60)) s in all, $(((SECONDS - T_MEASURE) / 60)) min $(((SECONDS - T_MEASURE) % 60)) s measuring" \
  2>>"$LOGS/report.log" || say "report failed (log: $LOGS/report.log)"
cp "$HERE/results.md" "$HERE/results.json" "$LOGS/" 2>/dev/null || true
say "done in ${SECONDS} s; results in $HERE/results.md and results.json"

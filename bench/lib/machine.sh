# shellcheck shell=bash
# The machine under a benchmark: time, processes, the page cache and the VM's memory features.
# Sourced by bench/compare/run.sh and bench/scale/run.sh (see their READMEs); set -euo pipefail there.

say() { printf '%s %s\n' "$(date +%T)" "$*" >&2; }
has() { [[ ,$1, == *,$2,* ]]; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
# JSON string contents: no quotes, backslashes or control characters.
jstr() { printf '%s' "$*" | tr '"\\\t\r\n' "'/   " | tr -d '\000-\037'; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }
CLK_TCK=$(getconf CLK_TCK)

# Free page reporting (virtio-balloon in a VM) hands the host the memory the guest frees in 2 MiB
# blocks, and the guest's next touch of such a page costs a host page fault. Each drop_caches frees
# gigabytes, so whichever mounter's page cache next landed on reported pages ran slower by chance:
# a cold 2 GiB read into a bucketfs cache went 262-388 MiB/s with 4-8 s daemon CPU with reporting,
# 483-520 MiB/s with 2.7 s without; a read of a fresh cache file after a remount 415 vs 920 MiB/s.
# Reporting is off for the run (no free block is of an order above the largest) and restored at exit.
REPORTING=/sys/module/page_reporting/parameters/page_reporting_order REPORTING_WAS=""
# Already at 11: another benchmark holds it, and gives it back itself.
hold_page_reporting() {
  [ -w "$REPORTING" ] || return 0
  REPORTING_WAS=$(cat "$REPORTING")
  if [ "$REPORTING_WAS" = 11 ]; then
    REPORTING_WAS=""
    return 0
  fi
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
# held_features: ", free page reporting held off" and ", DAMON held off" when they are now (by this
# run or by another benchmark running with it), for the results' machine line.
held_features() {
  [ "$(cat "$REPORTING" 2>/dev/null)" != 11 ] || printf ', free page reporting held off'
  local states
  states=$(cat /sys/kernel/mm/damon/admin/kdamonds/*/state 2>/dev/null || true)
  [ -z "$states" ] || [[ $states == *on* ]] || printf ', DAMON held off'
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
proc_rss_mib() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo null; }

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

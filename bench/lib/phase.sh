# shellcheck shell=bash
# Measuring one workload (a phase): its result line, the daemon's CPU and memory, the store's requests.
# Needs RESULTS, LOGS and BUDGET (seconds from the start after which phases are skipped).
# Sourced by bench/compare/run.sh and bench/scale/run.sh (see their READMEs); set -euo pipefail there.

# record MOUNTER WORKLOAD JSON-FIELDS: one line of results.jsonl.
record() { printf '{"mounter":"%s","workload":"%s",%s}\n' "$1" "$2" "$3" >>"$RESULTS"; }

# phase MOUNTER WORKLOAD PID LIMIT [--warm] CMD...: drops the page cache (unless --warm), resets the
# daemon's peak RSS, runs CMD bounded by LIMIT seconds and records its JSON line with the daemon's
# CPU seconds and peak RSS over the phase, its RSS at the end, and with a counting proxy
# (PROXY_STATS, see start_proxy) the requests the store saw, by type. If CMD is still stuck 20 s past its limit (a FUSE request
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
  local requests0=""
  [ -z "${PROXY_STATS:-}" ] || requests0=$(proxy_counts)
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
  local wall cpu=null hwm=null rss=null result error="" requests=""
  wall=$(since "$t0")
  [ -z "$requests0" ] || requests=$(proxy_delta "$requests0" "$(proxy_counts)")
  if [ -n "$pid" ] && proc_running "$pid"; then
    cpu=$(awk -v a="$(proc_cpu "$pid")" -v b="$cpu0" 'BEGIN { printf "%.2f", a - b }')
    hwm=$(proc_hwm_mib "$pid")
    rss=$(proc_rss_mib "$pid")
  elif [ -n "$pid" ]; then
    error="the daemon ($pid) died during the workload"
  fi
  result=$(grep '^{' "$out" | tail -1 || true)
  if [ $rc = 124 ] || [ $rc = 137 ]; then
    error="timed out after $limit s${error:+; $error}"
  elif [ $rc != 0 ] && [ -z "$result" ]; then
    error="exit $rc: $(tail -1 "$err" 2>/dev/null)${error:+; $error}"
  fi
  record "$mounter" "$workload" "\"wall_s\":$wall,\"daemon_pid\":${pid:-null},\"daemon_cpu_s\":$cpu,\"daemon_peak_rss_mib\":$hwm,\"daemon_rss_mib\":$rss,${requests:+\"requests\":$requests,}\"load\":\"$load\",\"rc\":$rc,\"result\":${result:-null}${error:+,\"error\":\"$(jstr "$error")\"}"
  local shown
  shown=$(printf '%s' "$result" | sed -n 's/.*"value":\([0-9.]*\),"unit":"\([^"]*\)".*/\1 \2/p')
  if [[ $result == *'"ok":true'* ]] && [ -z "$error" ]; then
    say "$mounter $workload: $shown (cpu ${cpu} s, rss ${hwm} MiB, wall $wall s)"
  else
    say "$mounter $workload: FAILED ${error:-$(printf '%s' "$result" | cut -c1-300)}"
  fi
}

# Workloads run by the shell (each bounded by phase's timeout): they print the same JSON line as the tool.
# lines_workload EXPECTED CMD...: the time CMD takes to print its lines, and whether it printed EXPECTED.
lines_workload() {
  local expected=$1 t0 lines seconds ok=false command
  shift
  command="$*"
  command=${command%% /*} # the command without its paths
  t0=$(date +%s.%N)
  lines=$("$@" | wc -l)
  seconds=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
  [ "$lines" = "$expected" ] && ok=true
  printf '{"ok":%s,"value":%s,"unit":"s","detail":"%s printed %s lines (%s expected)"}\n' "$ok" "$seconds" "$command" "$lines" "$expected"
}
export -f lines_workload

# shellcheck shell=bash
# Shared helpers for the object-store scripts in this folder. Sourced, not run.
# The sourcing script sets NAME (e.g. "ceph") and STATE_DIR before calling store_init.

# --- logging and failure reporting --------------------------------------------

# store_init NAME STATE_DIR: creates the state dir, opens the log and installs the
# exit trap that prints exactly one line when the script fails.
store_init() {
    NAME=$1
    STATE_DIR=$2
    LOG_DIR=$STATE_DIR/log
    RUN_DIR=$STATE_DIR/run
    LOG=""
    STEP="checking $STATE_DIR"
    FAILED_MSG=""
    trap on_exit EXIT
    mkdir -p "$STATE_DIR"
    claim_state_dir
    mkdir -p "$LOG_DIR" "$RUN_DIR"
    LOG=$LOG_DIR/$NAME.sh.log
}

on_exit() {
    local rc=$?
    if [ "$rc" -ne 0 ]; then
        if [ -n "${ON_FAILURE:-}" ]; then
            (set +e; "$ON_FAILURE") >>"${LOG:-/dev/null}" 2>&1
        fi
        if [ -n "$FAILED_MSG" ]; then
            echo "$NAME.sh: $FAILED_MSG${LOG:+ (log: $LOG)}" >&2
        else
            echo "$NAME.sh: failed (exit $rc) while: $STEP${LOG:+ (log: $LOG)}" >&2
        fi
    fi
}

log() {
    [ -n "${LOG:-}" ] || return 0
    printf '%s %s\n' "$(date '+%F %T')" "$*" >>"$LOG"
}

step() { STEP=$*; log "== $*"; }

die() { FAILED_MSG=$*; log "FAILED: $*"; exit 1; }

# run CMD...: runs a command with its output going to the log; fails the script if it fails.
run() {
    log "+ $*"
    "$@" </dev/null >>"$LOG" 2>&1
}

# A state dir is wiped when its state is broken, so refuse to work in a dir that holds
# anything other than this store's own files (e.g. both scripts pointed at one dir).
claim_state_dir() {
    local marker=$STATE_DIR/.bucketfs-store
    if [ -f "$marker" ]; then
        [ "$(cat "$marker")" = "$NAME" ] ||
            die "$STATE_DIR belongs to the '$(cat "$marker")' store; give each store its own BUCKETFS_STORE_DIR"
    elif [ -n "$(ls -A "$STATE_DIR")" ]; then
        die "$STATE_DIR is not empty and was not created by $NAME.sh; refusing to use it"
    else
        echo "$NAME" >"$marker"
    fi
}

# wipe_state: removes everything in the state dir but the marker and the logs.
wipe_state() {
    log "wiping state in $STATE_DIR"
    find "$STATE_DIR" -mindepth 1 -maxdepth 1 ! -name .bucketfs-store ! -name log \
        -exec rm -rf {} +
    mkdir -p "$RUN_DIR"
}

# lock: serializes concurrent start/stop calls on one state dir. fd 9 must not leak
# into daemons (they would hold the lock forever), so daemons are started with 9>&-.
lock() {
    exec 9>"$STATE_DIR.lock"
    flock -w 900 9 || die "another $NAME.sh is still running on $STATE_DIR after 900 s"
}

# --- packages -----------------------------------------------------------------

# ensure_packages PKG...: installs the packages that dpkg does not report as installed.
ensure_packages() {
    local missing=() p
    for p in "$@"; do
        # dpkg -s also succeeds for removed packages whose config files remain.
        [[ $'\n'$(dpkg -s "$p" 2>/dev/null || true)$'\n' == *$'\nStatus: install ok installed\n'* ]] ||
            missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    step "installing ${missing[*]}"
    if ! apt_install "${missing[@]}"; then
        # A stale or missing package list is the usual cause; refresh once and retry.
        run timeout 600 apt-get update || die "apt-get update failed"
        apt_install "${missing[@]}" || die "apt-get install ${missing[*]} failed"
    fi
}

# Package maintainer scripts must not start services on the default ports, so
# policy-rc.d answers 101 ("action forbidden") during the install; any previous
# policy-rc.d is put back afterwards.
apt_install() {
    local prc=/usr/sbin/policy-rc.d saved="" rc=0
    if [ -e "$prc" ]; then
        saved=$(mktemp)
        cp -p "$prc" "$saved"
    fi
    printf '#!/bin/sh\nexit 101\n' >"$prc"
    chmod 755 "$prc"
    log "+ apt-get install -y --no-install-recommends $*"
    # confold: keep a config file this project rewrote (/etc/swift/swift.conf) unasked.
    DEBIAN_FRONTEND=noninteractive timeout 1200 \
        apt-get install -y --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        "$@" </dev/null >>"$LOG" 2>&1 || rc=$?
    if [ -n "$saved" ]; then mv "$saved" "$prc"; else rm -f "$prc"; fi
    return "$rc"
}

# --- processes ----------------------------------------------------------------

# pid_alive PIDFILE PATTERN: true if the pid file names a live process whose command
# line contains PATTERN (guards against a reused PID).
pid_alive() {
    local pidfile=$1 pattern=$2 pid
    [ -s "$pidfile" ] || return 1
    pid=$(cat "$pidfile")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    cmdline_has "$pid" "$pattern"
}

# cmdline_has PID PATTERN: the process's command line contains PATTERN.
cmdline_has() {
    local cmd
    cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline") || return 1
    [[ $cmd == *"$2"* ]]
}

# spawn PIDFILE LOGFILE CMD...: starts CMD in its own session, detached from our stdio
# (a caller reading our stdout through a pipe must not wait for the daemon) and records
# its PID. setsid(1) execs in place because a background job is no group leader.
spawn() {
    local pidfile=$1 logfile=$2
    shift 2
    log "+ $* &"
    setsid "$@" </dev/null >>"$logfile" 2>&1 9>&- &
    echo $! >"$pidfile"
}

# proc_running PID: the process exists and is not a zombie (a zombie has exited; only
# its parent's wait is missing, and PID 1 here may not reap promptly).
proc_running() {
    [ -d "/proc/$1" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# group_pids PID PATTERN: PID and the members of its process group (spawn makes each
# daemon a session leader, so its workers share its PID as group id) whose command
# line contains PATTERN. Finds workers left behind when their parent was SIGKILLed.
group_pids() {
    local leader=$1 pattern=$2 p g
    ps -e -o pid=,pgid= | while read -r p g; do
        if [ "$p" = "$leader" ] || [ "$g" = "$leader" ]; then
            cmdline_has "$p" "$pattern" && echo "$p"
        fi
    done
    return 0
}

# ensure_spawned PIDFILE PATTERN LOGFILE CMD...: spawns CMD unless the recorded daemon
# still runs; first clears workers a killed daemon may have left holding its port.
ensure_spawned() {
    local pidfile=$1 pattern=$2
    shift 2
    pid_alive "$pidfile" "$pattern" && return 0
    stop_pid "$pidfile" "$pattern" 10
    spawn "$pidfile" "$@"
}

# stop_pid PIDFILE PATTERN TIMEOUT: SIGTERM to the recorded daemon and its leftover
# workers, wait up to TIMEOUT s, then SIGKILL.
stop_pid() {
    local pidfile=$1 pattern=$2 timeout=$3 pid pids left rest
    pid=$(cat "$pidfile" 2>/dev/null || true)
    if [[ $pid =~ ^[0-9]+$ ]]; then
        mapfile -t pids < <(group_pids "$pid" "$pattern")
        if [ ${#pids[@]} -gt 0 ]; then
            log "stopping ${pids[*]} ($pattern)"
            kill -TERM "${pids[@]}" 2>/dev/null || true
            if ! left=$(wait_gone "$timeout" "${pids[@]}"); then
                log "still running after ${timeout}s, sending SIGKILL: $left"
                read -ra rest <<<"$left"
                kill -KILL "${rest[@]}" 2>/dev/null || true
                wait_gone 5 "${rest[@]}" >/dev/null || log "still running after SIGKILL: $left"
            fi
        fi
    fi
    rm -f "$pidfile"
}

# wait_gone TIMEOUT PID...: waits until none of the PIDs runs; on timeout prints those
# still running and fails.
wait_gone() {
    local deadline=$((SECONDS + $1)) p left
    shift
    while :; do
        left=""
        for p in "$@"; do proc_running "$p" && left+="$p "; done
        [ -z "$left" ] && return 0
        if [ "$SECONDS" -ge "$deadline" ]; then
            echo "$left"
            return 1
        fi
        sleep 0.2
    done
}

# port_in_use PORT: true if something accepts TCP connections on 127.0.0.1:PORT.
port_in_use() {
    timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# --- Swift proxy ----------------------------------------------------------------

# swift_proxy_filters MEMCACHED_PORT: the filter sections of a proxy-server.conf that swift.sh's
# proxy (tempauth, s3api) and keystone.sh's (keystonemiddleware) share.
swift_proxy_filters() {
    cat <<EOF
[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$1

[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:bulk]
use = egg:swift#bulk
[filter:tempurl]
use = egg:swift#tempurl
[filter:ratelimit]
use = egg:swift#ratelimit
[filter:copy]
use = egg:swift#copy
[filter:container-quotas]
use = egg:swift#container_quotas
[filter:account-quotas]
use = egg:swift#account_quotas
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
[filter:versioned_writes]
use = egg:swift#versioned_writes
allow_object_versioning = true
[filter:symlink]
use = egg:swift#symlink
EOF
}

# --- S3 probes ------------------------------------------------------------------

# s3_status ENDPOINT ACCESS SECRET [PATH]: HTTP status of a SigV4-signed GET (000 if none).
# curl splits --user at the first colon and Swift's access keys are ACCOUNT:USER, so the
# credentials go into the URL, where curl percent-decodes them.
s3_status() {
    local endpoint=$1 access=$2 secret=$3 path=${4:-/}
    curl -s -o /dev/null -w '%{http_code}' --max-time 10 \
        --aws-sigv4 "aws:amz:us-east-1:s3" \
        -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
        "http://${access//:/%3A}:$secret@${endpoint#http://}$path" 2>/dev/null || true
}

# wait_until TIMEOUT WHAT CMD...: retries CMD every half second until it succeeds.
wait_until() {
    local timeout=$1 what=$2 deadline
    shift 2
    deadline=$((SECONDS + timeout))
    until "$@"; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            log "timed out after ${timeout}s waiting for: $what"
            return 1
        fi
        sleep 0.5
    done
    log "ready: $what"
}

# wait_daemon TIMEOUT WHAT PIDFILE CMD...: like wait_until, but gives up at once when the
# process that spawn recorded in PIDFILE has exited.
wait_daemon() {
    local timeout=$1 what=$2 pidfile=$3 deadline pid
    shift 3
    pid=$(cat "$pidfile" 2>/dev/null || true)
    deadline=$((SECONDS + timeout))
    until "$@"; do
        if [ -z "$pid" ] || ! proc_running "$pid"; then
            log "process for $what exited; see its log in $LOG_DIR"
            return 1
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            log "timed out after ${timeout}s waiting for: $what"
            return 1
        fi
        sleep 0.5
    done
    log "ready: $what"
}

# The command line of every store script: start [--fresh] | stop | env | status. status only looks:
# it logs nowhere (and reads the pid files where swift.sh and keystone.sh keep them).
run_command() {
    FRESH=0
    [ "${2:-}" = --fresh ] && FRESH=1
    case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    env) cmd_env ;;
    status) RUN_DIR=$STATE_DIR/run LOG=/dev/null cmd_status ;;
    *)
        echo "usage: $0 start [--fresh]|stop|env|status" >&2
        exit 2
        ;;
    esac
}

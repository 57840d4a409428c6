#!/usr/bin/env bash
# OpenStack Swift all-in-one (proxy with s3api + tempauth, account/container/object
# servers, memcached) on 127.0.0.1, for S3 and Swift-native tests.
#
#   swift.sh start    install (once), create (once) and start; quick no-op when healthy
#   swift.sh start --fresh   the same, on a new empty store: what earlier runs stored is wiped
#   swift.sh stop     stop the processes this script started (by their pid files)
#   swift.sh env      print export lines for a test runner: eval "$(swift.sh env)"
#   swift.sh status   exit 0 if running and answering S3 requests
#
# Settings (environment):
#   BUCKETFS_STORE_DIR       state dir (default /var/tmp/bucketfs-stores/swift); one per store
#   SWIFT_PORT               proxy port, S3 and Swift API (default 8080)
#   SWIFT_BACKEND_PORT_BASE  object, container, account servers on BASE..BASE+2 (default 6200)
#   SWIFT_MEMCACHED_PORT     memcached for tempauth tokens (default 11222)
# Swift reads /etc/swift/swift.conf from that fixed path; this script owns that file.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

STATE_DIR=${BUCKETFS_STORE_DIR:-/var/tmp/bucketfs-stores/swift}
PORT=${SWIFT_PORT:-8080}
BACKEND_BASE=${SWIFT_BACKEND_PORT_BASE:-6200}
MC_PORT=${SWIFT_MEMCACHED_PORT:-11222}

ENDPOINT=http://127.0.0.1:$PORT
REGION=us-east-1
# tempauth users: the S3 access key is ACCOUNT:USER and the secret is the user's key.
ACCESS_KEY=test:tester
SECRET_KEY=testing
# A user of the same account without .admin: with no container ACLs it may touch
# nothing, so S3 requests on the first user's buckets get 403 AccessDenied. (A user of
# another account would get 404 instead: each account has its own bucket namespace.)
OTHER_ACCESS_KEY=test:tester3
OTHER_SECRET_KEY=testing3

PACKAGES=(swift swift-proxy swift-object swift-container swift-account python3-swift memcached)
PY=/usr/bin/python3 # a pyenv python earlier on PATH lacks Swift's modules
SWIFT_CONF=/etc/swift/swift.conf
ETC=$STATE_DIR/etc
DEVICES=$STATE_DIR/srv
# Settings baked into the rings at creation; a change means recreating them.
LAYOUT="backend_port_base=$BACKEND_BASE"
SERVERS=(object container account)
# Without the updaters, an object whose container update timed out under load would
# never show up in listings, and account listings would show zero counts and bytes.
UPDATERS=(object-updater container-updater)

cmd_env() {
    cat <<EOF
export BUCKETFS_S3_STORE=swift
export BUCKETFS_S3_ENDPOINT=$ENDPOINT
export BUCKETFS_S3_REGION=$REGION
export BUCKETFS_S3_ACCESS_KEY=$ACCESS_KEY
export BUCKETFS_S3_SECRET_KEY=$SECRET_KEY
export BUCKETFS_S3_OTHER_ACCESS_KEY=$OTHER_ACCESS_KEY
export BUCKETFS_S3_OTHER_SECRET_KEY=$OTHER_SECRET_KEY
export BUCKETFS_SWIFT_ENDPOINT=$ENDPOINT
export BUCKETFS_SWIFT_ACCESS_KEY=$ACCESS_KEY
export BUCKETFS_SWIFT_SECRET_KEY=$SECRET_KEY
export BUCKETFS_SWIFT_OTHER_ACCESS_KEY=$OTHER_ACCESS_KEY
export BUCKETFS_SWIFT_OTHER_SECRET_KEY=$OTHER_SECRET_KEY
export BUCKETFS_SWIFT_AUTH_URL=$ENDPOINT/auth/v1.0
export BUCKETFS_SWIFT_USER=$ACCESS_KEY
export BUCKETFS_SWIFT_KEY=$SECRET_KEY
export BUCKETFS_SWIFT_OTHER_USER=$OTHER_ACCESS_KEY
export BUCKETFS_SWIFT_OTHER_KEY=$OTHER_SECRET_KEY
EOF
}

server_port() {
    case $1 in
    object) echo "$BACKEND_BASE" ;;
    container) echo $((BACKEND_BASE + 1)) ;;
    account) echo $((BACKEND_BASE + 2)) ;;
    proxy) echo "$PORT" ;;
    esac
}

# Written on every start: identical content is harmless, a changed port takes effect.
write_swift_conf() {
    mkdir -p /etc/swift
    local tmp
    tmp=$(mktemp)
    cat >"$tmp" <<'EOF'
# Written by bucketfs scripts/stores/swift.sh. Changing the hash settings makes
# existing objects unreachable.
[swift-hash]
swift_hash_path_suffix = bucketfs-test-suffix
swift_hash_path_prefix = bucketfs-test-prefix

[storage-policy:0]
name = Policy-0
default = yes

# S3-sized limits: Swift's default max_meta_value_length is 256 bytes, S3 allows 2 KB of
# user metadata in total; SigV4 requests carry large headers.
[swift-constraints]
max_meta_name_length = 128
max_meta_value_length = 2048
max_meta_count = 128
max_meta_overall_size = 8192
max_header_size = 16384
max_object_name_length = 1024
container_listing_limit = 10000
account_listing_limit = 10000
EOF
    if cmp -s "$tmp" "$SWIFT_CONF"; then rm -f "$tmp"; else mv "$tmp" "$SWIFT_CONF"; chmod 644 "$SWIFT_CONF"; fi
}

write_server_confs() {
    mkdir -p "$ETC" "$STATE_DIR/recon"
    local s workers
    for s in "${SERVERS[@]}"; do
        workers=1
        [ "$s" = object ] && workers=2
        cat >"$ETC/$s-server.conf" <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $(server_port "$s")
workers = $workers
user = root
swift_dir = $ETC
devices = $DEVICES
mount_check = false
disable_fallocate = true
recon_cache_path = $STATE_DIR/recon
log_level = WARNING
log_name = $s-server

[pipeline:main]
pipeline = $s-server

[app:$s-server]
use = egg:swift#$s
EOF
    done
    # Large chunks for throughput; by default objects over 5 MiB bypass the page cache,
    # and only requests without a token ("public" ones) use it at all.
    cat >>"$ETC/object-server.conf" <<EOF
disk_chunk_size = 1048576
network_chunk_size = 1048576
keep_cache_size = 17179869184
keep_cache_private = true

[object-updater]
interval = 5
EOF
    cat >>"$ETC/container-server.conf" <<EOF

[container-updater]
interval = 10
EOF

    cat >"$ETC/proxy-server.conf" <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $PORT
workers = 2
user = root
swift_dir = $ETC
log_level = WARNING
log_name = proxy-server

[pipeline:main]
# s3api must come before tempauth; slo is required for S3 multipart uploads.
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempurl ratelimit s3api tempauth copy container-quotas account-quotas slo dlo versioned_writes symlink proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true
object_chunk_size = 1048576
client_chunk_size = 1048576

[filter:s3api]
use = egg:swift#s3api
location = $REGION
storage_domain = localhost
multi_delete_concurrency = 16

[filter:tempauth]
use = egg:swift#tempauth
user_${ACCESS_KEY%%:*}_${ACCESS_KEY#*:} = $SECRET_KEY .admin
user_${OTHER_ACCESS_KEY%%:*}_${OTHER_ACCESS_KEY#*:} = $OTHER_SECRET_KEY

EOF
    swift_proxy_filters "$MC_PORT" >>"$ETC/proxy-server.conf"
}

ring_builder() { timeout 60 "$PY" /usr/bin/swift-ring-builder "$@"; }

create_rings() {
    step "creating rings in $ETC"
    local s rc
    for s in "${SERVERS[@]}"; do
        run ring_builder "$ETC/$s.builder" create 8 1 1
        run ring_builder "$ETC/$s.builder" add "r1z1-127.0.0.1:$(server_port "$s")/d1" 1
        # Exit code 1 is only a warning (e.g. about balance); 2 is an error.
        rc=0
        run ring_builder "$ETC/$s.builder" rebalance || rc=$?
        [ "$rc" -le 1 ] || die "swift-ring-builder $s rebalance failed"
        [ -s "$ETC/$s.ring.gz" ] || die "no $s ring written"
    done
}

# --- processes --------------------------------------------------------------------

pidfile() { echo "$RUN_DIR/$1.pid"; }
pattern() {
    case $1 in
    memcached) echo "memcached -l 127.0.0.1 -p $MC_PORT" ;;
    *-updater) echo "swift-$1 $ETC/${1%-updater}-server.conf" ;;
    *) echo "swift-$1-server $ETC/$1-server.conf" ;;
    esac
}
alive() { pid_alive "$(pidfile "$1")" "$(pattern "$1")"; }

start_one() {
    local name=$1 pf pat
    pf=$(pidfile "$name")
    pat=$(pattern "$name")
    case $name in
    memcached)
        ensure_spawned "$pf" "$pat" "$LOG_DIR/memcached.log" \
            /usr/bin/memcached -l 127.0.0.1 -p "$MC_PORT" -U 0 -m 64 -u root
        ;;
    *-updater)
        ensure_spawned "$pf" "$pat" "$LOG_DIR/$name.log" \
            "$PY" "/usr/bin/swift-$name" "$ETC/${name%-updater}-server.conf" -v
        ;;
    *)
        # -v keeps a console log handler, so warnings reach the log file.
        ensure_spawned "$pf" "$pat" "$LOG_DIR/$name-server.log" \
            "$PY" "/usr/bin/swift-$name-server" "$ETC/$name-server.conf" -v
        ;;
    esac
}

all_running() {
    local n
    for n in memcached "${SERVERS[@]}" "${UPDATERS[@]}" proxy; do alive "$n" || return 1; done
}

stop_all() {
    local n
    # In parallel: each Swift server takes about a second to wind down its workers.
    for n in proxy "${UPDATERS[@]}" "${SERVERS[@]}" memcached; do
        stop_pid "$(pidfile "$n")" "$(pattern "$n")" 30 &
    done
    wait
}

check_ports_free() {
    local p
    for p in "$PORT" "$MC_PORT" "$BACKEND_BASE" $((BACKEND_BASE + 1)) $((BACKEND_BASE + 2)); do
        ! port_in_use "$p" || die "port $p on 127.0.0.1 is taken by a process this script did not start"
    done
}

listening() { alive "$1" && port_in_use "$2"; }
s3_ok() { [ "$(s3_status "$ENDPOINT" "$ACCESS_KEY" "$SECRET_KEY")" = 200 ]; }

# Starts all processes and waits until S3 requests succeed; non-zero on timeout.
start_processes() {
    local n
    step "starting memcached and Swift servers"
    start_one memcached
    for n in "${SERVERS[@]}"; do start_one "$n"; done
    wait_daemon 30 "memcached" "$(pidfile memcached)" listening memcached "$MC_PORT" || return 1
    for n in "${SERVERS[@]}"; do
        wait_daemon 60 "$n-server" "$(pidfile "$n")" listening "$n" "$(server_port "$n")" || return 1
    done
    for n in "${UPDATERS[@]}"; do start_one "$n"; done
    step "starting Swift proxy"
    start_one proxy
    wait_daemon 60 "proxy" "$(pidfile proxy)" listening proxy "$PORT" || return 1
    step "waiting for S3 requests to succeed"
    wait_until 60 "S3 credentials accepted" s3_ok || return 1
}

cmd_start() {
    local t0=$SECONDS
    store_init swift "$STATE_DIR"
    lock
    ON_FAILURE=stop_all
    if [ "$FRESH" = 1 ]; then
        stop_all
        rm -f "$STATE_DIR/.initialized"
    fi
    if [ "$(cat "$STATE_DIR/.initialized" 2>/dev/null || true)" = "$LAYOUT" ] && all_running && s3_ok; then
        log "already running and healthy"
        echo "swift: running at $ENDPOINT"
        return 0
    fi
    ensure_packages "${PACKAGES[@]}"
    stop_all # a partly running set is restarted whole: that takes only seconds
    check_ports_free
    write_swift_conf

    if [ "$(cat "$STATE_DIR/.initialized" 2>/dev/null || true)" = "$LAYOUT" ]; then
        write_server_confs # picks up changed proxy or memcached ports
        if start_processes; then
            echo "swift: started in $((SECONDS - t0)) s at $ENDPOINT"
            return 0
        fi
        log "restart failed while: $STEP; recreating"
        stop_all
        check_ports_free
    fi

    step "creating Swift in $STATE_DIR ($LAYOUT)"
    wipe_state
    mkdir -p "$DEVICES/d1"
    write_server_confs
    create_rings
    start_processes || die "Swift did not start (while: $STEP; see the logs in $LOG_DIR)"
    echo "$LAYOUT" >"$STATE_DIR/.initialized"
    echo "swift: created and started in $((SECONDS - t0)) s at $ENDPOINT"
}

cmd_stop() {
    if [ ! -d "$STATE_DIR" ]; then
        echo "swift: nothing to stop"
        return 0
    fi
    store_init swift "$STATE_DIR"
    lock
    step "stopping"
    stop_all
    echo "swift: stopped"
}

cmd_status() {
    if [ -f "$STATE_DIR/.initialized" ] && all_running && s3_ok; then
        echo "swift: running at $ENDPOINT"
    else
        echo "swift: not running"
        return 1
    fi
}

run_command "$@"

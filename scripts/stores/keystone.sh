#!/usr/bin/env bash
# OpenStack Keystone (v3, sqlite, fernet tokens, uwsgi) on 127.0.0.1, and a second Swift proxy
# with keystonemiddleware in its pipeline, in front of the Swift that swift.sh runs: the same
# account, container and object servers and rings, so the tempauth proxy stays as it is.
#
#   keystone.sh start    install (once), create (once) and start; quick no-op when healthy
#   keystone.sh start --fresh   the same, on a new empty Keystone database
#   keystone.sh stop     stop the processes this script started (by their pid files)
#   keystone.sh env      print export lines for a test runner: eval "$(keystone.sh env)"
#   keystone.sh status   exit 0 if running and a Swift request with a Keystone token succeeds
#
# Needs swift.sh running first (its rings and servers). Settings (environment):
#   BUCKETFS_KEYSTONE_DIR     state dir (default /var/tmp/bucketfs-stores/keystone)
#   KEYSTONE_PORT             Keystone's port (default 5000)
#   SWIFT_KEYSTONE_PORT       the Keystone-authenticated Swift proxy (default 8081)
#   KEYSTONE_TOKEN_LIFETIME   seconds a token lasts (default 60: short, so tests see tokens expire)
#   BUCKETFS_STORE_DIR        swift.sh's state dir, as swift.sh takes it
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

STATE_DIR=${BUCKETFS_KEYSTONE_DIR:-/var/tmp/bucketfs-stores/keystone}
SWIFT_STATE=${BUCKETFS_STORE_DIR:-/var/tmp/bucketfs-stores/swift}
PORT=${KEYSTONE_PORT:-5000}
PROXY_PORT=${SWIFT_KEYSTONE_PORT:-8081}
LIFETIME=${KEYSTONE_TOKEN_LIFETIME:-60}
MC_PORT=${SWIFT_MEMCACHED_PORT:-11222}

AUTH_URL=http://127.0.0.1:$PORT/v3
SWIFT_ENDPOINT=http://127.0.0.1:$PROXY_PORT
REGION=RegionOne
# Test identities only: nothing here guards anything but a throwaway store on 127.0.0.1.
ADMIN_PASSWORD=bucketfs-admin
PACKAGES=(python3-keystone python3-keystonemiddleware uwsgi-core uwsgi-plugin-python3 python3-swift swift-proxy)
PY=/usr/bin/python3
ETC=$STATE_DIR/etc
CONF=$ETC/keystone.conf
IDS=$STATE_DIR/ids.env
# Settings baked into the database and keys; a change means recreating them.
LAYOUT="port=$PORT proxy=$PROXY_PORT lifetime=$LIFETIME"

cmd_env() {
    echo "export BUCKETFS_KEYSTONE_AUTH_URL=$AUTH_URL"
    echo "export BUCKETFS_KEYSTONE_REGION=$REGION"
    echo "export BUCKETFS_KEYSTONE_SWIFT_ENDPOINT=$SWIFT_ENDPOINT"
    echo "export BUCKETFS_KEYSTONE_TOKEN_LIFETIME=$LIFETIME"
    [ -f "$IDS" ] && cat "$IDS"
    return 0
}

write_confs() {
    mkdir -p "$ETC" "$STATE_DIR/fernet-keys" "$STATE_DIR/credential-keys"
    cat >"$CONF" <<CONF
[DEFAULT]
log_file = $LOG_DIR/keystone.log
debug = false

[database]
connection = sqlite:///$STATE_DIR/keystone.db

[identity]
# bcrypt's cheapest cost: at the default (12) every password sign-in (keystonemiddleware signs in
# again for each token it checks while tokens live under two minutes) took a second of CPU.
password_hash_rounds = 4

[token]
provider = fernet
expiration = $LIFETIME

[fernet_tokens]
key_repository = $STATE_DIR/fernet-keys

[fernet_receipts]
key_repository = $STATE_DIR/fernet-keys

[credential]
key_repository = $STATE_DIR/credential-keys
CONF
    # Swift's own settings of the proxy as swift.sh writes them, with Keystone in place of
    # tempauth (and no s3api: this proxy serves the native API).
    cat >"$ETC/proxy-server.conf" <<CONF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $PROXY_PORT
workers = 2
user = root
swift_dir = $SWIFT_STATE/etc
log_level = WARNING
log_name = proxy-keystone

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempurl ratelimit authtoken keystoneauth copy container-quotas account-quotas slo dlo versioned_writes symlink proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
object_chunk_size = 1048576
client_chunk_size = 1048576

[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
www_authenticate_uri = http://127.0.0.1:$PORT
auth_url = http://127.0.0.1:$PORT
auth_type = password
username = admin
password = $ADMIN_PASSWORD
project_name = admin
user_domain_id = default
project_domain_id = default
delay_auth_decision = true
memcached_servers = 127.0.0.1:$MC_PORT
# Validated tokens are trusted this long: short, so revocation and expiry show within a test.
token_cache_time = 10

[filter:keystoneauth]
use = egg:swift#keystoneauth
operator_roles = admin, member

CONF
    swift_proxy_filters "$MC_PORT" >>"$ETC/proxy-server.conf"
}

manage() { run timeout 300 "$PY" /usr/bin/keystone-manage --config-file "$CONF" "$@"; }

create_database() {
    step "creating the Keystone database and keys in $STATE_DIR"
    manage db_sync || die "keystone-manage db_sync failed"
    manage fernet_setup --keystone-user root --keystone-group root || die "keystone-manage fernet_setup failed"
    manage credential_setup --keystone-user root --keystone-group root || die "keystone-manage credential_setup failed"
    manage bootstrap --bootstrap-password "$ADMIN_PASSWORD" \
        --bootstrap-admin-url "http://127.0.0.1:$PORT/v3" \
        --bootstrap-internal-url "http://127.0.0.1:$PORT/v3" \
        --bootstrap-public-url "http://127.0.0.1:$PORT/v3" \
        --bootstrap-region-id "$REGION" || die "keystone-manage bootstrap failed"
}

# --- processes --------------------------------------------------------------------

pidfile() { echo "$RUN_DIR/$1.pid"; }
pattern() {
    case $1 in
    keystone) echo "uwsgi-core --ini $ETC/uwsgi.ini" ;;
    proxy) echo "swift-proxy-server $ETC/proxy-server.conf" ;;
    esac
}
alive() { pid_alive "$(pidfile "$1")" "$(pattern "$1")"; }

start_keystone() {
    cat >"$ETC/uwsgi.ini" <<INI
[uwsgi]
plugin = python3
http-socket = 127.0.0.1:$PORT
wsgi-file = /usr/bin/keystone-wsgi-public
env = OS_KEYSTONE_CONFIG_FILES=$CONF
master = true
# One process: sqlite takes one writer, and two processes writing at once failed with
# "database is locked". Token checks are a few milliseconds; tests ask for few tokens.
processes = 1
threads = 1
die-on-term = true
lazy-apps = true
buffer-size = 65535
# uwsgi's http-socket serves one request per connection; without this header the token
# validations of keystonemiddleware reused closed connections and failed ("Remote end closed").
add-header = Connection: close
INI
    ensure_spawned "$(pidfile keystone)" "$(pattern keystone)" "$LOG_DIR/uwsgi.log" /usr/bin/uwsgi-core --ini "$ETC/uwsgi.ini"
}

start_proxy() {
    ensure_spawned "$(pidfile proxy)" "$(pattern proxy)" "$LOG_DIR/proxy-server.log" \
        "$PY" /usr/bin/swift-proxy-server "$ETC/proxy-server.conf" -v
}

stop_all() {
    local n
    for n in proxy keystone; do stop_pid "$(pidfile "$n")" "$(pattern "$n")" 30 & done
    wait
}

keystone_ok() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$AUTH_URL" 2>/dev/null)" = 200 ]; }

# A container listing of the test project through the Keystone proxy, with a fresh token.
swift_ok() {
    [ -f "$IDS" ] || return 1
    "$PY" "$HERE/keystone-setup.py" check "$AUTH_URL" "$SWIFT_ENDPOINT" "$IDS" >>"$LOG" 2>&1
}

start_processes() {
    step "starting Keystone"
    start_keystone
    wait_daemon 90 "keystone" "$(pidfile keystone)" keystone_ok || return 1
    step "creating the test projects, users and application credential"
    run timeout 120 "$PY" "$HERE/keystone-setup.py" setup "$AUTH_URL" "$SWIFT_ENDPOINT" "$IDS" "$ADMIN_PASSWORD" "$REGION" || return 1
    step "starting the Keystone Swift proxy"
    start_proxy
    wait_daemon 60 "proxy" "$(pidfile proxy)" port_in_use "$PROXY_PORT" || return 1
    step "waiting for Swift requests with a Keystone token to succeed"
    wait_until 60 "Swift accepts Keystone tokens" swift_ok || return 1
}

cmd_start() {
    local t0=$SECONDS
    store_init keystone "$STATE_DIR"
    lock
    ON_FAILURE=stop_all
    [ -f "$SWIFT_STATE/etc/object.ring.gz" ] || die "no Swift rings in $SWIFT_STATE/etc: run swift.sh start first"
    if [ "$FRESH" = 1 ]; then
        stop_all
        rm -f "$STATE_DIR/.initialized"
    fi
    if [ "$(cat "$STATE_DIR/.initialized" 2>/dev/null || true)" = "$LAYOUT" ] && alive keystone && alive proxy && swift_ok; then
        log "already running and healthy"
        echo "keystone: running at $AUTH_URL, Swift at $SWIFT_ENDPOINT"
        return 0
    fi
    ensure_packages "${PACKAGES[@]}"
    stop_all
    local p
    for p in "$PORT" "$PROXY_PORT"; do
        ! port_in_use "$p" || die "port $p on 127.0.0.1 is taken by a process this script did not start"
    done
    if [ "$(cat "$STATE_DIR/.initialized" 2>/dev/null || true)" != "$LAYOUT" ]; then
        wipe_state
        write_confs
        create_database
    else
        write_confs
    fi
    start_processes || die "Keystone did not start (while: $STEP; see the logs in $LOG_DIR)"
    echo "$LAYOUT" >"$STATE_DIR/.initialized"
    echo "keystone: started in $((SECONDS - t0)) s at $AUTH_URL, Swift at $SWIFT_ENDPOINT"
}

cmd_stop() {
    if [ ! -d "$STATE_DIR" ]; then
        echo "keystone: nothing to stop"
        return 0
    fi
    store_init keystone "$STATE_DIR"
    lock
    step "stopping"
    stop_all
    echo "keystone: stopped"
}

cmd_status() {
    if [ -f "$STATE_DIR/.initialized" ] && alive keystone && alive proxy && swift_ok; then
        echo "keystone: running at $AUTH_URL, Swift at $SWIFT_ENDPOINT"
    else
        echo "keystone: not running"
        return 1
    fi
}

run_command "$@"

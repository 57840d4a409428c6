#!/usr/bin/env bash
# Single-node Ceph (one monitor, one OSD, radosgw; no mgr) on 127.0.0.1, for S3 tests.
#
#   ceph.sh start    install (once), create (once) and start; quick no-op when healthy
#   ceph.sh start --fresh   the same, on a new empty cluster: what earlier runs stored is wiped
#   ceph.sh stop     stop the daemons this script started (by their pid files)
#   ceph.sh env      print export lines for a test runner: eval "$(ceph.sh env)"
#   ceph.sh status   exit 0 if running and answering S3 requests
#
# Settings (environment):
#   BUCKETFS_STORE_DIR  state dir (default /var/tmp/bucketfs-stores/ceph); one per store
#   CEPH_RGW_PORT       S3 port (default 7480)
#   CEPH_MON_PORT       monitor port, msgr2 only (default 3300)
#   CEPH_OSD_PORT_MIN   first of 31 ports the OSD may bind (default 6800)
#   CEPH_OBJECTSTORE    bluestore (default; sparse file under the state dir) or memstore
#                       (RAM only, for benchmarks; contents do not survive a stop)
#   CEPH_BLOCK_SIZE     bluestore sparse file size in bytes (default 64 GiB; sparse, so only what is stored takes disk)
#   CEPH_MEMSTORE_SIZE  memstore capacity in bytes (default 4 GiB)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

STATE_DIR=${BUCKETFS_STORE_DIR:-/var/tmp/bucketfs-stores/ceph}
RGW_PORT=${CEPH_RGW_PORT:-7480}
MON_PORT=${CEPH_MON_PORT:-3300}
OSD_PORT_MIN=${CEPH_OSD_PORT_MIN:-6800}
OBJECTSTORE=${CEPH_OBJECTSTORE:-bluestore}
BLOCK_SIZE=${CEPH_BLOCK_SIZE:-$((64 << 30))}
MEMSTORE_SIZE=${CEPH_MEMSTORE_SIZE:-$((4 << 30))}

ENDPOINT=http://127.0.0.1:$RGW_PORT
REGION=us-east-1
ACCESS_KEY=bucketfsaccess
SECRET_KEY=bucketfssecret
# Owns no bucket and has no grants: requests on the first user's buckets get AccessDenied.
OTHER_ACCESS_KEY=bucketfsother
OTHER_SECRET_KEY=bucketfsothersecret

PACKAGES=(ceph-mon ceph-osd radosgw ceph-common)
CONF=$STATE_DIR/ceph.conf
KEYRINGS=$STATE_DIR/keyring
OSD_DATA=$STATE_DIR/osd/ceph-0
# Settings baked into the cluster at creation; a change means recreating it.
LAYOUT="objectstore=$OBJECTSTORE mon_port=$MON_PORT"

# Pid files written by spawn (lib.sh); the daemons run in the foreground (-f).
MON_PID=$STATE_DIR/run/mon.a.pid
OSD_PID=$STATE_DIR/run/osd.0.pid
RGW_PID=$STATE_DIR/run/rgw.a.pid

cmd_env() {
    cat <<EOF
export BUCKETFS_S3_STORE=ceph
export BUCKETFS_S3_ENDPOINT=$ENDPOINT
export BUCKETFS_S3_REGION=$REGION
export BUCKETFS_S3_ACCESS_KEY=$ACCESS_KEY
export BUCKETFS_S3_SECRET_KEY=$SECRET_KEY
export BUCKETFS_S3_OTHER_ACCESS_KEY=$OTHER_ACCESS_KEY
export BUCKETFS_S3_OTHER_SECRET_KEY=$OTHER_SECRET_KEY
export BUCKETFS_CEPH_ENDPOINT=$ENDPOINT
export BUCKETFS_CEPH_ACCESS_KEY=$ACCESS_KEY
export BUCKETFS_CEPH_SECRET_KEY=$SECRET_KEY
export BUCKETFS_CEPH_OTHER_ACCESS_KEY=$OTHER_ACCESS_KEY
export BUCKETFS_CEPH_OTHER_SECRET_KEY=$OTHER_SECRET_KEY
EOF
}

ceph_cli() {
    timeout 30 ceph -c "$CONF" --connect-timeout 20 "$@" </dev/null 2>>"$LOG"
}

write_conf() {
    local store_opts
    if [ "$OBJECTSTORE" = memstore ]; then
        store_opts="memstore_device_bytes = $MEMSTORE_SIZE"
    else
        store_opts="bluestore_block_path = $STATE_DIR/osd/block.img
bluestore_block_size = $BLOCK_SIZE
bluestore_block_create = true
osd_memory_target = 1073741824"
    fi
    cat >"$CONF" <<EOF
[global]
fsid = $(cat "$STATE_DIR/fsid")
mon_host = [v2:127.0.0.1:$MON_PORT]
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
ms_bind_ipv6 = false
ms_bind_msgr1 = false
ms_bind_port_min = $OSD_PORT_MIN
ms_bind_port_max = $((OSD_PORT_MIN + 30))
# radosgw cannot authenticate to the monitor with auth "none": keep cephx.
auth_cluster_required = cephx
auth_service_required = cephx
auth_client_required = cephx
run_dir = $STATE_DIR/run
admin_socket = $STATE_DIR/run/\$cluster-\$name.asok
log_file = $STATE_DIR/log/\$cluster-\$name.log
pid_file =
mon_data = $STATE_DIR/mon/\$cluster-\$id
osd_data = $STATE_DIR/osd/\$cluster-\$id
osd_pool_default_size = 1
osd_pool_default_min_size = 1
mon_allow_pool_size_one = true
mon_allow_pool_delete = true
mon_warn_on_pool_no_redundancy = false
osd_crush_chooseleaf_type = 0
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
# A test machine's disk may fill up; do not let the monitor shut itself down over it.
mon_data_avail_crit = 1

[mon]
keyring = \$mon_data/keyring

[osd]
keyring = \$osd_data/keyring
osd_objectstore = $OBJECTSTORE
osd_crush_update_on_start = false
$store_opts

[client.admin]
keyring = $KEYRINGS/ceph.client.admin.keyring

[client.rgw.a]
keyring = $KEYRINGS/ceph.client.rgw.a.keyring
rgw_data = $STATE_DIR/rgw
# Without tcp_nodelay every small request on a kept-alive connection waits ~40 ms
# (Nagle against delayed ACKs).
rgw_frontends = beast endpoint=127.0.0.1:$RGW_PORT tcp_nodelay=1
rgw_dns_name = localhost
# Deleted objects are freed after a minute instead of two hours: repeated benchmark runs delete what
# they wrote, and the deferred data had filled memstore (a full OSD blocks every write).
rgw_gc_obj_min_wait = 60
rgw_gc_processor_period = 60
EOF
}

# --- daemons ----------------------------------------------------------------------

start_mon() {
    ensure_spawned "$MON_PID" "ceph-mon -c $CONF" "$LOG_DIR/mon.a.out" \
        /usr/bin/ceph-mon -c "$CONF" -i a -f
}
start_osd() {
    ensure_spawned "$OSD_PID" "ceph-osd -c $CONF" "$LOG_DIR/osd.0.out" \
        /usr/bin/ceph-osd -c "$CONF" -i 0 -f
}
start_rgw() {
    ensure_spawned "$RGW_PID" "radosgw -c $CONF" "$LOG_DIR/rgw.a.out" \
        /usr/bin/radosgw -c "$CONF" -n client.rgw.a -f
}

# The port check first: the ceph CLI waits for its connect timeout when nobody listens.
mon_ready() {
    pid_alive "$MON_PID" "ceph-mon -c $CONF" && port_in_use "$MON_PORT" &&
        ceph_cli mon stat >/dev/null
}
osd_up() {
    local dump
    pid_alive "$OSD_PID" "ceph-osd -c $CONF" && dump=$(ceph_cli osd dump) &&
        [[ $'\n'$dump == *$'\nosd.0 up '* ]]
}
rgw_answers() {
    pid_alive "$RGW_PID" "radosgw -c $CONF" &&
        [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$ENDPOINT/" || true)" != 000 ]
}
s3_ok() { [ "$(s3_status "$ENDPOINT" "$ACCESS_KEY" "$SECRET_KEY")" = 200 ]; }

running() {
    pid_alive "$MON_PID" "ceph-mon -c $CONF" &&
        pid_alive "$OSD_PID" "ceph-osd -c $CONF" &&
        pid_alive "$RGW_PID" "radosgw -c $CONF"
}

any_running() {
    pid_alive "$MON_PID" "ceph-mon -c $CONF" ||
        pid_alive "$OSD_PID" "ceph-osd -c $CONF" ||
        pid_alive "$RGW_PID" "radosgw -c $CONF"
}

stop_all() {
    stop_pid "$RGW_PID" "radosgw -c $CONF" 30
    stop_pid "$OSD_PID" "ceph-osd -c $CONF" 30
    stop_pid "$MON_PID" "ceph-mon -c $CONF" 30
}

# Ports of daemons that are not running must be free.
check_ports_free() {
    local spec pidfile pattern port
    for spec in "$MON_PID|ceph-mon -c $CONF|$MON_PORT" "$RGW_PID|radosgw -c $CONF|$RGW_PORT"; do
        IFS='|' read -r pidfile pattern port <<<"$spec"
        pid_alive "$pidfile" "$pattern" && continue
        ! port_in_use "$port" ||
            die "port $port on 127.0.0.1 is taken by a process this script did not start"
    done
}

# Starts whatever is not running and waits for each stage; returns non-zero on timeout.
start_daemons() {
    step "starting monitor"
    start_mon
    wait_daemon 60 "monitor" "$MON_PID" mon_ready || return 1
    step "starting OSD"
    start_osd
    wait_daemon 120 "OSD up" "$OSD_PID" osd_up || return 1
    step "starting radosgw"
    start_rgw
    wait_daemon 120 "radosgw answers HTTP" "$RGW_PID" rgw_answers || return 1
}

ensure_users() {
    step "checking S3 users"
    local uid ak sk
    if s3_ok && [ "$(s3_status "$ENDPOINT" "$OTHER_ACCESS_KEY" "$OTHER_SECRET_KEY")" = 200 ]; then
        return 0
    fi
    step "creating S3 users"
    while read -r uid ak sk; do
        if ! timeout 60 radosgw-admin -c "$CONF" user info --uid="$uid" >/dev/null 2>&1 </dev/null; then
            # No cap on buckets (0): tests make one each, and the default 1000 is soon reached.
            run timeout 60 radosgw-admin -c "$CONF" user create --uid="$uid" --max-buckets=0 \
                --display-name="$uid" --access-key="$ak" --secret-key="$sk"
        fi
    done <<EOF
bucketfs $ACCESS_KEY $SECRET_KEY
bucketfs-other $OTHER_ACCESS_KEY $OTHER_SECRET_KEY
EOF
    # Users are read through the radosgw's metadata cache; give it a moment.
    wait_until 30 "S3 credentials accepted" s3_ok
}

create_cluster() {
    step "creating cluster in $STATE_DIR ($LAYOUT)"
    wipe_state
    mkdir -p "$KEYRINGS" "$STATE_DIR/mon/ceph-a" "$OSD_DATA" "$STATE_DIR/rgw"
    cat /proc/sys/kernel/random/uuid >"$STATE_DIR/fsid"
    write_conf

    step "creating monitor"
    local mon_kr=$KEYRINGS/ceph.mon.keyring admin_kr=$KEYRINGS/ceph.client.admin.keyring
    run ceph-authtool --create-keyring "$mon_kr" --gen-key -n mon. --cap mon 'allow *'
    run ceph-authtool --create-keyring "$admin_kr" --gen-key -n client.admin \
        --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *'
    run ceph-authtool "$mon_kr" --import-keyring "$admin_kr"
    run monmaptool --create --fsid "$(cat "$STATE_DIR/fsid")" \
        --addv a "[v2:127.0.0.1:$MON_PORT]" "$STATE_DIR/monmap"
    run ceph-mon -c "$CONF" --mkfs -i a --monmap "$STATE_DIR/monmap" --keyring "$mon_kr"
    start_mon
    wait_daemon 60 "monitor" "$MON_PID" mon_ready || die "monitor did not become ready (see $LOG_DIR/ceph-mon.a.log)"

    step "creating OSD"
    local uuid secret id
    uuid=$(cat /proc/sys/kernel/random/uuid)
    secret=$(ceph-authtool --gen-print-key)
    printf '[osd.0]\n\tkey = %s\n' "$secret" >"$OSD_DATA/keyring"
    printf '{"cephx_secret": "%s"}\n' "$secret" >"$STATE_DIR/osd-new.json"
    id=$(ceph_cli osd new "$uuid" 0 -i "$STATE_DIR/osd-new.json")
    [ "$id" = 0 ] || die "ceph osd new returned '$id', expected 0"
    run timeout 300 ceph-osd -c "$CONF" -i 0 --mkfs --key "$secret" --osd-uuid "$uuid"
    run ceph_cli osd crush add osd.0 1.0 host=localnode root=default
    start_osd
    wait_daemon 120 "OSD up" "$OSD_PID" osd_up || die "OSD did not come up (see $LOG_DIR/ceph-osd.0.log)"

    step "creating radosgw"
    run ceph_cli auth get-or-create client.rgw.a mon 'allow rw' osd 'allow rwx' \
        -o "$KEYRINGS/ceph.client.rgw.a.keyring"
    start_rgw
    wait_daemon 120 "radosgw answers HTTP" "$RGW_PID" rgw_answers ||
        die "radosgw did not answer on $ENDPOINT (see $LOG_DIR/ceph-client.rgw.a.log)"
    ensure_users
    echo "$LAYOUT" >"$STATE_DIR/.initialized"
}

cmd_start() {
    local t0=$SECONDS
    store_init ceph "$STATE_DIR"
    lock
    # A failed start leaves nothing running.
    ON_FAILURE=stop_all
    if [ "$FRESH" = 1 ]; then
        stop_all
        rm -f "$STATE_DIR/.initialized"
    fi
    if [ "$(cat "$STATE_DIR/.initialized" 2>/dev/null || true)" = "$LAYOUT" ] && running && s3_ok; then
        log "already running and healthy"
        echo "ceph: running at $ENDPOINT"
        return 0
    fi
    ensure_packages "${PACKAGES[@]}"

    local why
    if [ "$(cat "$STATE_DIR/.initialized" 2>/dev/null || true)" != "$LAYOUT" ]; then
        why="no complete cluster with $LAYOUT"
    else
        write_conf # picks up a changed RGW port
        # Daemons still running are kept (the usual case: one of them died), unless all
        # run and yet S3 fails. The second try restarts everything.
        if any_running && ! running; then
            if check_ports_free && start_daemons && ensure_users; then
                echo "ceph: restarted in $((SECONDS - t0)) s at $ENDPOINT"
                return 0
            fi
            log "restarting the missing daemons failed while: $STEP"
        fi
        stop_all
        if [ "$OBJECTSTORE" = memstore ]; then
            why="memstore contents do not survive a stop"
        else
            check_ports_free
            if start_daemons && ensure_users; then
                echo "ceph: started in $((SECONDS - t0)) s at $ENDPOINT"
                return 0
            fi
            why="restart failed while: $STEP"
        fi
    fi
    log "recreating the cluster: $why"
    stop_all
    check_ports_free
    create_cluster
    echo "ceph: created and started in $((SECONDS - t0)) s at $ENDPOINT"
}

cmd_stop() {
    if [ ! -d "$STATE_DIR" ]; then
        echo "ceph: nothing to stop"
        return 0
    fi
    store_init ceph "$STATE_DIR"
    lock
    step "stopping"
    stop_all
    echo "ceph: stopped"
}

cmd_status() {
    if [ -f "$CONF" ] && running && s3_ok; then
        echo "ceph: running at $ENDPOINT"
    else
        echo "ceph: not running"
        return 1
    fi
}

run_command "$@"

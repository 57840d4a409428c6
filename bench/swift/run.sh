#!/usr/bin/env bash
# bucketfs on Swift's own API, bucketfs through Swift's s3api and `rclone mount` (its swift
# backend), on one container of the Swift that scripts/stores/swift.sh runs, in one run:
# sequential read of a large file, ls -l of a folder of many files, an ML epoch (every small
# file read once, 16 readers), and a large write. Cold page cache for every row.
#
#   bench/swift/run.sh [LARGE_MIB] [SMALL_FILES]     defaults 256 and 1000
#
# Writes bench/swift/results.md. Uses the bucketfs of the last build (scripts/publish.sh's, when
# BUCKETFS names it). Swift must be running: scripts/stores/swift.sh start.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
LARGE_MIB=${1:-256}
SMALL_FILES=${2:-1000}
eval "$("$ROOT/scripts/stores/swift.sh" env)"
unset AWS_CA_BUNDLE # breaks rclone even on plain http
BUCKETFS=${BUCKETFS:-dotnet $ROOT/src/Bucketfs.Cli/bin/Debug/net10.0/bucketfs.dll}
WORK=$(mktemp -d /tmp/bucketfs-swift-bench.XXXXXX)
CONTAINER=bench-$(date +%s)
PIDS=()
cleanup() {
    for m in "$WORK"/mnt-*; do mountpoint -q "$m" && { fusermount3 -u "$m" 2>/dev/null || umount -l "$m"; }; done
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    timeout 300 rclone purge "sw:$CONTAINER" 2>/dev/null || true
    timeout 300 rclone purge "sw:${CONTAINER}_segments" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

export RCLONE_CONFIG_SW_TYPE=swift RCLONE_CONFIG_SW_AUTH=$BUCKETFS_SWIFT_AUTH_URL
export RCLONE_CONFIG_SW_USER=$BUCKETFS_SWIFT_USER RCLONE_CONFIG_SW_KEY=$BUCKETFS_SWIFT_KEY
export AWS_ACCESS_KEY_ID=$BUCKETFS_S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$BUCKETFS_S3_SECRET_KEY

echo "seeding $CONTAINER: one ${LARGE_MIB} MiB file, $SMALL_FILES files of 100 KiB" >&2
mkdir -p "$WORK/seed/small"
head -c $((LARGE_MIB << 20)) /dev/urandom >"$WORK/seed/large.bin"
for i in $(seq 1 "$SMALL_FILES"); do head -c 102400 /dev/urandom >"$WORK/seed/small/f$i.jpg"; done
rclone copy --transfers 16 "$WORK/seed" "sw:$CONTAINER" >&2
head -c $((LARGE_MIB << 20)) /dev/urandom >"$WORK/write.bin"

now() { date +%s.%N; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
cold() { sync; echo 3 >/proc/sys/vm/drop_caches; }

mount_one() { # NAME: mounts on $WORK/mnt-NAME, returns once ready
    local name=$1 dir=$WORK/mnt-$1
    mkdir -p "$dir"
    case $name in
    bucketfs-native) $BUCKETFS mount "swift://$CONTAINER" "$dir" --os-auth-url "$BUCKETFS_SWIFT_AUTH_URL" --os-username "$BUCKETFS_SWIFT_USER" --os-password "$BUCKETFS_SWIFT_KEY" --cache-dir "$WORK/cache-$name" --log-file "$WORK/$name.log" ;;
    bucketfs-s3api) $BUCKETFS mount "s3://$CONTAINER" "$dir" --endpoint-url "$BUCKETFS_S3_ENDPOINT" --force-path-style --cache-dir "$WORK/cache-$name" --log-file "$WORK/$name.log" ;;
    rclone)
        rclone mount "sw:$CONTAINER" "$dir" --vfs-cache-mode writes --cache-dir "$WORK/cache-$name" --log-file "$WORK/$name.log" &
        PIDS+=($!)
        for _ in $(seq 1 100); do mountpoint -q "$dir" && break; sleep 0.2; done ;;
    esac
}

unmount_one() {
    local dir=$WORK/mnt-$1
    if [ "$1" = rclone ]; then fusermount3 -u "$dir"; else $BUCKETFS unmount "$dir" >/dev/null; fi
}

row() { printf '| %s | %s | %s | %s |\n' "$@"; }
declare -A RESULT
for m in bucketfs-native bucketfs-s3api rclone; do
    echo "measuring $m" >&2
    mount_one "$m"
    dir=$WORK/mnt-$m
    cold; t=$(now); cat "$dir/large.bin" >/dev/null; RESULT[$m,seq]=$(seconds "$t" "$(now)")
    cold; t=$(now); ls -l "$dir/small" >/dev/null; RESULT[$m,ls]=$(seconds "$t" "$(now)")
    cold; t=$(now); find "$dir/small" -type f -print0 | xargs -0 -n 20 -P 16 cat >/dev/null; RESULT[$m,ml]=$(seconds "$t" "$(now)")
    t=$(now); cp "$WORK/write.bin" "$dir/written-$m.bin"; sync "$dir/written-$m.bin" 2>/dev/null || true; RESULT[$m,write]=$(seconds "$t" "$(now)")
    unmount_one "$m"
done

{
    echo "# bucketfs on Swift: native API, s3api, and rclone mount"
    echo
    echo "$(date -u '+%F %T') UTC, $(nproc) cores, Swift $(dpkg-query -W -f '${Version}' swift-proxy 2>/dev/null) on 127.0.0.1, rclone $(rclone version | head -1 | awk '{print $2}'); seconds, lower is better."
    echo "Rows: read a ${LARGE_MIB} MiB file; ls -l of $SMALL_FILES files; ML epoch (read the $SMALL_FILES 100 KiB files, 16 readers); write a ${LARGE_MIB} MiB file (cp, until stored for bucketfs; rclone --vfs-cache-mode writes uploads after close)."
    echo
    row "row" "bucketfs (Swift API)" "bucketfs (s3api)" "rclone mount (swift)"
    row "---" "---" "---" "---"
    for w in seq ls ml write; do row "$w" "${RESULT[bucketfs-native,$w]}" "${RESULT[bucketfs-s3api,$w]}" "${RESULT[rclone,$w]}"; done
} >"$HERE/results.md"
cat "$HERE/results.md"

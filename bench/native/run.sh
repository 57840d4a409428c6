#!/usr/bin/env bash
# The native build (scripts/publish.sh --native) against today's (scripts/publish.sh: framework-dependent,
# ReadyToRun) on the local Ceph store: mount start-up (command start until the mountpoint serves, median
# of 5), the daemon's RSS once mounted, and the time and peak RSS of a 1 GiB sequential read and of
# reading 1,000 files of 64 KiB, each on a fresh mount (median of 3). Prints a Markdown table.
#   bench/native/run.sh [FRAMEWORK_DEPENDENT_BINARY NATIVE_BINARY]   (default: builds both)
# Needs the Ceph store running (scripts/stores/ceph.sh start); makes its own bucket and removes it.
set -euo pipefail
cd "$(dirname "$0")/../.."
eval "$(scripts/stores/ceph.sh env)"
framework=${1:-$(scripts/publish.sh)}
native=${2:-$(scripts/publish.sh --native)}

work=$(mktemp -d /tmp/bucketfs-native-bench.XXXXXX)
bucket=native-bench-$$
mnt=$work/mnt
mkdir -p "$mnt" "$work/seed/small" "$work/seed/big"
s3() { curl -sf --aws-sigv4 "aws:amz:$BUCKETFS_S3_REGION:s3" --user "$BUCKETFS_S3_ACCESS_KEY:$BUCKETFS_S3_SECRET_KEY" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$@"; }
daemon_pid() { pgrep -f -- " $mnt( |\$)" | head -1; }
cleanup() {
  if grep -q " $mnt " /proc/mounts; then "$framework" unmount "$mnt" --lazy >/dev/null 2>&1 || umount -l "$mnt" || true; fi
  mkdir -p "$work/empty"
  timeout 300 "$framework" sync "$work/empty" "s3://$bucket" "${reach[@]:0:3}" >/dev/null 2>&1 || true
  s3 -X DELETE "$BUCKETFS_S3_ENDPOINT/$bucket" >/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
export AWS_ACCESS_KEY_ID=$BUCKETFS_S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$BUCKETFS_S3_SECRET_KEY
reach=(--endpoint-url "$BUCKETFS_S3_ENDPOINT" --force-path-style --cache-dir "$work/staging" --log-file "$work/log")

s3 -X PUT "$BUCKETFS_S3_ENDPOINT/$bucket" >/dev/null
head -c 1073741824 /dev/urandom >"$work/seed/big/1g.bin"
for i in $(seq -w 1 1000); do head -c 65536 /dev/urandom >"$work/seed/small/f$i.bin"; done
timeout 900 "$framework" copy "$work/seed" "s3://$bucket" "${reach[@]:0:3}" >/dev/null
rm -rf "$work/seed"

now() { date +%s%N; }
mount_with() { timeout 60 "$1" mount "s3://$bucket" "$mnt" "${reach[@]}" >/dev/null; }
unmount_with() { timeout 60 "$1" unmount "$mnt" >/dev/null; }
rss() { awk -v k="$2:" '$1 == k { print int($2 / 1024) }' "/proc/$1/status"; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# Start-up: from the command's start until stat shows the mount's root (the command returns once it serves).
startup() {
  local t0 t1
  t0=$(now)
  mount_with "$1"
  until [ "$(stat -f -c %T "$mnt" 2>/dev/null)" = fuseblk ] || [ "$(stat -f -c %T "$mnt" 2>/dev/null)" = fuse ]; do sleep 0.01; done
  t1=$(now)
  echo $(((t1 - t0) / 1000000))
  unmount_with "$1"
}

# One read on a fresh mount: seconds, then peak RSS (MiB); also records the idle RSS before the read.
read_run() {
  local binary=$1 what=$2 pid t0 t1
  mount_with "$binary"
  pid=$(daemon_pid)
  sleep 1
  rss "$pid" VmRSS >>"$work/idle-$3"
  t0=$(now)
  if [ "$what" = big ]; then cat "$mnt/big/1g.bin" >/dev/null; else cat "$mnt"/small/* >/dev/null; fi
  t1=$(now)
  echo "$(((t1 - t0) / 1000000)) $(rss "$pid" VmHWM)"
  unmount_with "$binary"
}

declare -A result
for name in framework native; do : >"$work/idle-$name"; done
for round in 1 2 3 4 5; do
  for name in framework native; do
    binary=${!name}
    startup "$binary" >>"$work/startup-$name"
  done
done
for round in 1 2 3; do
  for name in framework native; do
    binary=${!name}
    read_run "$binary" big "$name" >>"$work/big-$name"
    read_run "$binary" small "$name" >>"$work/small-$name"
  done
done
for name in framework native; do
  result[$name.startup]=$(median <"$work/startup-$name")
  result[$name.idle]=$(median <"$work/idle-$name")
  result[$name.big]=$(cut -d' ' -f1 "$work/big-$name" | median)
  result[$name.bigpeak]=$(cut -d' ' -f2 "$work/big-$name" | median)
  result[$name.small]=$(cut -d' ' -f1 "$work/small-$name" | median)
  result[$name.smallpeak]=$(cut -d' ' -f2 "$work/small-$name" | median)
done
echo "| | today's build (framework-dependent, ReadyToRun) | native (NativeAOT) |"
echo "| --- | --- | --- |"
echo "| mount start-up, ms (median of 5) | ${result[framework.startup]} | ${result[native.startup]} |"
echo "| daemon RSS once mounted, MiB | ${result[framework.idle]} | ${result[native.idle]} |"
echo "| 1 GiB sequential read, ms | ${result[framework.big]} | ${result[native.big]} |"
echo "| peak RSS during it, MiB | ${result[framework.bigpeak]} | ${result[native.bigpeak]} |"
echo "| 1,000 files of 64 KiB, ms | ${result[framework.small]} | ${result[native.small]} |"
echo "| peak RSS during it, MiB | ${result[framework.smallpeak]} | ${result[native.smallpeak]} |"
echo "| binary size | $(du -sh "$(dirname "$framework")" | cut -f1) (folder, plus the .NET runtime) | $(du -sh "$native" | cut -f1) |"

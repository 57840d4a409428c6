#!/usr/bin/env bash
# The main job: start a local S3 store (Ceph radosgw), seed a sample dataset (image-sized files in
# class folders and one large file), mount the bucket with bucketfs, and show it.
# It cleans up after itself: unmounts, removes its temporary files, and stops the store if it
# started it. `scripts/demo.sh --keep` leaves both the mount and the store, and says how to stop them.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
mountpoint=${BUCKETFS_DEMO_DIR:-/tmp/bucketfs-demo}
bucket=demo-dataset
keep=${1:-}

# Everything to undo is listed here and undone by one trap (a second `trap ... EXIT` would replace the first).
seed= mounted= started_store=
cleanup() {
  if [ -n "$mounted" ]; then "$cli" unmount "$mountpoint" || "$cli" unmount --lazy "$mountpoint"; rmdir "$mountpoint" 2>/dev/null || true; fi
  if [ -n "$seed" ]; then rm -rf "$seed"; fi
  if [ -n "$started_store" ]; then scripts/stores/ceph.sh stop; fi
  rm -f /tmp/bucketfs-demo.log
}
trap cleanup EXIT

scripts/prerequisites.sh
if ! scripts/stores/ceph.sh status >/dev/null 2>&1 && [ "$keep" != "--keep" ]; then started_store=1; fi
scripts/stores/ceph.sh start
eval "$(scripts/stores/ceph.sh env)"
cli=$(scripts/publish.sh)

# Plain signed HTTP, so the demo needs no S3 client of its own.
s3() { curl -sf --aws-sigv4 "aws:amz:us-east-1:s3" --user "$BUCKETFS_CEPH_ACCESS_KEY:$BUCKETFS_CEPH_SECRET_KEY" \
  -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$@"; }
export -f s3
export BUCKETFS_CEPH_ACCESS_KEY BUCKETFS_CEPH_SECRET_KEY BUCKETFS_CEPH_ENDPOINT
if ! s3 -I "$BUCKETFS_CEPH_ENDPOINT/$bucket/large.bin" >/dev/null; then
  echo "seeding s3://$bucket: 300 images in 3 classes and a 256 MiB file"
  s3 -X PUT "$BUCKETFS_CEPH_ENDPOINT/$bucket" >/dev/null || true
  seed=$(mktemp -d)
  for class in cats dogs birds; do
    for i in $(seq -w 1 100); do echo "train/$class/$class-$i.jpg"; done
  done >"$seed/keys"
  head -c $((100 * 1024)) /dev/urandom >"$seed/image"
  xargs -P 8 -I{} bash -c 's3 -X PUT --data-binary @"$0" "$BUCKETFS_CEPH_ENDPOINT/'"$bucket"'/{}" >/dev/null' "$seed/image" <"$seed/keys"
  head -c $((256 << 20)) /dev/urandom >"$seed/large"
  s3 -X PUT -T "$seed/large" "$BUCKETFS_CEPH_ENDPOINT/$bucket/large.bin" >/dev/null
  rm -rf "$seed"
  seed=
fi

mkdir -p "$mountpoint"
AWS_ACCESS_KEY_ID=$BUCKETFS_CEPH_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$BUCKETFS_CEPH_SECRET_KEY AWS_CA_BUNDLE= \
  "$cli" mount "s3://$bucket" "$mountpoint" --endpoint-url "$BUCKETFS_CEPH_ENDPOINT" --force-path-style \
  --log-file /tmp/bucketfs-demo.log
if [ "$keep" != "--keep" ]; then mounted=1; fi

grep " $mountpoint " /proc/mounts
ls -l "$mountpoint" "$mountpoint/train"
ls -l "$mountpoint/train/cats" | head -5
echo "files: $(find "$mountpoint" -type f | wc -l)"
dd if="$mountpoint/large.bin" of=/dev/null bs=1M status=progress 2>&1 | tail -1
if [ "$keep" = "--keep" ]; then
  echo "left mounted on $mountpoint (log /tmp/bucketfs-demo.log); unmount with: $cli unmount $mountpoint"
  echo "the Ceph store keeps running; stop it with: scripts/stores/ceph.sh stop"
elif [ -z "$started_store" ]; then
  echo "the Ceph store was running before the demo and keeps running (scripts/stores/ceph.sh stop stops it)"
fi

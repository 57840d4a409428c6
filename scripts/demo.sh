#!/usr/bin/env bash
# The main job: start a local S3 store (Ceph radosgw), seed a sample dataset (image-sized files in
# class folders and one large file), mount the bucket with bucketfs, and show it.
# `scripts/demo.sh --keep` leaves it mounted; unmount with `bucketfs unmount DIR`.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
mountpoint=${BUCKETFS_DEMO_DIR:-/tmp/bucketfs-demo}
bucket=demo-dataset
keep=${1:-}

scripts/prerequisites.sh
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
  trap 'rm -rf "$seed"' EXIT
  for class in cats dogs birds; do
    for i in $(seq -w 1 100); do echo "train/$class/$class-$i.jpg"; done
  done >"$seed/keys"
  head -c $((100 * 1024)) /dev/urandom >"$seed/image"
  xargs -P 8 -I{} bash -c 's3 -X PUT --data-binary @"$0" "$BUCKETFS_CEPH_ENDPOINT/'"$bucket"'/{}" >/dev/null' "$seed/image" <"$seed/keys"
  head -c $((256 << 20)) /dev/urandom >"$seed/large"
  s3 -X PUT -T "$seed/large" "$BUCKETFS_CEPH_ENDPOINT/$bucket/large.bin" >/dev/null
fi

mkdir -p "$mountpoint"
AWS_ACCESS_KEY_ID=$BUCKETFS_CEPH_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$BUCKETFS_CEPH_SECRET_KEY AWS_CA_BUNDLE= \
  "$cli" mount "s3://$bucket" "$mountpoint" --endpoint-url "$BUCKETFS_CEPH_ENDPOINT" --force-path-style \
  --log-file /tmp/bucketfs-demo.log
if [ "$keep" != "--keep" ]; then trap '"$cli" unmount "$mountpoint" || "$cli" unmount --lazy "$mountpoint"' EXIT; fi

grep " $mountpoint " /proc/mounts
ls -l "$mountpoint" "$mountpoint/train"
ls -l "$mountpoint/train/cats" | head -5
echo "files: $(find "$mountpoint" -type f | wc -l)"
dd if="$mountpoint/large.bin" of=/dev/null bs=1M status=progress 2>&1 | tail -1
if [ "$keep" = "--keep" ]; then echo "left mounted on $mountpoint; unmount with: $cli unmount $mountpoint"; fi

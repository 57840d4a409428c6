#!/usr/bin/env bash
# The main job, for now: build bucketfs, mount its in-memory filesystem, put a few files in, show
# them, unmount. `scripts/demo.sh --keep` leaves it mounted (unmount with `bucketfs unmount DIR`).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
mountpoint=${BUCKETFS_DEMO_DIR:-/tmp/bucketfs-demo}
keep=${1:-}

scripts/prerequisites.sh
dotnet build -c Release -v quiet --nologo src/Bucketfs.Cli >/dev/null
cli=src/Bucketfs.Cli/bin/Release/net10.0/bucketfs
mkdir -p "$mountpoint"

log=$(mktemp /tmp/bucketfs-demo.XXXXXX.log)
"$cli" demo "$mountpoint" >"$log" 2>&1 &
daemon=$!
cleanup() {
  if [ "$keep" != "--keep" ]; then
    "$cli" unmount "$mountpoint" --timeout 10 || "$cli" unmount "$mountpoint" --lazy
    timeout 20 tail --pid="$daemon" -f /dev/null || kill -9 "$daemon"
  fi
}
trap cleanup EXIT
for _ in $(seq 100); do
  grep -q '^mounted' "$log" && break
  kill -0 "$daemon" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
grep -q '^mounted' "$log" || { echo "bucketfs did not mount within 10 s" >&2; cat "$log" >&2; exit 1; }

mkdir -p "$mountpoint"/images/cats "$mountpoint"/images/dogs
for i in 1 2 3; do
  head -c $((100 * 1024)) /dev/urandom >"$mountpoint/images/cats/cat$i.jpg"
  head -c $((100 * 1024)) /dev/urandom >"$mountpoint/images/dogs/dog$i.jpg"
done
echo "bucketfs demo" >"$mountpoint/README"
grep " $mountpoint " /proc/mounts
ls -lR "$mountpoint"
if [ "$keep" = "--keep" ]; then
  echo "left mounted on $mountpoint (daemon PID $daemon); unmount with: $cli unmount $mountpoint"
fi

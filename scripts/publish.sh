#!/usr/bin/env bash
# Builds the bucketfs command as it is installed: Release, precompiled (ReadyToRun) for this machine,
# using the shared .NET runtime. `scripts/publish.sh [DIR]` (default out/bucketfs); prints DIR/bucketfs.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-out/bucketfs}
timeout 900 dotnet publish src/Bucketfs.Cli -c Release --use-current-runtime --self-contained false -o "$out" --nologo -v quiet >&2
echo "$out/bucketfs"

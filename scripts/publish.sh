#!/usr/bin/env bash
# Builds the bucketfs command as it is installed. `scripts/publish.sh [--native] [DIR]`; prints DIR/bucketfs.
#   default   Release, precompiled (ReadyToRun) for this machine, on the shared .NET runtime (default DIR out/bucketfs)
#   --native  one self-contained native executable (NativeAOT): no .NET runtime needed where it runs, and a
#             mount starts without loading or compiling anything (default DIR out/bucketfs-native). Needs clang
#             and zlib1g-dev, which scripts/prerequisites.sh installs.
set -euo pipefail
cd "$(dirname "$0")/.."
native=false
if [ "${1:-}" = --native ]; then native=true; shift; fi
if $native; then
  out=${1:-out/bucketfs-native}
  timeout 1800 dotnet publish src/Bucketfs.Cli -c Release -r linux-x64 -p:PublishAot=true -o "$out" --nologo -v quiet >&2
  # Debug symbols stay out of what is installed.
  rm -f "$out"/*.dbg "$out"/*.pdb
else
  out=${1:-out/bucketfs}
  timeout 900 dotnet publish src/Bucketfs.Cli -c Release --use-current-runtime --self-contained false -o "$out" --nologo -v quiet >&2
fi
echo "$out/bucketfs"

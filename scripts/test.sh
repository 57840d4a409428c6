#!/usr/bin/env bash
# Runs every test of the repository (unit, protocol and real-mount tests) and ends with one line:
# "N passed, N failed". Must run as root: mount tests use /dev/fuse and create a throwaway user.
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

scripts/prerequisites.sh || { echo "0 passed, 1 failed"; exit 1; }

# The real stores the integration tests run against (keystone.sh: Keystone and a Keystone-authenticated
# Swift proxy on the Swift that swift.sh starts, so it comes after it). One already running is used as it is; one
# started here starts empty, so buckets left by earlier runs never pile up, and is stopped at the end.
started=()
cleanup() {
  for store in "${started[@]}"; do scripts/stores/"$store".sh stop >&2 || true; done
  rm -rf "$results"
}
results=$(mktemp -d /tmp/bucketfs-test-results.XXXXXX)
trap cleanup EXIT
for store in ceph swift keystone; do
  if ! scripts/stores/"$store".sh status >/dev/null 2>&1; then
    scripts/stores/"$store".sh start --fresh >&2 || { echo "0 passed, 1 failed"; exit 1; }
    started+=("$store")
  fi
  eval "$(scripts/stores/"$store".sh env)"
done
# The Debian package, built once here (a native build takes minutes): the package test installs this one.
# A failed build counts as one failure; the package test then fails too, and the other tests still run.
package_failed=0
deb=$(scripts/package.sh) || package_failed=1
export BUCKETFS_PACKAGE=$PWD/${deb:-no-package-built}
# --blame-hang-timeout kills a hung test host (and reports which test) instead of waiting forever;
# the whole run gets an hour (22 min on this machine at load 10, 16 on a quiet one) within CI's 90 minutes.
timeout 3600 dotnet test bucketfs.slnx --logger trx --results-directory "$results" \
  --blame-hang-timeout 5m -v quiet
status=$?

passed=0
failed=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
done
failed=$((failed + package_failed))
# A build failure or a crashed test host leaves no result for the tests it should have run.
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# Builds the Debian package: `scripts/package.sh [--binary FILE]` writes dist/bucketfs_VERSION_amd64.deb
# and prints its path. Without --binary it builds the native executable (scripts/publish.sh --native).
# Offline: only dpkg-deb and what the repository holds.
#   /usr/bin/bucketfs                                 fstab's fuse.bucketfs finds it: mount.fuse3 runs it from PATH
#   /usr/share/man/man1/bucketfs.1.gz                 packaging/man/bucketfs.1
#   /usr/share/bash-completion/completions/bucketfs   packaging/bash-completion/bucketfs
#   /usr/share/doc/bucketfs/examples/systemd/         packaging/systemd: examples to copy and edit, so not enabled
set -euo pipefail
cd "$(dirname "$0")/.."
binary=
if [ "${1:-}" = --binary ]; then binary=$2; shift 2; fi
[ -n "$binary" ] || binary=$(scripts/publish.sh --native)

# The version the binary reports, without the commit it adds after '+' (`bucketfs --version` keeps that).
full=$(timeout 30 "$binary" --version)
version=${full%%+*}

stage=$(mktemp -d /tmp/bucketfs-package.XXXXXX)
chmod 755 "$stage"
trap 'rm -rf "$stage"' EXIT
install -D -m 755 "$binary" "$stage/usr/bin/bucketfs"
install -d "$stage/usr/share/man/man1"
gzip -9n <packaging/man/bucketfs.1 >"$stage/usr/share/man/man1/bucketfs.1.gz"
install -D -m 644 packaging/bash-completion/bucketfs "$stage/usr/share/bash-completion/completions/bucketfs"
install -d "$stage/usr/share/doc/bucketfs/examples/systemd"
install -m 644 packaging/systemd/* "$stage/usr/share/doc/bucketfs/examples/systemd/"

install -d "$stage/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@INSTALLED_SIZE@/$size/" packaging/deb/control >"$stage/DEBIAN/control"

mkdir -p dist
deb=dist/bucketfs_${version}_amd64.deb
timeout 300 dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >&2
echo "$deb"

#!/usr/bin/env bash
# Installs the Debian packages bucketfs and its tests use, only when missing:
# fuse3 (fusermount3 for unprivileged mounts), attr (setfattr/getfattr), util-linux (setpriv),
# curl (seeding the demo bucket), s3fs (the reference the interop tests compare with),
# media-types (/etc/mime.types: the Content-Type of new objects, as s3fs chooses it),
# systemd (systemd-analyze verify of the example units in packaging/systemd),
# clang and zlib1g-dev (NativeAOT links the native executable of scripts/publish.sh --native, which the
# Debian package of scripts/package.sh holds).
set -euo pipefail

packages=(fuse3 attr util-linux curl s3fs media-types systemd clang zlib1g-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  timeout 600 apt-get update -q -o DPkg::Lock::Timeout=300 >/dev/null
  timeout 900 apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 "${missing[@]}" >/dev/null
fi

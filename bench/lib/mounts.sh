# shellcheck shell=bash
# Mounting the bucket with bucketfs, s3fs or rclone, and finding and stopping their daemons.
# Needs BUCKET, ENDPOINT, BUCKETFS, PASSWD and LOGS, and the rclone remote "bench" of store.sh.
# Sourced by bench/compare/run.sh and bench/scale/run.sh (see their READMEs); set -euo pipefail there.

declare -A MOUNTED=() # mountpoint -> "mounter pid"

# The daemon serving a mountpoint: the process that holds /dev/fuse open and has the mountpoint on its command line.
fuse_daemon_pid() {
  local mnt=$1 f p
  # One grep over every command line and one find per candidate: a fork per process or per
  # descriptor would cost seconds on a loaded machine. (Paths under /proc have no spaces.)
  # shellcheck disable=SC2013
  for f in $(grep -lsF -- "$mnt" /proc/[0-9]*/cmdline); do
    p=${f%/cmdline}
    [[ $(tr '\0' ' ' 2>/dev/null <"$f") == *" $mnt "* ]] || continue # not MNT-cache for MNT
    if [ -n "$(find "$p/fd" -maxdepth 1 -lname /dev/fuse -print -quit 2>/dev/null)" ]; then
      echo "${p#/proc/}"
      return 0
    fi
  done
  return 1
}

is_mounted() { grep -q " $1 " /proc/mounts; }
wait_mounted() { wait_for "$2" is_mounted "$1"; }

# cache_dir MOUNTER: the folder of the mounter's local cache; none unless the script defines its own.
cache_dir() { :; }

# mount_fs MOUNTER MNT LOG: mounts fresh; sets MOUNT_PID to the daemon's PID. Not in a subshell:
# it records the mount for the cleanup, and rclone must stay this shell's child to be reaped.
MOUNT_PID=""
mount_fs() {
  local mounter=$1 mnt=$2 log=$3 pid t0
  t0=$(now)
  MOUNT_PID=""
  if is_mounted "$mnt"; then umount "$mnt" 2>/dev/null || umount -l "$mnt" || true; fi
  mkdir -p "$mnt"
  local cache
  cache=$(cache_dir "$mounter")
  [ -z "$cache" ] || mkdir -p "$cache"
  case $mounter in
    bucketfs | bucketfs-cache | bucketfs-cache-nopt)
      local extra=()
      [ -z "$cache" ] || extra=(--cache "$cache")
      [ "$mounter" != bucketfs-cache-nopt ] || extra+=(--no-passthrough)
      # shellcheck disable=SC2086 # BENCH_BUCKETFS_ARGS is a list of options
      timeout 150 "$BUCKETFS" mount "s3://$BUCKET" "$mnt" --endpoint-url "$ENDPOINT" --force-path-style \
        "${extra[@]}" --log-file "$log" ${BENCH_BUCKETFS_ARGS:-} </dev/null >>"$log.out" 2>&1 || return 1
      ;;
    s3fs | s3fs-cache)
      timeout 60 s3fs "$BUCKET" "$mnt" -o "url=$ENDPOINT,use_path_request_style,passwd_file=$PASSWD,logfile=$log${cache:+,use_cache=$cache}" \
        </dev/null >>"$log.out" 2>&1 || return 1
      ;;
    rclone-off | rclone-full)
      local mode=${mounter#rclone-} extra=()
      [ -z "$cache" ] || extra=(--cache-dir "$cache")
      [[ $ENDPOINT == http://127.0.0.1:* ]] || { say "refusing to start rclone with endpoint '$ENDPOINT'"; return 1; }
      # Unlike `--daemon`, a background child of this script can be waited for (no zombie left).
      RCLONE_CONFIG_BENCH_ENDPOINT=$ENDPOINT setsid rclone mount "bench:$BUCKET" "$mnt" --s3-endpoint "$ENDPOINT" \
        --vfs-cache-mode "$mode" "${extra[@]}" --log-file "$log" </dev/null >>"$log.out" 2>&1 &
      ;;
  esac
  MOUNTED[$mnt]="$mounter 0"
  wait_mounted "$mnt" 60 || return 1
  local deadline=$((SECONDS + 10))
  until pid=$(fuse_daemon_pid "$mnt"); do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.1
  done
  MOUNTED[$mnt]="$mounter $pid"
  MOUNT_PID=$pid
  echo "$(date +%T) mount $mounter: $(since "$t0") s" >>"$LOGS/timing.log"
}

# unmount_fs MNT: unmounts, waits for the daemon to exit, and kills it by PID if it does not.
unmount_fs() {
  local mnt=$1 mounter pid t0
  t0=$(now)
  read -r mounter pid <<<"${MOUNTED[$mnt]:-x 0}"
  if is_mounted "$mnt"; then
    if [[ $mounter == bucketfs* ]]; then
      timeout 30 "$BUCKETFS" unmount "$mnt" >/dev/null 2>&1 || timeout 10 umount -l "$mnt" || true
    else
      timeout 30 umount "$mnt" 2>/dev/null || timeout 10 umount -l "$mnt" || true
    fi
  fi
  if [ "$pid" != 0 ] && ! wait_gone "$pid" 20; then
    say "$mounter daemon $pid still running after unmount: SIGTERM"
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_gone "$pid" 10; then kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  unset "MOUNTED[$mnt]"
  # Reap rclone (our own background child) if it was one.
  wait "$pid" 2>/dev/null || true
  echo "$(date +%T) unmount $mounter: $(since "$t0") s" >>"$LOGS/timing.log"
}

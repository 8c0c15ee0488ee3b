# pallet_new_file PATH creates PATH as a new, empty file only its owner may
# read (what mktemp makes), exclusively: noclobber opens it O_EXCL, so
# nothing already there, a symlink included, is opened or followed, and
# it fails if PATH exists. It starts no process: the umask (077 while the
# file is made) is read back from /proc/self/status rather than from a
# $(umask) subshell, and where that has no Umask line the file is made in a
# subshell instead.
pallet_new_file() {
  local - k v mask='' rc=0
  while read -r k v; do
    if [[ $k == Umask: ]]; then
      mask=$v
      break
    fi
  done </proc/self/status 2>/dev/null || true
  set -C
  if [[ ! $mask =~ ^[0-7]+$ ]]; then
    (
      umask 077
      : >"$1"
    )
    return
  fi
  umask 077
  { : >"$1"; } 2>/dev/null || rc=$?
  umask "$mask"
  if ((rc != 0)); then
    echo "pallet: cannot create $1: it is there already, or its directory refuses" >&2
  fi
  return "$rc"
}

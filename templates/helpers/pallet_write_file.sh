# pallet_write_file PATH MODE OWNER GROUP writes its stdin to PATH
# atomically: a temporary file in the same directory takes the content,
# owner and mode, then is renamed over PATH, so no reader (and no dropped
# connection) ever sees PATH half-written. PATH may be a symlink (it is
# replaced) but not a directory (mv -T refuses rather than moving into it).
pallet_write_file() {
  local path=$1 mode=$2 owner=$3 group=$4 tmp
  tmp=$(mktemp "$(dirname -- "$path")/.pallet.XXXXXX")
  # shellcheck disable=SC2064 # expand $tmp now, quoted: it is local
  trap "rm -f -- $(printf '%q' "$tmp")" EXIT
  cat >"$tmp"
  chown -- "$owner:$group" "$tmp"
  chmod -- "$mode" "$tmp"
  mv -fT -- "$tmp" "$path"
}

# pallet_write_file_as PATH MODE OWNER GROUP is pallet_write_file's write,
# run by the user pallet_file_writer chose. mktemp creates the temporary
# file exclusively (O_EXCL), chown -h never follows a symlink.
pallet_write_file_as() {
  local path=$1 mode=$2 owner=$3 group=$4 tmp
  tmp=$(mktemp "$(dirname -- "$path")/.pallet.XXXXXX")
  # shellcheck disable=SC2064 # expand $tmp now, quoted: it is local
  trap "rm -f -- $(printf '%q' "$tmp")" EXIT
  cat >"$tmp"
  pallet_file_set_meta "$tmp" "$mode" "$owner" "$group"
  mv -fT -- "$tmp" "$path"
}

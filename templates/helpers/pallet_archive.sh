# pallet_archive URL SHA256 PATH FORMAT STRIP OWNER GROUP makes the
# directory PATH the archive's content (pallet_archive_unpack_as). The
# work is renames in PATH's directory (a new tree in, the old one out), so
# it runs as whoever pallet_as_writer finds may write there, for OWNER:
# root in a directory only root controls, also when the old tree is
# OWNER's (root moves it, whole, into a directory of its own before
# removing it, never walking it by name where OWNER could swap entries);
# OWNER in a directory of OWNER's. PATH is walked too, and a refusal there
# (another user's entry in a sticky directory) ends it. The archive is on
# stdin, or, with a URL, downloaded first (pallet_file_download: a sha256
# other than SHA256 fails there, before anything is unpacked) into a
# directory only root can enter, removed when the step ends.
pallet_archive() {
  local url=$1 path=$3 owner=$6 dir dl
  dir=$(dirname -- "$path")
  pallet_file_writer "$path" "$owner" replace || return 1
  if [[ -z $url ]]; then
    (pallet_as_writer "$dir" "$owner" follow pallet_archive_unpack_as "${@:2}")
    return
  fi
  dl=$(mktemp -d) || return 1
  # shellcheck disable=SC2064 # expand $dl now, quoted: it is local
  trap "rm -rf -- $(printf '%q' "$dl")" EXIT
  pallet_tmp_remember "$dl"
  # subshells: the helpers' own EXIT traps must not replace this one
  (pallet_file_download "$url" "$dl/archive" "$2" 0600 root root) || return 1
  (pallet_as_writer "$dir" "$owner" follow pallet_archive_unpack_as "${@:2}" <"$dl/archive")
}

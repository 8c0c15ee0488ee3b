# pallet_file_download URL PATH SHA256 MODE OWNER GROUP makes PATH the file
# at URL with that owner, group and mode. A regular file already there with
# the sha256 only gets its owner, group and mode. Otherwise URL is
# downloaded with curl or wget into a temporary file beside PATH, its sha256
# checked, its owner, group and mode given, and only then is it renamed over
# PATH. A failed download or a wrong checksum leaves PATH as it was and no
# temporary file. Who writes is pallet_file_writer's answer (as for
# pallet_write_file).
pallet_file_download() {
  local url=$1 path=$2 sha=$3 mode=$4 owner=$5 group=$6 dir who
  dir=$(dirname -- "$path")
  if [[ ! -d $dir ]]; then
    echo "pallet: cannot download to $path: directory $dir does not exist (create it first, with the directory crate)" >&2
    return 1
  fi
  who=$(pallet_file_writer "$path" "$owner" replace) || return 1
  if [[ $who == root ]]; then
    pallet_file_download_as "$url" "$path" "$sha" "$mode" "$owner" "$group"
  else
    pallet_as_user "$who" 'pallet_file_download_as pallet_file_sha256_is pallet_file_read pallet_file_set_meta' "$url" "$path" "$sha" "$mode" "$owner" "$group"
  fi
}

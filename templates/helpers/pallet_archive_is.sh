# pallet_archive_is PATH SHA256 STRIP OWNER GROUP succeeds when the
# directory PATH holds what pallet_archive_unpack_as made of that archive
# for that owner and group: its stamp, PATH/.pallet-archive, says so. The
# stamp is read as pallet_as_reader says (never as root through a path a
# user controls).
pallet_archive_is() {
  local path=$1
  [[ -d $path && ! -L $path ]] || return 1
  pallet_as_reader "$path/.pallet-archive" follow pallet_file_has_line "$path/.pallet-archive" \
    "pallet archive sha256=$2 strip=$3 owner=$4 group=$5"
}

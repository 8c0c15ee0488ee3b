# pallet_file_is PATH MODE OWNER GROUP succeeds when PATH is a regular file
# whose content equals stdin and whose mode, owner and group are as given.
# It reads as whoever controls the way to PATH (pallet_as_reader): a user's
# symlink or hard link to /etc/shadow is never read as root.
pallet_file_is() {
  pallet_as_reader "$1" replace pallet_file_is_as "$@"
}

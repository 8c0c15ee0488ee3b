# pallet_file_sha256_is PATH SHA256 [SALT] succeeds when PATH is a regular
# file (not a symlink) whose sha256 is SHA256 (lower-case hex); with SALT,
# whose sha256(SALT || content) is. It reads as
# whoever controls the way to PATH (pallet_as_reader): through a user's
# symlink or hard link, root's own files are never hashed as root.
pallet_file_sha256_is() {
  pallet_as_reader "$1" replace pallet_file_sha256_is_as "$@"
}

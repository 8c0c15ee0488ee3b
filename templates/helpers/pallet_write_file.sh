# pallet_write_file PATH MODE OWNER GROUP writes its stdin to PATH
# atomically (pallet_write_file_as), as the writer pallet_as_writer finds:
# root where only root controls the way, OWNER in a directory of OWNER's,
# and no one (an error) where another user could swap a symlink in
# mid-write. A symlink at PATH is replaced, not followed. With CHECK
# ARGS... after GROUP, CHECK ARGS... TMP PATH must accept the written
# temporary file before it is renamed over PATH (pallet_write_file_as).
pallet_write_file() {
  pallet_as_writer "$1" "$3" replace pallet_write_file_as "$@"
}

# pallet_symlink_make PATH TARGET OWNER FORCE makes PATH a symlink to TARGET
# owned by OWNER, as the writer pallet_as_writer finds for PATH itself (a
# symlink already at PATH is replaced, never followed).
pallet_symlink_make() {
  pallet_as_writer "$1" "$3" replace pallet_symlink_make_as "$@"
}

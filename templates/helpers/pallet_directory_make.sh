# pallet_directory_make PATH MODE OWNER GROUP PARENTS makes PATH a directory
# (creating missing parents when PARENTS is yes) with exactly that owner,
# group and mode, as the writer pallet_as_writer finds for PATH itself (a
# symlink on the way is followed, walked like the rest): a directory
# another user made there first is theirs, never adopted.
pallet_directory_make() {
  pallet_as_writer "$1" "$3" follow pallet_directory_make_as "$@"
}

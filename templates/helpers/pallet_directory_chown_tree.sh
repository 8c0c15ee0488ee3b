# pallet_directory_chown_tree PATH OWNER GROUP gives PATH and everything in
# it OWNER and GROUP (chown -R, symlinks changed themselves, never
# followed), as the writer pallet_as_writer finds for PATH: root only where
# only root controls the way to PATH and PATH itself, else OWNER, who can
# only give away what is theirs already.
pallet_directory_chown_tree() {
  pallet_as_writer "$1" "$2" follow pallet_directory_chown_tree_as "$@"
}

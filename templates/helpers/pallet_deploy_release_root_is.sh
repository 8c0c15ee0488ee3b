# pallet_deploy_release_root_is ROOT succeeds when ROOT and ROOT/releases
# are directories (no symlinks) of root's that only root may write: the
# deploy-release crate removes and renames there as root.
pallet_deploy_release_root_is() {
  local d
  for d in "$1" "$1/releases"; do
    [[ -d $d && ! -L $d ]] || return 1
    [[ $(stat -c %u -- "$d") == 0 ]] || return 1
    [[ -z $(find "$d" -maxdepth 0 -perm /022) ]] || return 1
  done
}

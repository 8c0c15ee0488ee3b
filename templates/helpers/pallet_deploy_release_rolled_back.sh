# pallet_deploy_release_rolled_back ROOT succeeds when ROOT/current points
# where ROOT/previous does.
pallet_deploy_release_rolled_back() {
  [[ -L $1/current && -L $1/previous ]] || return 1
  [[ $(readlink -- "$1/current") == "$(readlink -- "$1/previous")" ]]
}

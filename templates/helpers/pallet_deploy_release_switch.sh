# pallet_deploy_release_switch ROOT ID points ROOT/current at releases/ID
# (pallet_deploy_release_link), first remembering the release it pointed at
# as ROOT/previous.
pallet_deploy_release_switch() {
  local root=$1 id=$2 old=''
  if [[ ! -d $root/releases/$id || -L $root/releases/$id ]]; then
    echo "pallet: $root/releases/$id is not a release directory: current left as it was" >&2
    return 1
  fi
  if [[ -L $root/current ]]; then
    old=$(readlink -- "$root/current") || return 1
  fi
  if [[ -n $old && $old != "releases/$id" ]]; then
    pallet_deploy_release_link "$old" "$root/previous" || return 1
  fi
  pallet_deploy_release_link "releases/$id" "$root/current"
}

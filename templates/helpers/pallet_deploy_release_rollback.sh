# pallet_deploy_release_rollback ROOT points ROOT/current where
# ROOT/previous does (pallet_deploy_release_link), refusing when there is
# no previous release or its directory is gone. previous is left as it is.
pallet_deploy_release_rollback() {
  local root=$1 prev
  if [[ ! -L $root/previous ]]; then
    echo "pallet: $root has no previous release (root/previous): nothing to roll back to; current left as it was" >&2
    return 1
  fi
  prev=$(readlink -- "$root/previous") || return 1
  if [[ ! -d $root/$prev || -L $root/$prev ]]; then
    echo "pallet: the previous release $root/$prev is gone: current left as it was" >&2
    return 1
  fi
  pallet_deploy_release_link "$prev" "$root/current"
}

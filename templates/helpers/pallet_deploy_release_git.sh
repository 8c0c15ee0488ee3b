# pallet_deploy_release_git REPO COMMIT PATH STRIP OWNER GROUP makes the
# directory PATH the tree of COMMIT of the repository REPO: the tar
# pallet_deploy_release_git_tar makes of it, in a directory only root can
# enter (removed when the step ends), unpacked as pallet_archive unpacks an
# archive (pallet_file_writer, pallet_as_writer, pallet_archive_unpack_as)
# with the tar's sha256, taken on the node: the commit is the pin.
pallet_deploy_release_git() {
  local repo=$1 commit=$2 path=$3 strip=$4 owner=$5 group=$6 dir dl sha
  dir=$(dirname -- "$path")
  pallet_file_writer "$path" "$owner" replace || return 1
  dl=$(mktemp -d) || return 1
  # shellcheck disable=SC2064 # expand $dl now, quoted: it is local
  trap "rm -rf -- $(printf '%q' "$dl")" EXIT
  pallet_tmp_remember "$dl"
  sha=$(pallet_deploy_release_git_tar "$dl" "$repo" "$commit") || return 1
  # a subshell: the helpers' own EXIT traps must not replace this one
  (pallet_as_writer "$dir" "$owner" follow pallet_archive_unpack_as "$sha" "$path" tar "$strip" "$owner" "$group" <"$dl/archive.tar")
}

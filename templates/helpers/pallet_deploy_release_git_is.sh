# pallet_deploy_release_git_is PATH REPO COMMIT STRIP OWNER GROUP succeeds
# when the directory PATH holds what pallet_deploy_release_git made of
# COMMIT: pallet_archive_is with the sha256 of the tar of COMMIT, made
# again (pallet_deploy_release_git_tar, in a directory only root can
# enter, removed when the check ends). No directory at PATH fails at once,
# without cloning.
pallet_deploy_release_git_is() {
  local path=$1 dl sha
  [[ -d $path && ! -L $path ]] || return 1
  dl=$(mktemp -d) || return 1
  # shellcheck disable=SC2064 # expand $dl now, quoted: it is local
  trap "rm -rf -- $(printf '%q' "$dl")" EXIT
  pallet_tmp_remember "$dl"
  sha=$(pallet_deploy_release_git_tar "$dl" "$2" "$3") || return 1
  pallet_archive_is "$path" "$sha" "$4" "$5" "$6"
}

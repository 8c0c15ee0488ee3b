# pallet_directory_make PATH MODE OWNER GROUP PARENTS makes PATH a directory
# (creating missing parents when PARENTS is yes) with exactly that owner,
# group and mode, as the writer pallet_as_writer finds for PATH itself (a
# symlink on the way is followed, walked like the rest): a directory
# another user made there first is theirs, never adopted. One exception:
# when PATH is already a directory of OWNER's, in a directory that only
# root controls the way to and only root may write in (no sticky shared
# one, where OWNER could rename PATH and plant a symlink), no one but root
# can swap PATH's entry, so root sets its owner, group and mode itself:
# OWNER's own chmod would lose the setgid bit for a GROUP OWNER is not in
# (the kernel drops it), and the step would never converge.
pallet_directory_make() {
  local path=$1 owner=$3 parent uid want mode
  if [[ -d $path && ! -L $path ]]; then
    pallet_dirname "$path"
    parent=$PALLET_DIR
    if [[ -n $owner && $owner != *[!0-9]* ]]; then
      want=$owner
    elif [[ $owner == root ]]; then
      want=0
    else
      want=$(exec id -u -- "$owner" 2>/dev/null) || want=
    fi
    uid=$(stat -c %u -- "$path") || return 1
    if [[ -n $want && $uid == "$want" ]] &&
      pallet_file_writer "$parent" 0 2>/dev/null && [[ $PALLET_WRITER == root ]] &&
      mode=$(stat -L -c %a -- "$parent") && [[ -n $mode && $mode != *[!0-7]* ]] && ! ((8#$mode & 8#022)); then
      pallet_directory_make_as "$@"
      return
    fi
  fi
  pallet_as_writer "$1" "$3" follow pallet_directory_make_as "$@"
}

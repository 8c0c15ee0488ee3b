# pallet_file_remove file|directory PATH removes PATH (a directory with all
# it holds) when it exists, as pallet_as_writer says for the owner of the
# entry itself: root where only root controls the way to it, its owner
# where the way goes through something of theirs, and no one (an error)
# where another user could swap a symlink in: alice's link from ~/app to a
# root-only directory does not make root delete what is there. A symlink at
# PATH is never followed: the file kind removes it, the directory kind
# refuses it, as it refuses a file.
pallet_file_remove() {
  local kind=$1 path=$2 owner
  if [[ ! -e $path && ! -L $path ]]; then
    return 0
  fi
  owner=$(stat -c %u -- "$path") || return 1
  pallet_as_writer "$path" "$owner" replace pallet_file_remove_as "$kind" "$path"
}

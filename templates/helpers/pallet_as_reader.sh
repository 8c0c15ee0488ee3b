# pallet_as_reader PATH replace|follow FUNC ARGS... runs the helper FUNC,
# a check that reads PATH, as whoever controls the way to it: root where
# only root does, else the user pallet_file_writer finds first on the way
# (a symlink alice planted in her home is followed as alice, who reads
# only what she may), and no one where the walk refuses (it fails: the
# check is not passed). Root reading through a user's symlink or hard link
# would tell, by ok or would-change, whether /etc/shadow holds a line. The
# walk and "replace"/"follow" are pallet_as_writer's.
pallet_as_reader() {
  local path=$1 final=$2 who
  shift 2
  pallet_file_writer "$path" '*' "$final" || return 1
  who=$PALLET_WRITER
  if [[ $who == root ]]; then
    # for pallet_file_read: only root controls the way to PATH
    # shellcheck disable=SC2034 # read by pallet_file_read, in scripts that have it
    local PALLET_ROOT_WAY=$path
    "$@"
  elif [[ $who == "$EUID" ]]; then
    "$@"
  else
    pallet_as_user "$who" "$@"
  fi
}

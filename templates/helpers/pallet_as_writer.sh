# pallet_as_writer PATH OWNER replace|follow FUNC ARGS... runs the helper
# FUNC with ARGS as whoever pallet_file_writer says may write PATH for
# OWNER: as root, here; as OWNER, through pallet_as_user. "replace": a
# symlink at PATH is replaced, so the walk stops at it; "follow": it is
# followed, and its target walked. Where no one may write, it fails with
# the walk's refusal and FUNC never runs.
pallet_as_writer() {
  local path=$1 owner=$2 final=$3 who
  shift 3
  pallet_file_writer "$path" "$owner" "$final" || return 1
  who=$PALLET_WRITER
  if [[ $who == root ]]; then
    # for pallet_file_read: only root controls the way to PATH
    # shellcheck disable=SC2034 # read by pallet_file_read, in scripts that have it
    local PALLET_ROOT_WAY=$path
    "$@"
  else
    pallet_as_user "$who" "$@"
  fi
}

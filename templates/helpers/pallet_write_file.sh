# pallet_write_file PATH MODE OWNER GROUP writes its stdin to PATH
# atomically: a temporary file in the same directory takes the content,
# owner and mode, then is renamed over PATH, so no reader (and no dropped
# connection) ever sees PATH half-written. PATH may be a symlink (it is
# replaced) but not a directory (mv -T refuses rather than moving into it).
# Who writes is pallet_file_writer's answer: root where only root controls
# the directories on the way, OWNER in a directory of OWNER's, and no one
# (an error) where another user could swap a symlink in mid-write.
pallet_write_file() {
  local path=$1 mode=$2 owner=$3 group=$4 who
  who=$(pallet_file_writer "$path" "$owner" replace) || return 1
  if [[ $who == root ]]; then
    pallet_write_file_as "$path" "$mode" "$owner" "$group"
  else
    pallet_as_user "$who" 'pallet_write_file_as pallet_file_set_meta' "$path" "$mode" "$owner" "$group"
  fi
}

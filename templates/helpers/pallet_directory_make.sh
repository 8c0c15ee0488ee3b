# pallet_directory_make PATH MODE OWNER GROUP PARENTS makes PATH a directory
# (creating missing parents when PARENTS is yes) with exactly that owner,
# group and mode. A symlink or a file at PATH is an error, never replaced.
# Who does it is pallet_file_writer's answer, as for pallet_write_file.
pallet_directory_make() {
  local path=$1 mode=$2 owner=$3 group=$4 parents=$5 who
  who=$(pallet_file_writer "$path" "$owner") || return 1
  if [[ $who == root ]]; then
    pallet_directory_make_as "$path" "$mode" "$owner" "$group" "$parents"
  else
    pallet_as_user "$who" 'pallet_directory_make_as pallet_file_set_meta' "$path" "$mode" "$owner" "$group" "$parents"
  fi
}

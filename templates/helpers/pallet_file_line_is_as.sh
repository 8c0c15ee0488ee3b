# pallet_file_line_is_as ACTION PATH LINE MATCH is pallet_file_line's "is",
# run by the reader pallet_as_reader found: a symlink is followed, a
# missing file has no line, anything but a regular file fails at once.
pallet_file_line_is_as() {
  local action=$1 path=$2 line=$3 match=$4
  if [[ -L $path ]]; then
    path=$(readlink -f -- "$path") || return 1
  fi
  if [[ ! -e $path ]]; then
    [[ $action == absent ]]
    return
  fi
  pallet_file_read "$path" pallet_file_line_awk is "$action" "$line" "$match"
}

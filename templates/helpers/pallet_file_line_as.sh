# pallet_file_line_as ACTION PATH LINE MATCH MODE is pallet_file_line's
# "set", run by the writer pallet_as_writer found: PATH (a symlink is
# followed) is rewritten through a temporary file beside it, keeping its
# owner, group and mode; a missing one is created with MODE, owned by the
# user running this.
pallet_file_line_as() {
  local action=$1 path=$2 line=$3 match=$4 mode=$5 meta tmp owner group
  if [[ -L $path ]]; then
    path=$(readlink -f -- "$path")
  fi
  if [[ ! -e $path ]]; then
    [[ $action == absent ]] && return 0
    pallet_file_need_dir "$path" || return 1
  elif [[ ! -f $path ]]; then
    echo "pallet: $path is not a regular file ($(stat -c %F -- "$path")): not editing it" >&2
    return 1
  fi
  pallet_dirname "$path"
  pallet_temp_file "$PALLET_DIR"
  tmp=$PALLET_TEMP
  if [[ -e $path ]]; then
    meta=$(stat -c '%a %u %g' -- "$path")
    read -r mode owner group <<<"$meta"
    pallet_file_read "$path" pallet_file_line_awk edit "$action" "$line" "$match" >"$tmp"
  else
    owner=$EUID group=$(id -g)
    pallet_file_line_awk edit "$action" "$line" "$match" </dev/null >"$tmp"
  fi
  pallet_file_set_meta "$tmp" "$mode" "$owner" "$group"
  mv -fT -- "$tmp" "$path"
}

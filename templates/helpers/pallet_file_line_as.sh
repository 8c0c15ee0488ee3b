# pallet_file_line_as ACTION PATH LINE MATCH MODE [META] is
# pallet_file_line's "set", run by the writer pallet_as_writer found: PATH
# (a symlink is followed) is rewritten through a temporary file beside it,
# keeping its owner, group and mode; a missing one is created with MODE,
# owned by the user running this. It ends with the step's check, in the
# same process ({{ apply_checked }}): the edit's own awk says whether what
# it wrote is as "is" wants it, and a result that is not (a MATCH that
# also matches another line first) fails with 98 once it is written.
# META is what pallet_file_line's stat of PATH printed ("UID MODE GID"):
# root uses it, instead of a stat of its own, where the walk has just
# found that only root controls the way to PATH and PATH is no symlink,
# so that no one else can have changed it since.
pallet_file_line_as() {
  local action=$1 path=$2 line=$3 match=$4 mode=$5 hint=${6-} tmp owner group rc=0
  if [[ -L $path ]]; then
    path=$(readlink -f -- "$path")
    hint=
  fi
  if [[ ! -e $path ]]; then
    [[ $action == absent ]] && return 0
    pallet_file_need_dir "$path" || return 1
  elif [[ ! -f $path ]]; then
    echo "pallet: $path is not a regular file ($(stat -c %F -- "$path")): not editing it" >&2
    return 1
  fi
  pallet_dirname "$path"
  if [[ -e $path ]] && ((EUID == 0)) && [[ -n $hint && ${PALLET_ROOT_WAY-} == "$path" && ! -L $path ]]; then
    read -r owner mode group <<<"$hint"
  else
    hint=
  fi
  # with the mode it is to have at once, where the hint gave it
  pallet_temp_file "$PALLET_DIR" "${hint:+$mode}"
  tmp=$PALLET_TEMP
  if [[ -e $path ]]; then
    if [[ -n $hint ]]; then
      # as pallet_file_read opens it for root on a way only root
      # controls: directly; awk's status is the verdict on what it wrote
      pallet_file_line_awk write "$action" "$line" "$match" <"$path" >"$tmp" || rc=$?
    else
      pallet_stat_walk "$path" || return 1
      read -r owner mode _ group _ <<<"${PALLET_STATS[0]}"
      pallet_file_read "$path" pallet_file_line_awk edit "$action" "$line" "$match" >"$tmp"
      rc=
    fi
  else
    owner=$EUID group=$(id -g)
    pallet_file_line_awk write "$action" "$line" "$match" </dev/null >"$tmp" || rc=$?
  fi
  if [[ -n $rc && $rc != 0 && $rc != 98 ]]; then
    return "$rc"
  fi
  pallet_file_set_meta "$tmp" "$mode" "$owner" "$group"
  mv -fT -- "$tmp" "$path"
  if [[ -z $rc ]]; then
    # read back, as the check reads it
    pallet_file_read "$path" pallet_file_line_awk is "$action" "$line" "$match" || rc=98
  fi
  if [[ $rc == 98 ]]; then
    echo "pallet: $path is still not as asked after the edit: does MATCH also match another line before it?" >&2
    return 98
  fi
}

# pallet_file_line is|set ACTION PATH LINE MATCH MODE keeps LINE present in
# (or absent from) the text file PATH. "is" succeeds when PATH is already so;
# "set" makes it so with an atomic rewrite that keeps the file's owner, group
# and mode, or creates it with MODE (owned by the user running the script).
#
# present: the first line matching the extended regexp MATCH is LINE, or,
#          when no line matches (or MATCH is empty), some line is LINE; set
#          replaces that first match, or appends LINE.
# absent:  no line matches MATCH (no line equals LINE when MATCH is empty);
#          set deletes every such line. A missing file is already so.
#
# LINE and MATCH reach awk through the environment, which, unlike awk -v,
# does not interpret backslashes. A symlink is followed: its target is edited.
pallet_file_line() {
  local op=$1 action=$2 path=$3 line=$4 match=$5 mode=$6 meta dir tmp owner group
  if [[ -L $path ]]; then
    path=$(readlink -f -- "$path")
  fi
  if [[ ! -e $path ]]; then
    [[ $action == absent ]] && return 0
    [[ $op == set ]] || return 1
  elif [[ ! -f $path ]]; then
    echo "pallet: $path is not a regular file" >&2
    return 1
  fi
  if [[ $op == is ]]; then
    pallet_file_line_awk is "$action" "$line" "$match" <"$path"
    return
  fi
  dir=$(dirname -- "$path")
  tmp=$(mktemp "$dir/.pallet.XXXXXX")
  # shellcheck disable=SC2064 # expand $tmp now, quoted: it is local
  trap "rm -f -- $(printf '%q' "$tmp")" EXIT
  if [[ -e $path ]]; then
    meta=$(stat -c '%a %u %g' -- "$path")
    read -r mode owner group <<<"$meta"
    pallet_file_line_awk edit "$action" "$line" "$match" <"$path" >"$tmp"
  else
    owner=$(id -u) group=$(id -g)
    pallet_file_line_awk edit "$action" "$line" "$match" </dev/null >"$tmp"
  fi
  pallet_file_set_meta "$tmp" "$mode" "$owner" "$group"
  mv -fT -- "$tmp" "$path"
}

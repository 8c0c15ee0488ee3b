# pallet_meta_cut "UID MODE LINKS GID KIND NAMES" cuts a line of what
# pallet_stat_walk gives (one space between the fields, the names last:
# they may hold spaces) into PALLET_META=(UID MODE LINKS GID KIND NAMES).
# It fails, leaving PALLET_META empty, unless UID, LINKS and GID are
# numbers, MODE is octal and KIND is there. The fields are cut with
# expansions and checked with globs: a read from a here-string (a pipe,
# read a byte at a time) and a regex (compiled at each test) cost more
# than the rest of a look.
pallet_meta_cut() {
  local rest=$1 uid mode links gid
  PALLET_META=()
  [[ $rest == ?*' '?*' '?*' '?*' '?*' '?* ]] || return 1
  uid=${rest%%' '*} rest=${rest#*' '}
  mode=${rest%%' '*} rest=${rest#*' '}
  links=${rest%%' '*} rest=${rest#*' '}
  gid=${rest%%' '*} rest=${rest#*' '}
  [[ -n $uid && -n $mode && -n $links && -n $gid && -n ${rest%%' '*} && $uid$links$gid != *[!0-9]* && $mode != *[!0-7]* ]] || return 1
  PALLET_META=("$uid" "$mode" "$links" "$gid" "${rest%%' '*}" "${rest#*' '}")
}

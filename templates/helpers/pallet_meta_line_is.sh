# pallet_meta_line_is LINE MODE OWNER GROUP succeeds when LINE, a line
# pallet_stat_walk gave, has that octal mode, owner and group (names or
# numeric ids). It fails only by its explicit returns.
pallet_meta_line_is() {
  local mode=$2 owner=$3 group=$4 want hmode names huid hgid
  printf -v want '%o' "$((8#$mode))"
  # UID MODE LINKS GID TYPE USER:GROUP, cut as pallet_stat_line does (a
  # cutter the three share, a call and an array more, made a look half as
  # slow again: 54 against 83 us for a line and its check)
  [[ $1 == ?*' '?*' '?*' '?*' '?*' '?* ]] || return 1
  huid=${1%%' '*} names=${1#*' '}
  hmode=${names%%' '*} names=${names#*' '}
  names=${names#*' '}
  hgid=${names%%' '*} names=${names#*' '}
  names=${names#*' '}
  [[ $hmode == "$want" ]] || return 1
  [[ ${names%%:*} == "$owner" || $huid == "$owner" ]] || return 1
  [[ ${names#*:} == "$group" || $hgid == "$group" ]]
}

# pallet_meta_line_is LINE MODE OWNER GROUP succeeds when LINE, a line
# pallet_stat_walk gave, has that octal mode, owner and group (names or
# numeric ids). It fails only by its explicit returns.
pallet_meta_line_is() {
  local mode=$2 owner=$3 group=$4 want hmode names huid hgid
  printf -v want '%o' "$((8#$mode))"
  read -r huid hmode _ hgid _ names <<<"$1"
  [[ $hmode == "$want" ]] || return 1
  [[ ${names%%:*} == "$owner" || $huid == "$owner" ]] || return 1
  [[ ${names#*:} == "$group" || $hgid == "$group" ]]
}

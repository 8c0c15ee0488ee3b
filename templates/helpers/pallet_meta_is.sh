# pallet_meta_is PATH MODE OWNER GROUP succeeds when PATH has that octal
# mode, owner and group (names or numeric ids).
# It fails only by its explicit returns, so it means the same as a condition
# (proof || exit 98 in an {{ apply_checked }}), where set -e is off.
pallet_meta_is() {
  local path=$1 mode=$2 owner=$3 group=$4 want hmode names huid hgid
  printf -v want '%o' "$((8#$mode))"
  pallet_stat_walk "$path" || return 1
  read -r huid hmode _ hgid _ names <<<"${PALLET_STATS[0]}"
  [[ $hmode == "$want" ]] || return 1
  [[ ${names%%:*} == "$owner" || $huid == "$owner" ]] || return 1
  [[ ${names#*:} == "$group" || $hgid == "$group" ]]
}

# pallet_meta_is PATH MODE OWNER GROUP succeeds when PATH has that octal
# mode, owner and group (names or numeric ids).
# It fails only by its explicit returns, so it means the same as a condition
# (proof || exit 98 in an {{ apply_checked }}), where set -e is off.
pallet_meta_is() {
  local path=$1 mode=$2 owner=$3 group=$4 want have hmode huser hgroup huid hgid
  printf -v want '%o' "$((8#$mode))"
  have=$(stat -c '%a %U %G %u %g' -- "$path") || return 1
  read -r hmode huser hgroup huid hgid <<<"$have"
  [[ $hmode == "$want" ]] || return 1
  [[ $huser == "$owner" || $huid == "$owner" ]] || return 1
  [[ $hgroup == "$group" || $hgid == "$group" ]]
}

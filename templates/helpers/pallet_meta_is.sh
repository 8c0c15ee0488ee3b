# pallet_meta_is PATH MODE OWNER GROUP succeeds when PATH has that octal
# mode, owner and group (names or numeric ids).
# It fails only by its explicit returns, so it means the same as a condition
# (proof || exit 98 in an {{ apply_checked }}), where set -e is off.
pallet_meta_is() {
  pallet_stat_walk "$1" || return 1
  pallet_meta_line_is "${PALLET_STATS[0]}" "$2" "$3" "$4"
}

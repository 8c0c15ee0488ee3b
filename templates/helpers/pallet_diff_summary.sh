# pallet_diff_summary FILE prints FILE's size and sha256: 12 bytes sha256 HEX.
pallet_diff_summary() {
  local sum
  sum=$(sha256sum <"$1")
  printf '%d bytes sha256 %s' "$(wc -c <"$1")" "${sum%% *}"
}

# pallet_sysctl_is KEY VALUE succeeds when the kernel's live value of the
# sysctl KEY is VALUE, word for word: the kernel prints some values with
# tabs (net.ipv4.ping_group_range reads "0<TAB>2147483647"), so runs of
# spaces and tabs compare equal. A key this kernel does not have fails.
pallet_sysctl_is() {
  local path have want
  path=$(pallet_sysctl_path "$1") || return 1
  [[ -e $path ]] || return 1
  have=$(pallet_file_read "$path" cat) || return 1
  read -r -a have <<<"$have"
  read -r -a want <<<"$2"
  [[ ${have[*]} == "${want[*]}" ]]
}

# pallet_file_is PATH MODE OWNER GROUP succeeds when PATH is a regular file
# whose content equals stdin and whose mode, owner and group are as given.
# PATH is read with pallet_file_read, so a FIFO there fails at once.
pallet_file_is() {
  local path=$1 mode=$2 owner=$3 group=$4
  [[ -f $path && ! -L $path ]] || return 1
  pallet_file_read "$path" cmp -s -- /proc/self/fd/3 - 3<&0 || return 1
  pallet_meta_is "$path" "$mode" "$owner" "$group"
}

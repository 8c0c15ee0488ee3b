# pallet_file_sha256_is PATH SHA256 succeeds when PATH is a regular file
# (not a symlink) whose sha256 is SHA256 (lower-case hex). The file is read
# on stdin (pallet_file_read: a FIFO fails at once) so that sha256sum never
# escapes an odd file name into its output.
pallet_file_sha256_is() {
  local path=$1 want=$2 have
  [[ -f $path && ! -L $path ]] || return 1
  have=$(pallet_file_read "$path" sha256sum) || return 1
  [[ ${have%% *} == "$want" ]]
}

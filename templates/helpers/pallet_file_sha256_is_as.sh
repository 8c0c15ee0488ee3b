# pallet_file_sha256_is_as PATH SHA256 is pallet_file_sha256_is's check,
# run by the reader pallet_as_reader found. The file is read on stdin
# (pallet_file_read: a FIFO fails at once) so that sha256sum never escapes
# an odd file name into its output.
pallet_file_sha256_is_as() {
  local path=$1 want=$2 have
  [[ -f $path && ! -L $path ]] || return 1
  have=$(pallet_file_read "$path" sha256sum) || return 1
  [[ ${have%% *} == "$want" ]]
}

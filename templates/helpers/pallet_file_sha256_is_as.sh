# pallet_file_sha256_is_as PATH SHA256 is pallet_file_sha256_is's check,
# run by the reader pallet_as_reader found. The file is read on stdin
# (pallet_file_read: a FIFO fails at once) so that sha256sum never escapes
# an odd file name into its output. With a SALT, SHA256 is sha256(SALT ||
# content), as for secret content.
pallet_file_sha256_is_as() {
  local path=$1 want=$2 salt=${3-} have
  [[ -f $path && ! -L $path ]] || return 1
  have=$(pallet_file_read "$path" pallet_salted_sha256 "$salt") || return 1
  [[ ${have%% *} == "$want" ]]
}

# pallet_file_remove_as file|directory PATH is pallet_file_remove's work,
# run by the writer pallet_as_writer found.
pallet_file_remove_as() {
  local kind=$1 path=$2
  if [[ $kind == directory ]]; then
    if [[ -L $path || ( -e $path && ! -d $path ) ]]; then
      printf 'pallet: %s is not a directory: not removing it\n' "$path" >&2
      return 1
    fi
    rm -rf -- "$path"
  else
    rm -f -- "$path"
  fi
}

# pallet_directory_make_as PATH MODE OWNER GROUP PARENTS is
# pallet_directory_make's work, run by the user pallet_file_writer chose.
pallet_directory_make_as() {
  local path=$1 mode=$2 owner=$3 group=$4 parents=$5
  if [[ -L $path || ( -e $path && ! -d $path ) ]]; then
    printf 'pallet: %s exists and is not a directory: remove it first\n' "$path" >&2
    return 1
  fi
  if [[ $parents == yes ]]; then
    mkdir -p -- "$path"
  elif [[ ! -d $path ]]; then
    mkdir -- "$path"
  fi
  pallet_file_set_meta "$path" "$mode" "$owner" "$group"
}

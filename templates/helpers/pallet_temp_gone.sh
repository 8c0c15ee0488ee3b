# pallet_temp_gone PATH removes the temporary file PATH when it is still
# there: the EXIT trap of a helper that renames its temporary file into
# place, which then, having nothing left to remove, starts no rm.
pallet_temp_gone() {
  if [[ -e $1 || -L $1 ]]; then
    rm -f -- "$1"
  fi
}

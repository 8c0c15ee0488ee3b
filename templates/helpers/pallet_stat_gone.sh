# pallet_stat_gone PATH... removes those of the FIFOs and the data file
# pallet_stat_serve made that are there: each only while it is a FIFO or
# a regular file of root's, never a file someone else put at the name.
pallet_stat_gone() {
  local f
  local -a gone=()
  for f in "$@"; do
    if [[ (-p $f || -f $f) && -O $f && ! -L $f ]]; then
      gone+=("$f")
    fi
  done
  if ((${#gone[@]})); then
    rm -f -- "${gone[@]}" || return 0
  fi
}

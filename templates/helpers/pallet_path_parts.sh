# pallet_path_parts PATH sets the caller's array parts to PATH's entries in
# order, empty and "." ones dropped: /a//b/./c gives a b c. ".." is kept:
# what it means depends on the symlinks before it. The one place a helper
# splits a path (the caller declares local -a parts).
pallet_path_parts() {
  local rest=$1 part
  parts=()
  while [[ -n $rest ]]; do
    part=${rest%%/*}
    if [[ $rest == */* ]]; then
      rest=${rest#*/}
    else
      rest=
    fi
    if [[ -n $part && $part != . ]]; then
      parts+=("$part")
    fi
  done
}

# pallet_ssh_key_has KEY succeeds when a line of stdin is KEY: bash's
# read, so that the check runs no awk (a last line without a newline
# counts too).
pallet_ssh_key_has() {
  local line
  while IFS= read -r line || [[ -n $line ]]; do
    if [[ $line == "$1" ]]; then
      return 0
    fi
  done
  return 1
}

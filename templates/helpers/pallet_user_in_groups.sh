# pallet_user_in_groups USER GROUP... succeeds when USER is a member of
# every GROUP (its primary group counts).
pallet_user_in_groups() {
  local user=$1 have g
  shift
  have=" $(id -nG -- "$user") " || return 1
  for g in "$@"; do
    [[ $have == *" $g "* ]] || return 1
  done
}

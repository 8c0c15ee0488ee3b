# pallet_user_join_groups USER GROUP... adds USER to each GROUP it is not
# in yet, keeping its other groups: with shadow's usermod where there is
# one, else with busybox's addgroup USER GROUP (alpine without shadow).
pallet_user_join_groups() {
  local user=$1 have g missing=()
  shift
  have=" $(id -nG -- "$user") " || return
  for g in "$@"; do
    [[ $have == *" $g "* ]] || missing+=("$g")
  done
  ((${#missing[@]})) || return 0
  if command -v usermod >/dev/null; then
    local IFS=,
    usermod -a -G "${missing[*]}" -- "$user" || return
  else
    for g in "${missing[@]}"; do
      addgroup -- "$user" "$g" || return
    done
  fi
}

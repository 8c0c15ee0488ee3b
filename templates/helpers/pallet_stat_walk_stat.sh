# pallet_stat_walk_stat PATH... is pallet_stat_walk with stat: the same
# lines in PALLET_STATS, stat's own message when one cannot be looked at.
pallet_stat_walk_stat() {
  local out line
  local -a lines=()
  PALLET_STATS=()
  out=$(exec stat -c '%u %a %h %g %f %U:%G' -- "$@") || return 1
  mapfile -t lines <<<"$out"
  ((${#lines[@]} == $#)) || return 1
  for line in "${lines[@]}"; do
    pallet_stat_line "$line" || return 1
  done
  return 0
}

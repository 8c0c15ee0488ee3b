# pallet_sudoers_included PATH succeeds when sudo reads PATH: visudo -c
# names every file it parsed, so this catches a drop-in whose directory
# /etc/sudoers does not include (no @includedir /etc/sudoers.d) as well as
# a broken sudoers elsewhere.
pallet_sudoers_included() {
  local out
  out=$(exec visudo -c 2>&1) || return 1
  [[ $'\n'$out$'\n' == *$'\n'"$1: parsed OK"$'\n'* ]]
}

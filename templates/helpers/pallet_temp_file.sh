# pallet_temp_file DIR makes a new temporary file in DIR for a helper that
# renames it into place, and sets PALLET_TEMP to its name
# (pallet_temp_name): the shell's EXIT trap removes it if it is still there
# (pallet_temp_gone), pallet-run's wrapper is told of it in case the script
# is killed before the trap can run (pallet_tmp_remember), and it is
# created exclusively, owner-only (pallet_new_file). The trap is the
# calling shell's: a helper uses one temporary file. In a part that runs
# in the script's own process (pallet_part's inline), the part removes it
# when it ends instead: an EXIT trap there would be the whole script's.
# With MODE, root makes it with that mode at once where it can
# (pallet_new_file PATH MODE).
pallet_temp_file() {
  local q
  pallet_temp_name "$1"
  if [[ -n ${PALLET_INLINE-} && $BASHPID == "${PALLET_PID-}" ]]; then
    PALLET_PART_TEMPS+=("$PALLET_TEMP")
  else
    # the name quoted by printf -v: a $(printf) would fork
    printf -v q '%q' "$PALLET_TEMP"
    # shellcheck disable=SC2064 # expand the name now, quoted
    trap "pallet_temp_gone $q" EXIT
  fi
  pallet_tmp_remember "$PALLET_TEMP"
  pallet_new_file "$PALLET_TEMP" "${2-}"
}

# pallet_temp_name DIR sets PALLET_TEMP to a name for a temporary file in
# DIR that is not there yet: DIR/.pallet.<random>, as mktemp -u would pick,
# without a process. The name is only a name: callers create the file
# exclusively (noclobber, O_EXCL, as pallet_new_file does), so a name
# someone guessed and made first fails the step, and never makes it write
# into a file someone else planted.
pallet_temp_name() {
  local r
  while :; do
    # SRANDOM (bash 5.1) is 32 random bits from the kernel; RANDOM, 15
    # bits from a seed, is the fallback on older bash.
    printf -v r '%08x%08x' "${SRANDOM:-$RANDOM$RANDOM}" "${SRANDOM:-$RANDOM$RANDOM}"
    PALLET_TEMP=${1%/}/.pallet.$r
    [[ -e $PALLET_TEMP || -L $PALLET_TEMP ]] || return 0
  done
}

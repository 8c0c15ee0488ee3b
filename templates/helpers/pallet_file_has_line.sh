# pallet_file_has_line PATH LINE succeeds when LINE is a whole line of the
# regular file PATH (read with pallet_file_read). LINE reaches awk through
# the environment: grep -x LINE would put it on a command line that every
# user can read.
pallet_file_has_line() {
  # shellcheck disable=SC2016 # an awk program, for awk to expand
  PALLET_LINE=$2 pallet_file_read "$1" awk '
    $0 == ENVIRON["PALLET_LINE"] { found = 1; exit }
    END { exit !found }
  '
}

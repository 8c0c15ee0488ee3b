# pallet_wait_until TIMEOUT WHAT COMMAND [ARGS...] runs COMMAND (a helper or
# a builtin: its ARGS stay off every command line) once a second until it
# succeeds, for up to TIMEOUT seconds. Exit status 1 from COMMAND means "not
# yet"; any other failure (2: it cannot check at all, no curl, say) ends
# the wait at once with that status. Giving up prints what it waited for
# and exits 124, which pallet_step reports as "timed out".
pallet_wait_until() {
  local timeout=$1 what=$2 end rc
  shift 2
  end=$((SECONDS + timeout))
  while :; do
    rc=0
    "$@" || rc=$?
    if ((rc == 0)); then
      return 0
    fi
    if ((rc != 1)); then
      return "$rc"
    fi
    if ((SECONDS >= end)); then
      printf 'pallet: gave up after %ss: %s\n' "$timeout" "$what" >&2
      return 124
    fi
    sleep 1
  done
}

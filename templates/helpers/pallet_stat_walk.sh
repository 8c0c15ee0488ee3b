# pallet_stat_walk PATH... sets the array PALLET_STATS to one line per
# PATH, in order, what stat -c '%u %a %h %g %U:%G %F' prints for it (the
# entry itself: a symlink is not followed), and fails, saying so, when one
# of them cannot be looked at (missing, or a directory on the way that
# cannot be searched). It fails only by its explicit returns, so it means
# the same as a condition.
# Root asks the stat server pallet_stat_serve started with the script (a
# find already running, so a look costs no fork and no exec, where a stat
# costs both); anyone else, or root where there is no server, runs stat.
# The server's answers are named: each carries the path it is for, and the
# batch ends with the path /./, which no caller asks for; answers that are
# not for what was asked, in order, or that do not come within 10 seconds,
# end the server (the FIFOs go, and every later look runs stat) and this
# look runs stat.
pallet_stat_walk() {
  local out p rec fd at=0 rc=0 kind
  local -a got=()
  PALLET_STATS=()
  (($#)) || return 0
  if ((EUID == 0)) && [[ -n ${PALLET_STATD_PID-} && -p ${PALLET_STATD_R-} && -n ${PALLET_STATD_W-} ]]; then
    for p in "$@"; do
      if [[ -z $p || $p == */./* || $p == /. ]]; then
        rc=2
        break
      fi
    done
    if ((rc == 0)) && kill -0 "$PALLET_STATD_PID" 2>/dev/null && exec {fd}<>"$PALLET_STATD_R"; then
      if printf '%s\0' "$@" /./ 2>/dev/null 1>&"$PALLET_STATD_W"; then
        while IFS= read -r -d '' -t 10 -u "$fd" p && IFS= read -r -d '' -t 10 -u "$fd" rec; do
          if [[ $p == /./ ]]; then
            rc=3
            break
          fi
          got+=("$p" "$rec")
        done
      fi
      exec {fd}<&-
    fi
    if ((rc == 3)); then
      # every answer must be for the next path asked, in order; a path
      # with no answer is one that cannot be looked at
      rc=0
      for p in "$@"; do
        if ((at < ${#got[@]})) && [[ ${got[at]} == "$p" ]]; then
          rec=${got[at + 1]}
          kind=${rec##* }
          case $kind in
            d) kind=directory ;;
            l) kind='symbolic link' ;;
            f) kind='regular file' ;;
            p) kind=fifo ;;
            s) kind=socket ;;
            c) kind='character special file' ;;
            b) kind='block special file' ;;
            *) kind="unknown ($kind)" ;;
          esac
          PALLET_STATS+=("${rec% *} $kind")
          at=$((at + 2))
        else
          echo "pallet: cannot look at $p: missing, or a directory on the way to it cannot be searched" >&2
          rc=1
        fi
      done
      if ((at == ${#got[@]})); then
        return "$rc"
      fi
    fi
    # no answer, or not the answers asked for: no more server
    pallet_stat_stop
    PALLET_STATS=()
  fi
  out=$(exec stat -c '%u %a %h %g %U:%G %F' -- "$@") || return 1
  mapfile -t PALLET_STATS <<<"$out"
  if ((${#PALLET_STATS[@]} != $#)); then
    return 1
  fi
  return 0
}

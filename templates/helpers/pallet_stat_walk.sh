# pallet_stat_walk PATH... sets the array PALLET_STATS to one line per
# PATH, in order, of the entry itself (lstat: a symlink is not followed):
#   UID MODE LINKS GID TYPE USER:GROUP
# MODE in octal as stat %a prints it; TYPE one of file, directory,
# symlink, fifo, socket, char, block; the names last (they may hold
# spaces: "domain users"), the ids where there are no names. It fails,
# saying so, when one of them cannot be looked at (missing, or a directory
# on the way that cannot be searched). It fails only by its explicit
# returns, so it means the same as a condition.
# Root asks the stat server pallet_stat_serve started with the script (a
# find already running, so a look costs no fork and no exec, where a stat
# costs both), for absolute paths; anyone else, or root where there is no
# server, runs stat. The server's FIFOs are opened by name for each look,
# only while they are FIFOs of root's (no one else can put anything at a
# name of root's in /tmp, which is sticky), and nothing of theirs stays
# open after it, so no program a step runs can reach the server. The
# answers are named: each carries the path it is for, and the batch ends
# with the path /./, which no caller asks for; answers that are not for
# what was asked, in order, or that do not come within 10 seconds, end the
# server (every later look runs stat) and this look runs stat.
pallet_stat_walk() {
  local out p rec fd w end got1 at=0 rc=0 q=${PALLET_STATD_R-}
  local -a got=()
  PALLET_STATS=()
  (($#)) || return 0
  q=${q%.r}.q
  if ((EUID == 0)) && [[ -n ${PALLET_STATD_PID-} && -n ${PALLET_STATD_R-} ]] &&
    [[ -p $PALLET_STATD_R && -O $PALLET_STATD_R && ! -L $PALLET_STATD_R && -p $q && -O $q && ! -L $q ]]; then
    for p in "$@"; do
      if [[ $p != /* || $p == */./* || $p == */. ]]; then
        rc=2
        break
      fi
    done
    if ((rc == 0)) && kill -0 "$PALLET_STATD_PID" 2>/dev/null && exec {fd}<>"$PALLET_STATD_R"; then
      if exec {w}<>"$q"; then
        printf '%s\0' "$@" /./ 2>/dev/null 1>&"$w" || rc=5
        exec {w}>&-
        # the answer comes within a fraction of a millisecond; a find
        # that has ended (killed, or one too old for -files0-from, which
        # ends at once) gives none, and the FIFO no end either (this
        # shell holds it open too): the first path is read 50 ms at a
        # time, sleeping in read (a wait that spins would take the CPU
        # from find), while find is there, for at most 10 s. A read
        # that times out keeps what it got.
        end=$((${EPOCHREALTIME/[.,]/} + 10000000)) p=
        while ((rc == 0)); do
          got1=
          IFS= read -r -d '' -t 0.05 -u "$fd" got1 && p+=$got1 && break
          (($? > 128)) || rc=5
          p+=$got1
          kill -0 "$PALLET_STATD_PID" 2>/dev/null && ((${EPOCHREALTIME/[.,]/} < end)) || rc=5
        done
        # then each path's line, and the next path
        while ((rc == 0)) && IFS= read -r -d $'\n' -t 10 -u "$fd" rec; do
          if [[ $p == /./ ]]; then
            rc=3
            break
          fi
          got+=("$p" "$rec")
          IFS= read -r -d '' -t 10 -u "$fd" p || break
        done
      fi
      exec {fd}<&-
    fi
    if ((rc == 3)); then
      # every answer must be for the next path asked, in order; a path
      # with no answer is one that cannot be looked at: stat says why
      rc=0
      for p in "$@"; do
        if ((at < ${#got[@]})) && [[ ${got[at]} == "$p" ]]; then
          pallet_stat_line "${got[at + 1]}" || break
          at=$((at + 2))
        else
          rc=1
        fi
      done
      if ((at == ${#got[@]})); then
        ((rc == 0)) && return 0
        pallet_stat_walk_stat "$@"
        return
      fi
      rc=3
    fi
    if ((rc != 2)); then
      # no answer, or not the answers asked for: no more server
      pallet_stat_stop
    fi
  fi
  pallet_stat_walk_stat "$@"
}

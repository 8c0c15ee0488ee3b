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
# server, runs stat. The server's files (the question FIFO .q, the answer
# FIFO .r and the data file .d) are opened by name for each look, only
# while they are root's (no one else can put anything at a name of root's
# in /tmp, which is sticky), and nothing of theirs stays open after it, so
# no program a step runs can reach the server. find writes the answers to
# the data file, a regular file, which bash reads in one go (mapfile),
# where a FIFO is read a byte at a time, each with its own select and read
# (some 300 system calls a look); the FIFO carries only the one byte that
# says the batch is done: find's answer for /., the path that ends every
# batch and that no caller asks for, which also ends the data with a
# record of its own ("/." "end"), so that data cut short (a full /tmp)
# shows. The answers are named: each carries the path it is for; answers
# that are not for what was asked, in order, or a batch that does not end
# within 10 seconds, end the server (every later look runs stat) and this
# look runs stat.
pallet_stat_walk() {
  local p fd w end c at=0 rc=0 r=${PALLET_STATD_R-} q d
  local -a got=()
  PALLET_STATS=()
  (($#)) || return 0
  q=${r%.r}.q d=${r%.r}.d
  if ((EUID == 0)) && [[ -n ${PALLET_STATD_PID-} && -n $r ]] &&
    [[ -p $r && -O $r && ! -L $r && -p $q && -O $q && ! -L $q && -f $d && -O $d && ! -L $d ]]; then
    for p in "$@"; do
      if [[ $p != /* || $p == */./* || $p == */. ]]; then
        rc=2
        break
      fi
    done
    # find appends (O_APPEND) to the data file, which is emptied before
    # each batch: what is in it after the batch's end is that batch
    if ((rc == 0)) && kill -0 "$PALLET_STATD_PID" 2>/dev/null && { : >"$d"; } 2>/dev/null && exec {fd}<>"$r"; then
      if exec {w}<>"$q"; then
        printf '%s\0' "$@" /. 2>/dev/null 1>&"$w" || rc=5
        exec {w}>&-
        # the batch ends within a fraction of a millisecond; a find that
        # has ended (killed, or one too old for -files0-from, which ends
        # at once) gives no end, and the FIFO no end of file either (this
        # shell holds it open too): the end is waited for 50 ms at a time,
        # sleeping in read (a wait that spins would take the CPU from
        # find), while find is there, for at most 10 s. A read that times
        # out keeps what it got: on a busy node the byte can come in the
        # read that bash then finds past its time.
        end=$((${EPOCHREALTIME/[.,]/} + 10000000))
        c=
        while ((rc == 0)); do
          IFS= read -r -N 1 -t 0.05 -u "$fd" c && break
          (($? > 128)) || rc=5
          [[ -z $c ]] || break
          kill -0 "$PALLET_STATD_PID" 2>/dev/null && ((${EPOCHREALTIME/[.,]/} < end)) || rc=5
        done
        [[ $c == E ]] || rc=5
      else
        rc=5
      fi
      exec {fd}<&-
      # each answer is the path and its line, each ended by a NUL, and
      # the batch's end record last
      if ((rc == 0)) && mapfile -d '' -t got <"$d" && ((${#got[@]} % 2 == 0 && ${#got[@]} >= 2)) &&
        [[ ${got[-2]} == /. && ${got[-1]} == end ]]; then
        got=("${got[@]:0:${#got[@]}-2}")
        rc=3
      fi
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

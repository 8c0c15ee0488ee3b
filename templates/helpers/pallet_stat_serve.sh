# pallet_stat_serve starts, for a script run as root, the stat server
# pallet_stat_walk asks: one find (GNU findutils 4.9 and later:
# -files0-from) that reads paths from one FIFO (.q) and writes, for each,
# the path and what lstat says of it to a data file (.d), appending; for
# the path /. that ends every batch it writes an end record there and one
# byte to another FIFO (.r). A walk then costs no fork and no exec, where
# a stat costs both (about a millisecond on a small node; a first run
# makes some twenty). The three are root's, 0600, made new in /tmp under
# one random name: the data file first (pallet_new_file: nothing that was
# there is opened), before anything shows the name, then the FIFOs
# (mkfifo neither follows nor reuses anything there); the sticky bit keeps
# anyone else from renaming or removing them. They are listed for
# pallet-run's wrapper to remove however the script ends. The script
# keeps nothing of them open: each look opens them by name and closes
# them, so no program a step runs inherits a way to the server. find
# holds all three open itself (the question FIFO read-write, so it never
# sees an end), gets SIGKILL from the kernel when the script's bash ends
# however it ends (setpriv --pdeathsig), and pallet_stat_stop ends it and
# removes the files on the script's exit. Each answer ends with -printf's
# \c, which flushes find's output there, before the end byte is written:
# no stdbuf (a program more, and its LD_PRELOAD) to make find's output
# line-buffered. A find that does not give the first answer at once (an
# older findutils) is not used: the script runs stat instead, as it does
# as anyone but root. Where bash is older than 5.2, or find is busybox's,
# or there is no setpriv, it is not tried. PALLET_STAT_SERVER=no turns it
# off.
pallet_stat_serve() {
  local q r d p w
  PALLET_STATD_PID='' PALLET_STATD_R=''
  if ((EUID != 0)) || [[ ${PALLET_STAT_SERVER-} == no ]] ||
    ((BASH_VERSINFO[0] < 5 || (BASH_VERSINFO[0] == 5 && BASH_VERSINFO[1] < 2))); then
    return 0
  fi
  # hash finds the commands as running them would, without a $( ) fork
  hash find mkfifo setpriv 2>/dev/null || return 0
  p=${BASH_CMDS[find]-}
  [[ -x $p && ! -L $p ]] || return 0
  pallet_temp_name /tmp
  q=$PALLET_TEMP.q r=$PALLET_TEMP.r d=$PALLET_TEMP.d
  # it runs before the first step, under errexit: whatever fails here
  # only means no server
  if ! pallet_new_file "$d" 2>/dev/null || ! pallet_tmp_remember "$d" ||
    ! mkfifo -m 0600 -- "$q" "$r" 2>/dev/null || ! pallet_tmp_remember "$q" || ! pallet_tmp_remember "$r"; then
    pallet_stat_gone "$q" "$r" "$d"
    return 0
  fi
  # the first look's question may go in before find is there to read it:
  # the script holds the FIFO open (w) until the answer, or the question
  # would be lost with the last descriptor
  if ! exec {w}<>"$q"; then
    pallet_stat_gone "$q" "$r" "$d"
    return 0
  fi
  # find opens .r for writing when it starts, which waits for the first
  # look to open it: find is in the background, and the question waits
  # in .q
  (
    cd /
    exec setpriv --pdeathsig KILL -- find -files0-from - -maxdepth 0 \( -path /. -printf '/.\0end\0\c' -fprintf "$r" 'E\c' \) -o \
      -printf '%p\0%U %m %n %G %y %u:%g\0\c' 0<>"$q" 1>>"$d" 2>/dev/null {w}>&-
  ) &
  PALLET_STATD_PID=$! PALLET_STATD_R=$r
  trap pallet_stat_stop EXIT
  # the first look, at /: where find gives no answer (an older one ends
  # at once, with no -files0-from) the look has ended the server itself;
  # an answer that is not root's / ends it here
  pallet_stat_walk / >/dev/null 2>&1 || true
  exec {w}>&-
  if [[ -n $PALLET_STATD_PID && ${PALLET_STATS[0]-} != '0 '* ]]; then
    pallet_stat_stop
  fi
}

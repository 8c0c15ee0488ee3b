# pallet_stat_serve starts, for a script run as root, the stat server
# pallet_stat_walk asks: one find (GNU findutils 4.9 and later:
# -files0-from) that reads paths from one FIFO and writes, for each, the
# path and what lstat says of it to another. A walk then costs no fork and
# no exec, where a stat costs both (about a millisecond on a small node; a
# first run makes some twenty). Both FIFOs are root's, 0600, made new in
# /tmp by mkfifo (which neither follows nor reuses anything there; the
# sticky bit keeps anyone else from renaming or removing them), and
# listed for pallet-run's wrapper to remove however the script ends. The
# script keeps nothing of them open: each look opens them by name and
# closes them, so no program a step runs inherits a way to the server.
# find holds both open itself (so it never sees an end), gets SIGKILL
# from the kernel when the script's bash ends however it ends (setpriv
# --pdeathsig), and pallet_stat_stop ends it and removes the FIFOs on the
# script's exit. A find that does not give the first answer at once (an
# older findutils) is not used: the script runs stat instead, as it does
# as anyone but root. Where bash is older than 5.2, or find is busybox's,
# or there is no setpriv, it is not tried. PALLET_STAT_SERVER=no turns it
# off.
pallet_stat_serve() {
  local q r p rec i w end
  PALLET_STATD_PID='' PALLET_STATD_R=''
  if ((EUID != 0)) || [[ ${PALLET_STAT_SERVER-} == no ]] ||
    ((BASH_VERSINFO[0] < 5 || (BASH_VERSINFO[0] == 5 && BASH_VERSINFO[1] < 2))); then
    return 0
  fi
  # hash finds the commands as running them would, without a $( ) fork
  hash find stdbuf mkfifo setpriv 2>/dev/null || return 0
  p=${BASH_CMDS[find]-}
  [[ -x $p && ! -L $p ]] || return 0
  pallet_temp_name /tmp
  q=$PALLET_TEMP.q r=$PALLET_TEMP.r
  # it runs before the first step, under errexit: whatever fails here
  # only means no server
  if ! mkfifo -m 0600 -- "$q" "$r" 2>/dev/null || ! pallet_tmp_remember "$q" || ! pallet_tmp_remember "$r"; then
    pallet_stat_gone "$q" "$r"
    return 0
  fi
  # the first question goes in before find is there to read it: the
  # script holds the FIFO open (w) until the answer, or it would be lost
  # with the last descriptor
  if ! exec {w}<>"$q"; then
    pallet_stat_gone "$q" "$r"
    return 0
  fi
  printf '%s\0' / /./ 2>/dev/null 1>&"$w" || true
  (
    cd /
    exec setpriv --pdeathsig KILL -- stdbuf -o0 find -files0-from - -maxdepth 0 -printf '%p\0%U %m %n %G %y %u:%g\0' 0<>"$q" 1<>"$r" 2>/dev/null {w}>&-
  ) &
  PALLET_STATD_PID=$! PALLET_STATD_R=$r
  trap pallet_stat_stop EXIT
  # the first answer: what lstat says of /, within 2 seconds, from a find
  # that is still running (an older one ends at once: no -files0-from)
  if exec {i}<>"$r"; then
    # an older find ends within milliseconds: wait for the answer without
    # reading it for 50 ms while find runs, then read it
    end=$((${EPOCHREALTIME/[.,]/} + 50000))
    while ! read -r -t 0 -u "$i" && kill -0 "$PALLET_STATD_PID" 2>/dev/null && ((${EPOCHREALTIME/[.,]/} < end)); do
      :
    done
    if kill -0 "$PALLET_STATD_PID" 2>/dev/null && IFS= read -r -d '' -t 2 -u "$i" p && [[ $p == / ]] &&
      IFS= read -r -d '' -t 1 -u "$i" rec && [[ $rec == '0 '* ]] &&
      IFS= read -r -d '' -t 1 -u "$i" p && [[ $p == /./ ]] && IFS= read -r -d '' -t 1 -u "$i" rec; then
      exec {i}<&- {w}>&-
      return 0
    fi
    exec {i}<&-
  fi
  exec {w}>&-
  pallet_stat_stop
}

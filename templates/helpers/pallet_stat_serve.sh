# pallet_stat_serve starts, for a script run as root, the stat server
# pallet_stat_walk asks: one find (GNU findutils 4.9 and later:
# -files0-from) that reads paths from one FIFO and writes, for each, the
# path and what lstat says of it to another. A walk then costs no fork and
# no exec, where a stat costs both (about a millisecond on a small node, a
# first run makes some twenty). Both FIFOs are root's, 0600, made new in
# /tmp by mkfifo (which neither follows nor reuses anything there; the
# sticky bit keeps anyone else from renaming them), and listed for
# pallet-run's wrapper to remove however the script ends. The script holds
# the way in, a descriptor on the first FIFO (PALLET_STATD_W), which
# pallet_as_user closes like every other of root's (a program a step runs
# inherits it; all it could do is ask, never read an answer, and answers
# that are not for what pallet_stat_walk asked end the server). find
# leaves when the last such descriptor closes; pallet_stat_stop, on the
# script's exit, ends it at once and removes the FIFOs, and pallet-run's
# stop signals it with the rest of the script's process group. A find that does not answer at once (an older findutils, or
# busybox) is not used: the script runs stat instead, as it does as
# anyone but root. Where bash is older than 5.2 or find is busybox's, it
# is not tried.
pallet_stat_serve() {
  local q r p rec i
  PALLET_STATD_PID='' PALLET_STATD_R='' PALLET_STATD_W=''
  if ((EUID != 0)) || [[ ${PALLET_STAT_SERVER-} == no ]] ||
    ((BASH_VERSINFO[0] < 5 || (BASH_VERSINFO[0] == 5 && BASH_VERSINFO[1] < 2))); then
    return 0
  fi
  # hash finds the command as running it would, without a $( ) fork
  hash find stdbuf mkfifo 2>/dev/null || return 0
  p=${BASH_CMDS[find]-}
  [[ -x $p && ! -L $p ]] || return 0
  pallet_temp_name /tmp
  q=$PALLET_TEMP.q r=$PALLET_TEMP.r
  mkfifo -m 0600 -- "$q" "$r" 2>/dev/null || {
    pallet_stat_gone "$q" "$r"
    return 0
  }
  # it runs before the first step, under errexit: whatever fails here
  # only means no server
  if ! pallet_tmp_remember "$q" || ! pallet_tmp_remember "$r" || ! exec {PALLET_STATD_W}<>"$q"; then
    PALLET_STATD_W=''
    pallet_stat_gone "$q" "$r"
    return 0
  fi
  (
    cd /
    exec stdbuf -o0 find -files0-from - -maxdepth 0 -printf '%p\0%U %m %n %G %u:%g %y\0' <"$q" 1<>"$r" 2>/dev/null {PALLET_STATD_W}>&-
  ) &
  PALLET_STATD_PID=$! PALLET_STATD_R=$r
  trap pallet_stat_stop EXIT
  # the first answer, waited for in steps while find runs: one that ends
  # (no -files0-from) or says anything but what lstat says of / is no server
  printf '%s\0' / /./ >&"$PALLET_STATD_W"
  exec {i}<>"$r"
  rec=
  for ((p = 0; p < 200; p++)); do
    if IFS= read -r -d '' -t 0.01 -u "$i" rec; then
      break
    fi
    [[ -z $rec ]] || break
    kill -0 "$PALLET_STATD_PID" 2>/dev/null || break
  done
  if [[ $rec == / ]] && IFS= read -r -d '' -t 1 -u "$i" rec && [[ $rec == '0 '* ]] &&
    IFS= read -r -d '' -t 1 -u "$i" p && [[ $p == /./ ]] && IFS= read -r -d '' -t 1 -u "$i" rec; then
    exec {i}<&-
    return 0
  fi
  exec {i}<&-
  pallet_stat_stop
}

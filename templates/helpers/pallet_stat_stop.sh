# pallet_stat_stop ends the stat server pallet_stat_serve started and
# removes its FIFOs and data file (or leaves them to pallet-run's
# wrapper): at the script's exit, and wherever its answers went wrong
# (every later look runs stat).
pallet_stat_stop() {
  local r=${PALLET_STATD_R-} q d
  q=${r%.r}.q d=${r%.r}.d
  if [[ -n ${PALLET_STATD_PID-} ]]; then
    kill "$PALLET_STATD_PID" 2>/dev/null || true
  fi
  # under pallet-run, whose wrapper removes what pallet_tmp_remember
  # listed once the script has ended (in the one rm it runs anyway), the
  # files are left to it
  if [[ -n $r && -z ${PALLET_TMPLIST-} ]]; then
    pallet_stat_gone "$q" "$r" "$d"
  fi
  PALLET_STATD_PID='' PALLET_STATD_R=''
}

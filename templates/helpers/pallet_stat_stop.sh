# pallet_stat_stop ends the stat server pallet_stat_serve started and
# removes its FIFOs: at the script's exit, and wherever its answers went
# wrong (every later look runs stat).
pallet_stat_stop() {
  local q=${PALLET_STATD_R-}
  q=${q%.r}.q
  if [[ -n ${PALLET_STATD_PID-} ]]; then
    kill "$PALLET_STATD_PID" 2>/dev/null || true
  fi
  if [[ -n ${PALLET_STATD_R-} ]]; then
    pallet_stat_gone "$q" "$PALLET_STATD_R"
  fi
  PALLET_STATD_PID='' PALLET_STATD_R=''
}

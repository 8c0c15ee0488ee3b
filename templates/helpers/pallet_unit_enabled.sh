# pallet_unit_enabled NAME succeeds when the systemd unit NAME is enabled
# at boot. systemctl is-enabled --quiet also succeeds for a static unit
# (one with no [Install] rules), which enable leaves as it is: counted as
# enabled, a step asked to enable one would report ok and the unit would
# never start at boot. Here a static unit is not enabled, so the step goes
# on to pallet_unit_enable, which refuses it, saying why.
pallet_unit_enabled() {
  local state
  state=$(systemctl is-enabled -- "$1" 2>/dev/null) || return 1
  [[ $state != static ]]
}

# pallet_unit_enable NAME enables the systemd unit NAME at boot, and
# refuses a static unit, whose unit file has no [Install] section or one
# with none of the settings enable acts on: systemctl enable would print a
# note, change nothing and succeed, and the unit would not start at boot.
pallet_unit_enable() {
  local state
  state=$(systemctl is-enabled -- "$1" 2>/dev/null || true)
  if [[ $state == static ]]; then
    printf 'pallet: %s is a static unit: it has no [Install] section with WantedBy=, RequiredBy=, UpheldBy=, Alias= or Also=, so systemctl enable cannot make it start at boot; add one to the unit (such as [Install] WantedBy=multi-user.target), or leave enabled out and let what needs it start it\n' "$1" >&2
    return 1
  fi
  systemctl enable -- "$1"
}

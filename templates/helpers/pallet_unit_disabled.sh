# pallet_unit_disabled NAME succeeds when the systemd unit NAME is not
# enabled at boot: is-enabled says neither enabled nor enabled-runtime (a
# static, disabled, masked or missing unit does not start at boot).
pallet_unit_disabled() {
  local state
  state=$(systemctl is-enabled -- "$1" 2>/dev/null || true)
  [[ $state != enabled && $state != enabled-runtime ]]
}

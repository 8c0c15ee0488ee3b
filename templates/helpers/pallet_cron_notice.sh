# pallet_cron_notice PATH touches /etc/cron.d once the clock has passed
# the second PATH was renamed into it, so cron's next scan finds the
# directory changed since whatever it read (see pallet_cron_noticed).
# It waits at most a second, and only after the entry changed.
pallet_cron_notice() {
  local renamed
  renamed=$(exec stat -c %Z -- "$1") || return 1
  while ((${EPOCHSECONDS:-$(date +%s)} <= renamed)); do
    sleep 0.1
  done
  touch -- /etc/cron.d
}

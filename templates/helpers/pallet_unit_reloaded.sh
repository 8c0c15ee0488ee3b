# pallet_unit_reloaded NAME present|absent succeeds when systemd has no
# stale copy of the unit NAME, so that no daemon-reload is needed: systemd
# is not running here (nothing is loaded to go stale; it reads the unit when
# it boots), or it says NeedDaemonReload=no for the unit and, for present,
# finds its file (LoadState is not not-found, as it would stay in a systemd
# that looked the name up before the file was there). A unit systemd has
# not loaded, or has dropped since, is read from its file when next used:
# a changed file needs a reload only while systemd holds the old one (a
# running unit, or one another unit refers to).
pallet_unit_reloaded() {
  local props
  [[ -d /run/systemd/system ]] || return 0
  props=$(systemctl show -p LoadState -p NeedDaemonReload -- "$1") || return 1
  [[ $props != *NeedDaemonReload=yes* ]] || return 1
  [[ $2 == absent || $props != *LoadState=not-found* ]]
}

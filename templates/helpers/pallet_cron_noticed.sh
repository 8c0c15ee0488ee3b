# pallet_cron_noticed PATH succeeds when /etc/cron.d changed in a later
# second than PATH was renamed into it (PATH's ctime). cron reloads
# /etc/cron.d only when the directory's mtime differs from the one it
# read at its last scan, in whole seconds: a write in the same second as
# a scan that came after another change that second (cron started by its
# package, which also writes to /etc/cron.d) is never loaded, until the
# next change there.
pallet_cron_noticed() {
  local times dir entry
  times=$(exec stat -c %Y:%Z -- /etc/cron.d "$1") || return 1
  dir=${times%%$'\n'*} entry=${times##*$'\n'}
  ((${dir%%:*} > ${entry##*:}))
}

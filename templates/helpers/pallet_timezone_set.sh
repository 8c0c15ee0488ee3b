# pallet_timezone_set ZONE links /etc/localtime to /usr/share/zoneinfo/ZONE
# (absolute, as tzdata does), replacing the symlink or a regular file
# there, once the zone is known to be on the node.
pallet_timezone_set() {
  pallet_timezone_known "$1" || return 1
  pallet_symlink_make /etc/localtime "/usr/share/zoneinfo/$1" root yes
}

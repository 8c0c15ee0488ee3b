# pallet_timezone_is ZONE succeeds when /etc/localtime is a symlink to
# /usr/share/zoneinfo/ZONE, as tzdata makes it, or to the relative
# ../usr/share/zoneinfo/ZONE that timedatectl makes, and the file it
# points at is there.
pallet_timezone_is() {
  local link
  [[ -L /etc/localtime && -f /etc/localtime ]] || return 1
  link=$(readlink /etc/localtime) || return 1
  [[ $link == "/usr/share/zoneinfo/$1" || $link == "../usr/share/zoneinfo/$1" ]]
}

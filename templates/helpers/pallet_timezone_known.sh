# pallet_timezone_known ZONE succeeds when /usr/share/zoneinfo/ZONE is a
# time zone file on this node (a regular file starting with TZif), and
# otherwise fails, saying so: /etc/localtime linked to a missing file
# leaves the node on UTC without a word, and to a directory or to one of
# zoneinfo's tables (zone.tab, leapseconds) on nonsense.
pallet_timezone_known() {
  local f=/usr/share/zoneinfo/$1 magic
  if [[ -d $f ]]; then
    printf 'pallet: %s is a directory of time zones, not a zone: name one in it (%s/...; timedatectl list-timezones lists them)\n' "$f" "$1" >&2
    return 1
  fi
  if [[ ! -f $f ]]; then
    printf 'pallet: time zone %s is not on this node (no file %s): check the name (timedatectl list-timezones), or install the tzdata package (tzdata-legacy on Debian 13 and later for old names such as US/Eastern)\n' "$1" "$f" >&2
    return 1
  fi
  magic=$(pallet_file_read "$f" head -c 4) || return 1
  if [[ $magic != TZif ]]; then
    printf 'pallet: %s is not a time zone file (it does not start with TZif): not linking /etc/localtime to it\n' "$f" >&2
    return 1
  fi
}

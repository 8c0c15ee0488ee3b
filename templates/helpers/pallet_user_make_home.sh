# pallet_user_make_home USER creates USER's home directory (from passwd)
# when it is missing: mode 0700, a copy of /etc/skel,
# owned by the user and its primary group. An existing home is left alone.
pallet_user_make_home() {
  local user=$1 entry uid gid home
  entry=$(getent passwd "$user")
  IFS=: read -r _ _ uid gid _ home _ <<<"$entry"
  [[ -n $home && ! -e $home ]] || return 0
  mkdir -p -- "$(dirname -- "$home")"
  mkdir -m 0700 -- "$home"
  if [[ -d /etc/skel ]]; then
    cp -a /etc/skel/. "$home/"
  fi
  chown -R -- "$uid:$gid" "$home"
  chmod 0700 -- "$home" # cp -a gave it /etc/skel's mode
}

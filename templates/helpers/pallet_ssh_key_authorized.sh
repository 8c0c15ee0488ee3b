# pallet_ssh_key_authorized USER KEY succeeds when KEY is a line of USER's
# ~/.ssh/authorized_keys and both are as sshd's StrictModes wants them:
# real (not symlinks), owned by USER and its primary group, the directory
# 0700 and the file 0600.
pallet_ssh_key_authorized() {
  local user=$1 key=$2 entry uid gid home
  entry=$(getent passwd "$user") || return 1
  IFS=: read -r _ _ uid gid _ home _ <<<"$entry"
  [[ -d $home/.ssh && ! -L $home/.ssh ]] || return 1
  pallet_meta_is "$home/.ssh" 0700 "$uid" "$gid" || return 1
  [[ -f $home/.ssh/authorized_keys && ! -L $home/.ssh/authorized_keys ]] || return 1
  pallet_meta_is "$home/.ssh/authorized_keys" 0600 "$uid" "$gid" || return 1
  grep -qxF -e "$key" -- "$home/.ssh/authorized_keys"
}

# pallet_ssh_key_authorized USER KEY succeeds when KEY is a line of USER's
# ~/.ssh/authorized_keys and both are as sshd's StrictModes wants them:
# real (not symlinks), owned by USER and its primary group, the directory
# 0700 and the file 0600. It looks as USER (pallet_as_user), so a symlink
# USER planted leads nowhere USER could not read anyway.
pallet_ssh_key_authorized() {
  local user=$1 key=$2 entry uid gid home
  pallet_passwd "$user" || return 1
  entry=$PALLET_PASSWD
  IFS=: read -r _ _ uid gid _ home _ <<<"$entry"
  # shellcheck disable=SC2034 # read by pallet_as_user
  local PALLET_AS_ENTRY=$entry
  pallet_as_user "$user" pallet_ssh_key_user is "$user" "$uid" "$gid" "$home" "$key" </dev/null
}

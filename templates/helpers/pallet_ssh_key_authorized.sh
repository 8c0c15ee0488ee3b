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
  # no ~/.ssh at all (as pallet_file_writer's walk asks whether an entry
  # is there: -e and -L, reading nothing): the key is not there, and no
  # drop is needed to say so. Whatever USER did to make it seem so, the
  # apply then runs as USER, and finds out for itself.
  if [[ -d $home && ! -L $home && ! -e $home/.ssh && ! -L $home/.ssh ]]; then
    return 1
  fi
  # shellcheck disable=SC2034 # read by pallet_as_user
  local PALLET_AS_ENTRY=$entry
  pallet_as_user "$user" pallet_ssh_key_user is "$user" "$uid" "$gid" "$home" "$key" </dev/null
}

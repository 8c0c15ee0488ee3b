# pallet_ssh_key_authorize USER KEY makes KEY a line of USER's
# ~/.ssh/authorized_keys, once: the other lines stay as they are, in their
# order, and KEY is appended when it is not there. The file is rewritten
# atomically, 0600 in a 0700 ~/.ssh, owned by USER and its primary group.
# All of it runs as USER (pallet_as_user): USER owns ~ and can swap what it
# holds at any moment, so root must not touch a path under it. In the same
# drop it then checks as pallet_ssh_key_authorized does, and fails with 98
# when that does not hold: one drop for the change and its proof.
pallet_ssh_key_authorize() {
  local user=$1 key=$2 entry uid gid home
  if ! pallet_passwd "$user"; then
    echo "no user $user: create it first (user crate)" >&2
    return 1
  fi
  entry=$PALLET_PASSWD
  IFS=: read -r _ _ uid gid _ home _ <<<"$entry"
  # shellcheck disable=SC2034 # read by pallet_as_user
  local PALLET_AS_ENTRY=$entry
  pallet_as_user "$user" pallet_ssh_key_user set "$user" "$uid" "$gid" "$home" "$key" </dev/null
}

# pallet_ssh_key_authorize USER KEY makes KEY a line of USER's
# ~/.ssh/authorized_keys, once: the other lines stay as they are, in their
# order, and KEY is appended when it is not there. The file is rewritten
# atomically, 0600 in a 0700 ~/.ssh, owned by USER and its primary group.
# It refuses a ~/.ssh or authorized_keys that is a symlink: root must not
# write where the user points it.
pallet_ssh_key_authorize() {
  local user=$1 key=$2 entry uid gid home dir file
  entry=$(getent passwd "$user") || {
    echo "no user $user: create it first (user crate)" >&2
    return 1
  }
  IFS=: read -r _ _ uid gid _ home _ <<<"$entry"
  if [[ ! -d $home ]]; then
    echo "user $user has no home directory ($home)" >&2
    return 1
  fi
  dir=$home/.ssh
  file=$dir/authorized_keys
  if [[ -L $dir || -L $file ]]; then
    echo "$dir or $file is a symlink: refusing to write through it" >&2
    return 1
  fi
  if [[ ! -d $dir ]]; then
    mkdir -m 0700 -- "$dir"
  fi
  chown -- "$uid:$gid" "$dir"
  chmod 0700 -- "$dir"
  if [[ -e $file ]]; then
    PALLET_KEY=$key awk '
      $0 == ENVIRON["PALLET_KEY"] { if (seen++) next }
      { print }
      END { if (!seen) print ENVIRON["PALLET_KEY"] }
    ' "$file"
  else
    printf '%s\n' "$key"
  fi | pallet_write_file "$file" 0600 "$uid" "$gid"
}

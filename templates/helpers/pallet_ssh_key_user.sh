# pallet_ssh_key_user is|set USER UID GID HOME KEY is the part of
# pallet_ssh_key_authorized ("is") and pallet_ssh_key_authorize ("set") that
# runs as USER, so it calls no other function but pallet_file_read, which
# goes with it. set refuses a ~/.ssh or authorized_keys that is a symlink,
# not a regular file (a FIFO would hang the read) or owned by someone else
# (USER could not give it the right owner); it creates ~/.ssh 0700 when
# missing. KEY reaches awk through the environment, never its command line.
pallet_ssh_key_user() {
  local op=$1 user=$2 uid=$3 gid=$4 home=$5 key=$6 dir file tmp meta
  dir=$home/.ssh
  file=$dir/authorized_keys
  if [[ $op == is ]]; then
    [[ -d $dir && ! -L $dir && -f $file && ! -L $file ]] || return 1
    meta=$(stat -c '%a %u %g' -- "$dir")
    [[ $meta == "700 $uid $gid" ]] || return 1
    meta=$(stat -c '%a %u %g' -- "$file")
    [[ $meta == "600 $uid $gid" ]] || return 1
    # shellcheck disable=SC2016 # an awk program, for awk to expand
    PALLET_KEY=$key pallet_file_read "$file" awk '
      $0 == ENVIRON["PALLET_KEY"] { found = 1; exit }
      END { exit !found }
    '
    return
  fi
  if [[ ! -d $home ]]; then
    echo "user $user has no home directory ($home)" >&2
    return 1
  fi
  if [[ -L $dir || -L $file ]]; then
    echo "$dir or $file is a symlink: refusing to write through it" >&2
    return 1
  fi
  if [[ -e $file && ! -f $file ]]; then
    echo "$file is not a regular file ($(stat -c %F -- "$file")): remove it, pallet does not read or replace it" >&2
    return 1
  fi
  if [[ ! -d $dir ]]; then
    mkdir -m 0700 -- "$dir"
  fi
  if [[ -L $dir || ! -d $dir ]]; then
    echo "$dir changed into a symlink or a file while pallet worked: refusing to write through it" >&2
    return 1
  fi
  meta=$(stat -c %u -- "$dir")
  if [[ $meta != "$uid" ]]; then
    echo "$dir belongs to uid $meta, not to $user: give it to $user (pallet does not chown inside a user's home as root)" >&2
    return 1
  fi
  chgrp -- "$gid" "$dir"
  chmod 0700 -- "$dir"
  tmp=$(mktemp "$dir/.pallet.XXXXXX")
  # shellcheck disable=SC2064 # expand $tmp now, quoted: it is local
  trap "rm -f -- $(printf '%q' "$tmp")" EXIT
  pallet_tmp_remember "$tmp"
  if [[ -e $file && ! -r $file ]]; then
    echo "$file cannot be read by $user: give it to $user" >&2
    return 1
  fi
  if [[ -e $file ]]; then
    # shellcheck disable=SC2016 # an awk program, for awk to expand
    PALLET_KEY=$key pallet_file_read "$file" awk '
      $0 == ENVIRON["PALLET_KEY"] { if (seen++) next }
      { print }
      END { if (!seen) print ENVIRON["PALLET_KEY"] }
    ' >"$tmp"
  else
    printf '%s\n' "$key" >"$tmp"
  fi
  chgrp -- "$gid" "$tmp"
  chmod 0600 -- "$tmp"
  mv -fT -- "$tmp" "$file"
}

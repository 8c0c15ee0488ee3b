# pallet_ssh_key_user is|set USER UID GID HOME KEY is the part of
# pallet_ssh_key_authorized ("is") and pallet_ssh_key_authorize ("set") that
# runs as USER, with the helpers it calls (pallet_as_user hands them over). set refuses a ~/.ssh or authorized_keys that is a symlink,
# not a regular file (a FIFO would hang the read) or owned by someone else
# (USER could not give it the right owner); it creates ~/.ssh 0700 when
# missing. KEY reaches awk through the environment, never its command line;
# the check compares lines in bash (pallet_ssh_key_has), with no awk.
# set ends with is, in the same drop, and fails with 98 when it does not
# hold (what the ssh-key step reports as "did not converge").
pallet_ssh_key_user() {
  local op=$1 user=$2 uid=$3 gid=$4 home=$5 key=$6 dir file tmp meta made=no
  dir=$home/.ssh
  file=$dir/authorized_keys
  if [[ $op == is ]]; then
    [[ -d $dir && ! -L $dir && -f $file && ! -L $file ]] || return 1
    meta=$(stat -c '%a %u %g' -- "$dir" "$file")
    [[ $meta == "700 $uid $gid"$'\n'"600 $uid $gid" ]] || return 1
    pallet_file_read "$file" pallet_ssh_key_has "$key"
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
    made=yes
  fi
  if [[ -L $dir || ! -d $dir ]]; then
    echo "$dir changed into a symlink or a file while pallet worked: refusing to write through it" >&2
    return 1
  fi
  # this runs as USER: -O and -G (owner and group are this process's)
  # ask what a stat would, without a process
  if [[ ! -O $dir ]]; then
    echo "$dir belongs to uid $(stat -c %u -- "$dir"), not to $user: give it to $user (pallet does not chown inside a user's home as root)" >&2
    return 1
  fi
  [[ -G $dir ]] || chgrp -- "$gid" "$dir"
  # mkdir -m gives the mode exactly; one that was there gets it here
  [[ $made == yes ]] || chmod 0700 -- "$dir"
  pallet_temp_file "$dir"
  tmp=$PALLET_TEMP
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
  [[ -G $tmp ]] || chgrp -- "$gid" "$tmp"
  # 0600 already: pallet_temp_file makes it owner-only (umask 077), and
  # the check below proves the mode
  mv -fT -- "$tmp" "$file"
  # the step's check, in this same drop (its apply is {{ apply_checked }}):
  # 98 when what was just written is not what the check wants. "is" fails
  # only by its explicit returns, so running it as a condition loses no
  # errexit.
  pallet_ssh_key_user is "$user" "$uid" "$gid" "$home" "$key" || {
    echo "$file: the key is not there as sshd wants it after writing it" >&2
    return 98
  }
}

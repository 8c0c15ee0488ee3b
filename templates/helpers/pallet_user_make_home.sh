# pallet_user_make_home USER gives USER (from passwd) its home directory
# when it has none: a directory owned by USER and its primary group, mode
# 0700, holding a copy of /etc/skel. An existing directory is left alone;
# anything else there is an error.
#
# Root never works inside a home USER can reach. pallet_file_writer walks
# the way to it for USER: where only root controls the way, root makes the
# directory (mkdir, which neither follows nor reuses anything already
# there), root's and 0700, so that no one else can enter it, let alone
# plant a symlink; copies /etc/skel into it; gives what it holds to USER
# (chown -R -h, which follows no symlink), and then, last, the directory
# itself: only then can USER reach any of it. Where the way goes through
# a directory of USER's, all of it runs as USER (pallet_as_user), who can
# only hurt themselves: a symlink USER plants there leads only where USER
# could write anyway. Where it goes
# through anyone else's (mallory owns /srv/apps, the home is
# /srv/apps/app), it is refused: mallory could swap the new home for a
# directory of symlinks into /etc. A missing parent is made as the
# directory crate makes it: root's, 0755, one entry at a time.
pallet_user_make_home() {
  local user=$1 entry uid gid home parent e tree=no
  local -a inside=()
  if ! pallet_passwd "$user"; then
    echo "pallet: no user $user" >&2
    return 1
  fi
  entry=$PALLET_PASSWD
  IFS=: read -r _ _ uid gid _ home _ <<<"$entry"
  if [[ -z $home ]]; then
    echo "pallet: user $user has no home directory in passwd" >&2
    return 1
  fi
  if [[ -d $home ]]; then
    return 0
  fi
  if [[ -e $home || -L $home ]]; then
    echo "pallet: the home of $user, $home, is there but is not a directory: remove it first" >&2
    return 1
  fi
  pallet_dirname "$home"
  parent=$PALLET_DIR
  if [[ ! -e $parent && ! -L $parent ]]; then
    pallet_directory_make "$parent" 0755 root root yes || return 1
  fi
  pallet_file_writer "$home" "$uid" || return 1
  if [[ $PALLET_WRITER == root ]]; then
    mkdir -m 0700 -- "$home" || return 1
    if [[ -d /etc/skel ]]; then
      cp -RP -- /etc/skel/. "$home/" || return 1
      # what it holds, dotfiles too (a pattern that matches nothing stays
      # as it is, and is no entry)
      for e in "$home"/.[!.]* "$home"/..?* "$home"/*; do
        if [[ -e $e || -L $e ]]; then
          inside+=("$e")
          [[ -L $e || ! -d $e ]] || tree=yes
        fi
      done
    fi
    if [[ $tree == yes ]]; then
      chown -R -h -- "$uid:$gid" "${inside[@]}" || return 1
      inside=()
    fi
    # what it holds, then the directory itself, last: chown takes its
    # names in order (one process, where no directory inside needs -R)
    chown -h -- "$uid:$gid" "${inside[@]}" "$home" || return 1
    return 0
  fi
  # the passwd line just read, so pallet_as_user looks nothing up again
  # shellcheck disable=SC2034 # read by pallet_as_user
  local PALLET_AS_ENTRY=$entry
  pallet_as_user "${entry%%:*}" pallet_user_home_fill "$home" "$gid" </dev/null
}

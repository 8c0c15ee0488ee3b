# pallet_user_home_fill HOME GID MADE is pallet_user_make_home's work as
# the user: make HOME when it is not there yet (the way to it is the
# user's), copy /etc/skel into it (symlinks as symlinks; modes under the
# umask, no attempt to keep root's ownership) and give it GID and mode
# 0700. MADE is yes when root has just made HOME, 0700 and the user's
# (cp leaves an existing directory's mode alone): nothing to give then.
pallet_user_home_fill() {
  local home=$1 gid=$2 made=${3:-no}
  if [[ ! -d $home || -L $home ]]; then
    mkdir -m 0700 -- "$home"
  fi
  if [[ -d /etc/skel ]]; then
    cp -RP -- /etc/skel/. "$home/"
  fi
  [[ $made != yes ]] || return 0
  # this runs as the user: -G asks whether the group is GID already
  [[ -G $home ]] || chgrp -- "$gid" "$home"
  chmod 0700 -- "$home"
}

# pallet_user_home_fill HOME GID is pallet_user_make_home's work as the
# user, where the way to HOME is the user's: make HOME when it is not there
# yet, copy /etc/skel into it (symlinks as symlinks; modes under the umask,
# no attempt to keep root's ownership) and give it GID and mode 0700.
pallet_user_home_fill() {
  local home=$1 gid=$2
  if [[ ! -d $home || -L $home ]]; then
    mkdir -m 0700 -- "$home"
  fi
  if [[ -d /etc/skel ]]; then
    cp -RP -- /etc/skel/. "$home/"
  fi
  # this runs as the user: -G asks whether the group is GID already
  [[ -G $home ]] || chgrp -- "$gid" "$home"
  chmod 0700 -- "$home"
}

# pallet_user_ensure NAME SHELL UID GROUP HOME_PATH SYSTEM MAKE_HOME
# [GROUP...] is the user crate's apply (shadow's tools: debian, rhel,
# arch): it makes NAME with useradd, or changes what differs with usermod
# (the passwd entry only: a changed home path leaves the old home where it
# is); then, with MAKE_HOME yes, its home (pallet_user_make_home), and adds
# it to each GROUP it is not in. UID, GROUP and HOME_PATH are left alone
# where empty; SYSTEM yes makes a system account (useradd -r). Without
# GROUP, useradd makes a group of the user's name, and fails (9, "group
# exists") where there is one already: that group becomes the primary
# group then, as with useradd -g (asked only then: no getent otherwise).
# A helper, so that the apply runs in the script's own process
# (compiler/inline.go); it stops at the first command that fails, with
# its status.
pallet_user_ensure() {
  local name=$1 shell=$2 uid=$3 group=$4 path=$5 system=$6 make=$7 want='' huid hgid home hshell out rc=0
  local -a change=() add=() dir=()
  shift 7
  if [[ -n $group ]]; then
    if ! want=$(getent group "$group"); then
      printf 'pallet: the group %s does not exist: make it first (the group crate), then user %s\n' "$group" "$name" >&2
      return 1
    fi
    IFS=: read -r _ _ want _ <<<"$want"
  fi
  if pallet_passwd "$name"; then
    IFS=: read -r _ _ huid hgid _ home hshell <<<"$PALLET_PASSWD"
    [[ $hshell == "$shell" ]] || change+=(-s "$shell")
    [[ -z $uid || $huid == "$uid" ]] || change+=(-u "$uid")
    [[ -z $group || $hgid == "$want" ]] || change+=(-g "$group")
    [[ -z $path || $home == "$path" ]] || change+=(-d "$path")
    if ((${#change[@]})); then
      usermod "${change[@]}" -- "$name" || return
    fi
  else
    add=(-M)
    [[ $system != yes ]] || add+=(-r)
    add+=(-s "$shell")
    [[ -z $uid ]] || add+=(-u "$uid")
    [[ -z $path ]] || dir=(-d "$path")
    if [[ -n $group ]]; then
      useradd "${add[@]}" -g "$group" "${dir[@]}" -- "$name" || return
    else
      out=$(exec useradd "${add[@]}" "${dir[@]}" -- "$name" 2>&1) || rc=$?
      if ((rc == 9)) && getent group "$name" >/dev/null; then
        rc=0
        out=$(exec useradd "${add[@]}" -g "$name" "${dir[@]}" -- "$name" 2>&1) || rc=$?
      fi
      if [[ -n $out ]]; then
        printf '%s\n' "$out" >&2
      fi
      ((rc == 0)) || return "$rc"
    fi
  fi
  if [[ $make == yes ]]; then
    pallet_user_make_home "$name" || return
  fi
  if (($#)); then
    pallet_user_join_groups "$name" "$@" || return
  fi
}

# pallet_user_is NAME SHELL UID GROUP HOME_PATH MAKE_HOME [GROUP...] is the
# user crate's check (shadow's tools: debian, rhel, arch): NAME exists with
# that login shell and, where given (not empty), that uid, primary group
# and home path; with MAKE_HOME yes its home is a directory; it is in each
# GROUP after them. A helper, so that the check runs in the script's own
# process (compiler/inline.go): the same tests the crate made in its part.
# It fails only by its explicit returns, so it means the same as a
# condition (the apply's proof).
pallet_user_is() {
  local name=$1 shell=$2 uid=$3 group=$4 path=$5 make=$6 huid hgid home hshell want
  shift 6
  pallet_passwd "$name" || return 1
  IFS=: read -r _ _ huid hgid _ home hshell <<<"$PALLET_PASSWD"
  [[ $hshell == "$shell" ]] || return 1
  [[ -z $uid || $huid == "$uid" ]] || return 1
  if [[ -n $group ]]; then
    want=$(getent group "$group") || return 1
    IFS=: read -r _ _ want _ <<<"$want"
    [[ $hgid == "$want" ]] || return 1
  fi
  [[ -z $path || $home == "$path" ]] || return 1
  [[ $make != yes || -d $home ]] || return 1
  if (($#)); then
    pallet_user_in_groups "$name" "$@" || return 1
  fi
}

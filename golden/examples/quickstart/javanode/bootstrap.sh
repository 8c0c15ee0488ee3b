#!/usr/bin/env bash
# Compiled by palletc 0.1.0. Do not edit: change pallet.yaml or its crates and compile again.
# group: javanode
# phase: bootstrap
# os: ubuntu-22.04
# steps: 4
# shellcheck disable=SC2317,SC2016 # step functions are called through pallet_step; every $ in single quotes is quoted data
set -euo pipefail
umask 022
export LC_ALL=C
PALLET_TOTAL=4
PALLET_MODE=${PALLET_MODE:-apply}
case $PALLET_MODE in
  apply | check) ;;
  *)
    echo "pallet: PALLET_MODE must be apply or check, not '$PALLET_MODE'" >&2
    exit 2
    ;;
esac
# PALLET_NONCE is a random token pallet-run passes with each run and that
# every status line carries, so output that merely looks like a status line
# is not taken for one. Run by hand, without it, the lines have no token.
# It is not exported: nothing the steps run sees it.
PALLET_NONCE=${PALLET_NONCE:-}
if [[ ! $PALLET_NONCE =~ ^[A-Za-z0-9]*$ ]]; then
  echo "pallet: PALLET_NONCE must be letters and digits" >&2
  exit 2
fi
export -n PALLET_NONCE
PALLET_MARK="::pallet::v1${PALLET_NONCE:+ $PALLET_NONCE}"
PALLET_RC=0
PALLET_OK=0
PALLET_CHANGED=0
PALLET_WOULD=0
PALLET_RAN=0

# Status lines: ::pallet::v1 [NONCE] begin N/TOTAL CRATE NAME...
#               ::pallet::v1 [NONCE] end N/TOTAL STATUS MS [MESSAGE...]
#               ::pallet::v1 [NONCE] done OK CHANGED WOULD-CHANGE RAN FAILED
pallet_now_ms() {
  if [[ -n ${EPOCHREALTIME:-} ]]; then
    local t=${EPOCHREALTIME/[.,]/}
    echo $((10#$t / 1000))
  else
    date +%s%3N
  fi
}

pallet_done() {
  printf '%s done %d %d %d %d %d\n' "$PALLET_MARK" "$PALLET_OK" "$PALLET_CHANGED" "$PALLET_WOULD" "$PALLET_RAN" "$1"
}

# pallet_part runs one part of a step in a subshell with errexit in force
# and leaves its exit status in PALLET_RC. It is never called as a
# condition: bash ignores set -e there, even inside subshells.
pallet_part() {
  set +e
  (
    set -e
    "$@"
  )
  PALLET_RC=$?
  set -e
}

# pallet_test runs a step's check; its output shows only with PALLET_DEBUG.
pallet_test() {
  if [[ -n ${PALLET_DEBUG:-} ]]; then
    pallet_part "$1" </dev/null
  else
    pallet_part "$1" </dev/null >/dev/null 2>&1
  fi
}

# pallet_step N CRATE NAME CHECK-FUNCTION APPLY-FUNCTION
pallet_step() {
  local n=$1 crate=$2 name=$3 check=$4 apply=$5 start
  start=$(pallet_now_ms)
  printf '%s begin %s/%s %s %s\n' "$PALLET_MARK" "$n" "$PALLET_TOTAL" "$crate" "$name"
  if [[ -n $check ]]; then
    pallet_test "$check"
    if ((PALLET_RC == 0)); then
      PALLET_OK=$((PALLET_OK + 1))
      printf '%s end %s/%s ok %d\n' "$PALLET_MARK" "$n" "$PALLET_TOTAL" $(($(pallet_now_ms) - start))
      return 0
    fi
  fi
  if [[ $PALLET_MODE == check ]]; then
    PALLET_WOULD=$((PALLET_WOULD + 1))
    printf '%s end %s/%s would-change %d\n' "$PALLET_MARK" "$n" "$PALLET_TOTAL" $(($(pallet_now_ms) - start))
    return 0
  fi
  pallet_part "$apply" </dev/null
  if ((PALLET_RC != 0)); then
    printf '%s end %s/%s failed %d exit status %d\n' "$PALLET_MARK" "$n" "$PALLET_TOTAL" $(($(pallet_now_ms) - start)) "$PALLET_RC"
    pallet_done 1
    exit 1
  fi
  if [[ -z $check ]]; then
    PALLET_RAN=$((PALLET_RAN + 1))
    printf '%s end %s/%s ran %d\n' "$PALLET_MARK" "$n" "$PALLET_TOTAL" $(($(pallet_now_ms) - start))
    return 0
  fi
  pallet_test "$check"
  if ((PALLET_RC != 0)); then
    printf '%s end %s/%s failed %d did not converge\n' "$PALLET_MARK" "$n" "$PALLET_TOTAL" $(($(pallet_now_ms) - start))
    pallet_done 1
    exit 1
  fi
  PALLET_CHANGED=$((PALLET_CHANGED + 1))
  printf '%s end %s/%s changed %d\n' "$PALLET_MARK" "$n" "$PALLET_TOTAL" $(($(pallet_now_ms) - start))
}

# pallet_as_user USER 'FUNC [HELPER...]' ARGS... runs FUNC ARGS as USER (a
# name or uid: its uid, primary group and supplementary groups) in a fresh
# bash that holds only FUNC and the HELPER functions it calls. Whatever that
# does to files it does with USER's rights, so a USER racing it (swapping a
# path for a symlink) can only hurt themselves. Privileges are dropped with
# setpriv, else runuser, else su (busybox). Values travel as arguments, never
# inside code; stdin is passed on, stdout and stderr come back on stderr,
# and no other file descriptor of root's is inherited.
pallet_as_user() {
  local user=$1 funcs=$2 entry uid gid code out rc=0
  shift 2
  entry=$(getent passwd "$user") || {
    echo "pallet: no user $user" >&2
    return 1
  }
  IFS=: read -r user _ uid gid _ _ _ <<<"$entry"
  # shellcheck disable=SC2086 # funcs is a list of function names
  code=$(declare -f $funcs)
  code=$'set -euo pipefail\n'$code$'\n"$@"'
  out=$(
    exec 2>&1
    cd /
    for fd in /proc/self/fd/*; do
      fd=${fd##*/}
      if ((fd > 2 && fd != 255)); then
        exec {fd}>&-
      fi
    done
    if command -v setpriv >/dev/null 2>&1; then
      exec setpriv --reuid="$uid" --regid="$gid" --init-groups -- bash -c "$code" pallet "${funcs%% *}" "$@"
    elif command -v runuser >/dev/null 2>&1; then
      exec runuser -u "$user" -- bash -c "$code" pallet "${funcs%% *}" "$@"
    else
      # shellcheck disable=SC2016 # expanded by the user's sh, from its arguments
      exec su -s /bin/sh -c 'exec bash -c "$0" pallet "$@"' -- "$user" "$code" "${funcs%% *}" "$@"
    fi
  ) || rc=$?
  if [[ -n $out ]]; then
    printf '%s\n' "$out" >&2
  fi
  return "$rc"
}

# pallet_file_is PATH MODE OWNER GROUP succeeds when PATH is a regular file
# whose content equals stdin and whose mode, owner and group are as given.
pallet_file_is() {
  local path=$1 mode=$2 owner=$3 group=$4
  [[ -f $path && ! -L $path ]] || return 1
  cmp -s -- - "$path" || return 1
  pallet_meta_is "$path" "$mode" "$owner" "$group"
}

# pallet_meta_is PATH MODE OWNER GROUP succeeds when PATH has that octal
# mode, owner and group (names or numeric ids).
pallet_meta_is() {
  local path=$1 mode=$2 owner=$3 group=$4 want have hmode huser hgroup huid hgid
  want=$(printf '%o' "$((8#$mode))")
  have=$(stat -c '%a %U %G %u %g' -- "$path") || return 1
  read -r hmode huser hgroup huid hgid <<<"$have"
  [[ $hmode == "$want" ]] || return 1
  [[ $huser == "$owner" || $huid == "$owner" ]] || return 1
  [[ $hgroup == "$group" || $hgid == "$group" ]]
}

# pallet_pkg_dpkg_state installed|absent PKG... succeeds when every PKG is
# installed, or when none of them is. Installed is dpkg's "installed"
# state, the second letter of the status ("ii", or "hi" when held); a
# package removed but not purged ("rc") counts as absent.
pallet_pkg_dpkg_state() {
  local want=$1 p status
  shift
  for p in "$@"; do
    status=$(dpkg-query -W -f '${db:Status-Abbrev}' -- "$p" 2>/dev/null) || status=
    if [[ ${status:1:1} == i ]]; then
      [[ $want == installed ]] || return 1
    else
      [[ $want == absent ]] || return 1
    fi
  done
}

# pallet_ssh_key_authorize USER KEY makes KEY a line of USER's
# ~/.ssh/authorized_keys, once: the other lines stay as they are, in their
# order, and KEY is appended when it is not there. The file is rewritten
# atomically, 0600 in a 0700 ~/.ssh, owned by USER and its primary group.
# All of it runs as USER (pallet_as_user): USER owns ~ and can swap what it
# holds at any moment, so root must not touch a path under it.
pallet_ssh_key_authorize() {
  local user=$1 key=$2 entry uid gid home
  entry=$(getent passwd "$user") || {
    echo "no user $user: create it first (user crate)" >&2
    return 1
  }
  IFS=: read -r _ _ uid gid _ home _ <<<"$entry"
  pallet_as_user "$user" pallet_ssh_key_user set "$user" "$uid" "$gid" "$home" "$key" </dev/null
}

# pallet_ssh_key_authorized USER KEY succeeds when KEY is a line of USER's
# ~/.ssh/authorized_keys and both are as sshd's StrictModes wants them:
# real (not symlinks), owned by USER and its primary group, the directory
# 0700 and the file 0600. It looks as USER (pallet_as_user), so a symlink
# USER planted leads nowhere USER could not read anyway.
pallet_ssh_key_authorized() {
  local user=$1 key=$2 entry uid gid home
  entry=$(getent passwd "$user") || return 1
  IFS=: read -r _ _ uid gid _ home _ <<<"$entry"
  pallet_as_user "$user" pallet_ssh_key_user is "$user" "$uid" "$gid" "$home" "$key" </dev/null
}

# pallet_ssh_key_user is|set USER UID GID HOME KEY is the part of
# pallet_ssh_key_authorized ("is") and pallet_ssh_key_authorize ("set") that
# runs as USER, so it calls no other function. set refuses a ~/.ssh or
# authorized_keys that is a symlink or owned by someone else (USER could not
# give it the right owner); it creates ~/.ssh 0700 when missing.
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
    grep -qxF -e "$key" -- "$file"
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
  if [[ -e $file && ! -r $file ]]; then
    echo "$file cannot be read by $user: give it to $user" >&2
    return 1
  fi
  if [[ -e $file ]]; then
    PALLET_KEY=$key awk '
      $0 == ENVIRON["PALLET_KEY"] { if (seen++) next }
      { print }
      END { if (!seen) print ENVIRON["PALLET_KEY"] }
    ' "$file" >"$tmp"
  else
    printf '%s\n' "$key" >"$tmp"
  fi
  chgrp -- "$gid" "$tmp"
  chmod 0600 -- "$tmp"
  mv -fT -- "$tmp" "$file"
}

# pallet_sudoers_included PATH succeeds when sudo reads PATH: visudo -c
# names every file it parsed, so this catches a drop-in whose directory
# /etc/sudoers does not include (no @includedir /etc/sudoers.d) as well as
# a broken sudoers elsewhere.
pallet_sudoers_included() {
  local out
  out=$(visudo -c 2>&1) || return 1
  [[ $'\n'$out$'\n' == *$'\n'"$1: parsed OK"$'\n'* ]]
}

# pallet_sudoers_install PATH puts its stdin live as the sudoers drop-in
# PATH, root:root 0440, only once visudo has accepted it: the content goes
# to a temporary file beside PATH, is checked with visudo -cf, then renamed
# over PATH. The temporary name has a '.', so sudo never reads it, and a
# rejected drop-in never goes live: a typo cannot lock anyone out of sudo.
pallet_sudoers_install() {
  local path=$1 dir tmp out
  dir=$(dirname -- "$path")
  if ! command -v visudo >/dev/null || [[ ! -d $dir ]]; then
    echo "no visudo or no $dir: install sudo first (package crate)" >&2
    return 1
  fi
  tmp=$(mktemp "$dir/.pallet.XXXXXX")
  # shellcheck disable=SC2064 # expand $tmp now: it is local
  trap "rm -f -- $(printf '%q' "$tmp")" EXIT
  cat >"$tmp"
  chown root:root "$tmp"
  chmod 0440 "$tmp"
  if ! out=$(visudo -cf "$tmp" 2>&1); then
    printf '%s\nvisudo rejected the drop-in for %s; it was not installed\n' "$out" "$path" >&2
    return 1
  fi
  mv -fT -- "$tmp" "$path"
}

# pallet_user_in_groups USER GROUP... succeeds when USER is a member of
# every GROUP (its primary group counts).
pallet_user_in_groups() {
  local user=$1 have g
  shift
  have=" $(id -nG -- "$user") " || return 1
  for g in "$@"; do
    [[ $have == *" $g "* ]] || return 1
  done
}

# pallet_user_join_groups USER GROUP... adds USER to each GROUP it is not
# in yet, keeping its other groups: with shadow's usermod where there is
# one, else with busybox's addgroup USER GROUP (alpine without shadow).
pallet_user_join_groups() {
  local user=$1 have g missing=()
  shift
  have=" $(id -nG -- "$user") "
  for g in "$@"; do
    [[ $have == *" $g "* ]] || missing+=("$g")
  done
  ((${#missing[@]})) || return 0
  if command -v usermod >/dev/null; then
    local IFS=,
    usermod -a -G "${missing[*]}" -- "$user"
  else
    for g in "${missing[@]}"; do
      addgroup -- "$user" "$g"
    done
  fi
}

# pallet_user_make_home USER creates USER's home directory (from passwd)
# when it is missing: mode 0700, a copy of /etc/skel,
# owned by the user and its primary group. An existing home is left alone.
pallet_user_make_home() {
  local user=$1 entry uid gid home
  entry=$(getent passwd "$user")
  IFS=: read -r _ _ uid gid _ home _ <<<"$entry"
  [[ -n $home && ! -e $home ]] || return 0
  mkdir -p -- "$(dirname -- "$home")"
  mkdir -m 0700 -- "$home"
  if [[ -d /etc/skel ]]; then
    cp -a /etc/skel/. "$home/"
  fi
  chown -R -- "$uid:$gid" "$home"
  chmod 0700 -- "$home" # cp -a gave it /etc/skel's mode
}

# step 1: automated-admin-user/package: install sudo
pallet_check_1() {
pallet_pkg_dpkg_state installed sudo
}
pallet_apply_1() {
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# Keep locally changed config files and take new defaults only where
# nothing was changed: no dpkg prompt can hang the run.
apt-get install -y -q --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
  -- sudo
}

# step 2: automated-admin-user/user: deploy
pallet_check_2() {
entry=$(getent passwd deploy)
IFS=: read -r _ _ uid _ _ home shell <<<"$entry"
[[ $shell == /bin/bash ]]
[[ -d $home ]]
pallet_user_in_groups deploy sudo
}
pallet_apply_2() {
if entry=$(getent passwd deploy); then
  IFS=: read -r _ _ uid _ _ _ shell <<<"$entry"
  if [[ $shell != /bin/bash ]]; then
    usermod -s /bin/bash -- deploy
  fi
else
  useradd -m -s /bin/bash -- deploy
fi
pallet_user_make_home deploy
pallet_user_join_groups deploy sudo
}

# step 3: automated-admin-user/ssh-key: deploy deploy@example
pallet_check_3() {
pallet_ssh_key_authorized deploy 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILiAm8Im6BHWd2O2CrCfj0JBpMmMADGT41JD14JsovMc deploy@example'
}
pallet_apply_3() {
pallet_ssh_key_authorize deploy 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILiAm8Im6BHWd2O2CrCfj0JBpMmMADGT41JD14JsovMc deploy@example'
}

# step 4: automated-admin-user/sudoers: deploy
pallet_check_4() {
pallet_file_is /etc/sudoers.d/deploy 0440 root root <<<'deploy ALL=(ALL:ALL) NOPASSWD: ALL'
pallet_sudoers_included /etc/sudoers.d/deploy
}
pallet_apply_4() {
pallet_sudoers_install /etc/sudoers.d/deploy <<<'deploy ALL=(ALL:ALL) NOPASSWD: ALL'
pallet_sudoers_included /etc/sudoers.d/deploy || {
  echo "sudo does not read /etc/sudoers.d: add @includedir /etc/sudoers.d to /etc/sudoers" >&2
  exit 1
}
}

pallet_step 1 automated-admin-user/package 'install sudo' pallet_check_1 pallet_apply_1
pallet_step 2 automated-admin-user/user deploy pallet_check_2 pallet_apply_2
pallet_step 3 automated-admin-user/ssh-key 'deploy deploy@example' pallet_check_3 pallet_apply_3
pallet_step 4 automated-admin-user/sudoers deploy pallet_check_4 pallet_apply_4
pallet_done 0

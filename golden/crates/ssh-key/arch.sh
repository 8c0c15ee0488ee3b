#!/usr/bin/env bash
# Compiled by palletc 0.1.0. Do not edit: change pallet.yaml or its crates and compile again.
# group: golden
# phase: test
# os: arch
# steps: 1
# shellcheck disable=SC2317 # step functions are called through pallet_step
set -euo pipefail
umask 022
export LC_ALL=C
PALLET_TOTAL=1
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
# setpriv, else runuser, else su (busybox). Values travel as data, never
# inside code, and never on a command line, where every user can read them
# (/proc/PID/cmdline): ARGS go NUL-separated down a pipe on fd 3, which the
# new bash reads into FUNC's arguments and closes. The command line holds
# only the helpers' code and FUNC's name. stdin is passed on, stdout and
# stderr come back on stderr, and no other file descriptor of root's is
# inherited.
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
  # shellcheck disable=SC2016 # code for the new bash, expanded there
  code=$'set -euo pipefail\n'$code$'\n''pallet_args=()
while IFS= read -r -d "" pallet_arg; do pallet_args+=("$pallet_arg"); done <&3
exec 3<&-
unset pallet_arg
"$1" "${pallet_args[@]}"'
  out=$(
    exec 2>&1
    cd /
    for fd in /proc/self/fd/*; do
      fd=${fd##*/}
      if ((fd > 2 && fd != 255)); then
        exec {fd}>&-
      fi
    done
    exec 3< <(printf '%s\0' "$@")
    if command -v setpriv >/dev/null 2>&1; then
      exec setpriv --reuid="$uid" --regid="$gid" --init-groups -- bash -c "$code" pallet "${funcs%% *}"
    elif command -v runuser >/dev/null 2>&1; then
      exec runuser -u "$user" -- bash -c "$code" pallet "${funcs%% *}"
    else
      # shellcheck disable=SC2016 # expanded by the user's sh, from its arguments
      exec su -s /bin/sh -c 'exec bash -c "$0" pallet "$@"' -- "$user" "$code" "${funcs%% *}"
    fi
  ) || rc=$?
  if [[ -n $out ]]; then
    printf '%s\n' "$out" >&2
  fi
  return "$rc"
}

# pallet_file_read PATH COMMAND [ARG...] runs COMMAND (a program or a
# function) with PATH open on its stdin, once PATH is known to be a regular
# file (a symlink to one counts: callers that must not follow one test -L
# first). Anything else is refused at once, saying what it is: opening a
# FIFO blocks until someone writes to it, and a device may never end, so a
# user's mkfifo would hang the run. PATH is tested before it is opened, and
# the file opened is tested again, through its descriptor, before COMMAND
# reads it. Between the two someone who can replace PATH could swap a FIFO
# in, and that open would block: it is made in a subshell that a watchdog
# kills after 10 seconds, so the step fails instead of hanging. The
# watchdog needs no process of its own to time out (bash's read -t on a
# pipe the subshell closes once it has opened PATH).
pallet_file_read() {
  local path=$1 kind
  shift
  if [[ ! -f $path ]]; then
    kind=$(stat -L -c %F -- "$path" 2>/dev/null) || kind='missing or unreadable'
    printf 'pallet: %s is not a regular file (%s): not reading it\n' "$path" "$kind" >&2
    return 1
  fi
  (
    me=$BASHPID
    exec {watch}> >(
      rc=0
      read -r -t 10 _ || rc=$?
      if ((rc > 128)); then
        printf 'pallet: opening %s took more than 10 seconds (a FIFO put in its place?): not reading it\n' "$path" >&2
        kill -KILL "$me" 2>/dev/null || true
      fi
    )
    exec {fd}<"$path"
    exec {watch}>&-
    if [[ ! -f /dev/fd/$fd ]]; then
      printf 'pallet: %s is not a regular file (it changed while pallet opened it): not reading it\n' "$path" >&2
      exit 1
    fi
    "$@" <&"$fd"
  )
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
  pallet_as_user "$user" 'pallet_ssh_key_user pallet_file_read' set "$user" "$uid" "$gid" "$home" "$key" </dev/null
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
  pallet_as_user "$user" 'pallet_ssh_key_user pallet_file_read' is "$user" "$uid" "$gid" "$home" "$key" </dev/null
}

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

# step 1: ssh-key: deploy deploy@example
pallet_check_1() {
pallet_ssh_key_authorized deploy 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILiAm8Im6BHWd2O2CrCfj0JBpMmMADGT41JD14JsovMc deploy@example'
}
pallet_apply_1() {
pallet_ssh_key_authorize deploy 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILiAm8Im6BHWd2O2CrCfj0JBpMmMADGT41JD14JsovMc deploy@example'
}

pallet_step 1 ssh-key 'deploy deploy@example' pallet_check_1 pallet_apply_1
pallet_done 0

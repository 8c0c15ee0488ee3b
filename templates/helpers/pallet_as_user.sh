# pallet_as_user USER FUNC ARGS... runs the helper FUNC with ARGS as USER
# (a name or uid: its uid, primary group and supplementary groups) in a
# fresh bash that holds only FUNC and the helpers it calls, directly or in
# turn, as palletc lists them in PALLET_DEPS[FUNC]: no hand-written list
# to be found short at run time. Whatever that does to files it does with
# USER's rights, so a USER racing it (swapping a path for a symlink) can
# only hurt themselves. Privileges are dropped with setpriv, else runuser,
# else su (busybox). Values travel as data, never inside code, and never
# on a command line, where every user can read them (/proc/PID/cmdline):
# ARGS go length-prefixed down a here-string on fd 3, which the new bash
# reads into FUNC's arguments and closes (bash writes a here-string
# itself, where a <(printf) pipe would cost a process). The command line
# holds only the helpers' code and FUNC's name. stdin is passed on (unless it is a terminal: then
# /dev/null), stdout and stderr come back on stderr, and no other file
# descriptor of root's is inherited. Where the script has a controlling
# terminal, the new bash starts a session of its own (setsid), so it has
# none: run by hand from a terminal (sudo without use_pty), it would
# otherwise share root's and could push keystrokes into root's shell
# (TIOCSTI) or read what root types. Without setsid it refuses when there
# is a terminal to share; with no terminal there is nothing to leave.
pallet_as_user() {
  local user=$1 func=$2 entry uid gid code out rc=0 a args='' tty
  local LC_ALL=C
  local -a setsid=(setsid)
  shift 2
  if [[ $func != pallet_?* || ${func#pallet_} == *[!a-z0-9_]* ]] || ! declare -F -- "$func" >/dev/null; then
    echo "pallet: no helper $func to run as $user" >&2
    return 1
  fi
  # a caller that has just looked USER up by name hands its passwd line
  # over (local PALLET_AS_ENTRY=LINE): the same getent, not run twice
  if [[ -n ${PALLET_AS_ENTRY-} && ${PALLET_AS_ENTRY%%:*} == "$user" ]]; then
    entry=$PALLET_AS_ENTRY
  else
    if ! pallet_passwd "$user"; then
      echo "pallet: no user $user" >&2
      return 1
    fi
    entry=$PALLET_PASSWD
  fi
  IFS=: read -r user _ uid gid _ _ _ <<<"$entry"
  # setsid only where there is a controlling terminal to leave: the
  # kernel's tty_nr for this shell (/proc/self/stat, read by bash, no
  # process) is 0 without one. Under pallet-run there is none, and the drop
  # then costs one exec less and stays in the script's process group,
  # which a stop signals. Where it cannot be told, setsid as before.
  tty=
  if read -r tty </proc/self/stat 2>/dev/null; then
    tty=${tty##*) }
    read -r _ _ _ _ tty _ <<<"$tty"
  fi
  if [[ $tty == 0 ]]; then
    setsid=()
  elif ! command -v setsid >/dev/null 2>&1; then
    if [[ -n $tty ]] || { : </dev/tty; } 2>/dev/null; then
      echo "pallet: no setsid to run $func as $user without this terminal: install util-linux" >&2
      return 1
    fi
    setsid=()
  fi
  # ARGS, each as LENGTH:VALUE (bytes, in the C locale): a here-string
  # carries them, which bash writes itself, where a <(printf) would fork
  for a in "$@"; do
    args+=${#a}:$a
  done
  # shellcheck disable=SC2086 # a list of function names
  code=$(declare -f -- "$func" ${PALLET_DEPS[$func]-}) || {
    echo "pallet: the helpers $func calls are not all in this script" >&2
    return 1
  }
  # shellcheck disable=SC2016 # code for the new bash, expanded there
  code=$'set -euo pipefail\n'$code$'\n''LC_ALL=C
pallet_args=()
IFS= read -r -d "" pallet_blob <&3 || true
exec 3<&-
pallet_blob=${pallet_blob%$'"'"'\n'"'"'}
while [[ -n $pallet_blob ]]; do
  pallet_n=${pallet_blob%%:*}
  if [[ ! $pallet_n =~ ^[0-9]+$ ]]; then
    echo "pallet: the arguments for $1 came garbled" >&2
    exit 1
  fi
  pallet_blob=${pallet_blob#*:}
  pallet_args+=("${pallet_blob:0:pallet_n}")
  pallet_blob=${pallet_blob:pallet_n}
done
unset pallet_blob pallet_n
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
    exec 3<<<"$args"
    if [[ -t 0 ]]; then
      exec </dev/null
    fi
    # setsid as root, before the drop: this subshell leads no process
    # group, so setsid(2) succeeds in place, and the drop keeps it
    if command -v setpriv >/dev/null 2>&1; then
      exec "${setsid[@]}" setpriv --reuid="$uid" --regid="$gid" --init-groups -- bash -c "$code" pallet "$func"
    elif command -v runuser >/dev/null 2>&1; then
      exec "${setsid[@]}" runuser -u "$user" -- bash -c "$code" pallet "$func"
    else
      # shellcheck disable=SC2016 # expanded by the user's sh, from its arguments
      exec "${setsid[@]}" su -s /bin/sh -c 'exec bash -c "$0" pallet "$@"' -- "$user" "$code" "$func"
    fi
  ) || rc=$?
  if [[ -n $out ]]; then
    printf '%s\n' "$out" >&2
  fi
  return "$rc"
}

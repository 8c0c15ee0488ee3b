#!/usr/bin/env bash
# Compiled by palletc 0.1.0. Do not edit: change pallet.yaml or its crates and compile again.
# group: lb
# phase: bootstrap
# os: debian-12
# node: lb-1
# nodes: placeholders (no --provider given)
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
# PALLET_TMPLIST: the file pallet-run's wrapper gives the script to list
# the temporary names its helpers make as root (pallet_tmp_remember); the
# wrapper removes them after the script, however it ended. Not exported.
PALLET_TMPLIST=${PALLET_TMPLIST:-}
export -n PALLET_TMPLIST
PALLET_MARK="::pallet::v1${PALLET_NONCE:+ $PALLET_NONCE}"
# The script's own process, for the parts that run in it (pallet_part).
PALLET_PID=$BASHPID
# shellcheck disable=SC2034 # read by pallet_temp_file
PALLET_INLINE=
PALLET_PART_TEMPS=()
PALLET_RC=0
PALLET_OK=0
PALLET_CHANGED=0
PALLET_WOULD=0
PALLET_RAN=0
PALLET_SKIPPED=0
# Flags (notify: / when_notified:). PALLET_NOTIFY: the flags the steps
# being run raise when one reports changed. PALLET_WHEN: the flags the call
# being run waits on; PALLET_SKIP: why its steps are skipped (not
# notified), or empty; PALLET_WOULD_NOTIFIED: in check mode, set when a
# flag it waits on would be raised. PALLET_WOULD_RAISE: the flags check
# mode would have raised, " a b ", kept in memory only.
PALLET_NOTIFY=()
PALLET_WHEN=()
PALLET_SKIP=
PALLET_WOULD_NOTIFIED=
PALLET_WOULD_RAISE=" "

# Status lines: ::pallet::v1 [NONCE] begin N/TOTAL CRATE NAME...
#               ::pallet::v1 [NONCE] end N/TOTAL STATUS MS [MESSAGE...]
#               ::pallet::v1 [NONCE] done OK CHANGED WOULD-CHANGE RAN FAILED SKIPPED
# (SKIPPED was added last, so a reader of the older five fields still reads
# them.)
# pallet_now_ms sets PALLET_NOW to the time in milliseconds: from bash's
# EPOCHREALTIME, without a process (a $( ) would fork one per status line),
# or from date on a bash older than 5.
pallet_now_ms() {
  if [[ -n ${EPOCHREALTIME:-} ]]; then
    local t=${EPOCHREALTIME/[.,]/}
    PALLET_NOW=$((10#$t / 1000))
  else
    PALLET_NOW=$(date +%s%3N)
  fi
}

# pallet_end N START STATUS [MESSAGE] prints step N's end line, with the
# milliseconds since START.
pallet_end() {
  pallet_now_ms
  printf '%s end %s/%s %s %d%s\n' "$PALLET_MARK" "$1" "$PALLET_TOTAL" "$3" $((PALLET_NOW - $2)) "${4:+ $4}"
}

pallet_done() {
  printf '%s done %d %d %d %d %d %d\n' "$PALLET_MARK" "$PALLET_OK" "$PALLET_CHANGED" "$PALLET_WOULD" "$PALLET_RAN" "$1" "$PALLET_SKIPPED"
}

# Raised flags live on the node, one empty file each under
# /var/lib/pallet/flags, so that a run which changed a config and then
# failed still restarts the service on the next run. The directories are
# root's: each is made here if missing, and refused if it is a symlink, is
# not a directory or is not owned by root, since the runtime creates and
# removes files in it as root.
PALLET_FLAGS=/var/lib/pallet/flags

pallet_flags_dir() {
  local d
  for d in /var/lib/pallet "$PALLET_FLAGS"; do
    if [[ ! -e $d && ! -L $d ]]; then
      mkdir -m 0700 "$d" 2>/dev/null || [[ -d $d && ! -L $d ]] || {
        echo "pallet: cannot create $d (flags need root: run with sudo)" >&2
        return 1
      }
    fi
    if [[ -L $d || ! -d $d || $(stat -c %u "$d") != 0 ]]; then
      echo "pallet: $d must be a directory owned by root, not a symlink; refusing to keep flags there" >&2
      return 1
    fi
  done
}

# pallet_notify FLAG... : the steps that follow raise these flags when they
# report changed (pallet_notify with none: they raise nothing).
pallet_notify() {
  PALLET_NOTIFY=("$@")
}

# pallet_raise records that the step just run changed (only changed: a
# step with no check runs every time, and raising on it would notify on
# every run): each flag of
# PALLET_NOTIFY is raised on the node, at once, so a later failure keeps it.
# In check mode nothing is written: the flags would be raised, in memory.
pallet_raise() {
  local f
  ((${#PALLET_NOTIFY[@]})) || return 0
  if [[ $PALLET_MODE == check ]]; then
    for f in "${PALLET_NOTIFY[@]}"; do
      [[ $PALLET_WOULD_RAISE == *" $f "* ]] || PALLET_WOULD_RAISE+="$f "
    done
    return 0
  fi
  pallet_flags_dir || return 1
  for f in "${PALLET_NOTIFY[@]}"; do
    : >"$PALLET_FLAGS/$f" || return 1
  done
}

# pallet_when_notified FLAG... : the steps that follow, one call's, run
# only when one of these flags is raised; pallet_lowered ends them.
pallet_when_notified() {
  local f
  PALLET_WHEN=("$@")
  PALLET_SKIP="not notified: $*"
  PALLET_WOULD_NOTIFIED=
  for f in "$@"; do
    if [[ -f $PALLET_FLAGS/$f && ! -L $PALLET_FLAGS/$f ]]; then
      PALLET_SKIP=
    elif [[ $PALLET_MODE == check && $PALLET_WOULD_RAISE == *" $f "* ]]; then
      PALLET_SKIP=
      PALLET_WOULD_NOTIFIED=1
    fi
  done
}

# pallet_lowered follows the last step of a when_notified call: reached,
# every step succeeded (a failure exits first), so the flags it ran on are
# lowered. Skipped, or in check mode, nothing is lowered.
pallet_lowered() {
  local f
  if [[ -z $PALLET_SKIP && $PALLET_MODE == apply ]]; then
    pallet_flags_dir || {
      pallet_done 1
      exit 1
    }
    for f in "${PALLET_WHEN[@]}"; do
      rm -f -- "${PALLET_FLAGS:?}/$f"
    done
  fi
  PALLET_WHEN=()
  PALLET_SKIP=
  PALLET_WOULD_NOTIFIED=
}

# pallet_part FUNCTION [inline] runs one part of a step with errexit in
# force and leaves its exit status in PALLET_RC. It is never called as a
# condition: bash ignores set -e there, even inside subshells.
# A part runs in a subshell, so that nothing it does to the shell (its
# variables, traps, cd, options) reaches the steps after it. An "inline"
# part, one the compiler has proved does none of that (compiler/inline.go:
# only commands and the helpers audited for it, no expansion, no
# assignment), runs in the script's own process instead, without the fork
# (about half a millisecond of CPU each, a tenth of a first run): an ERR
# trap does what errexit does in the subshell, returning from each
# function on the way out instead of ending the script; temporary files
# its helpers make are removed when it ends, as their EXIT traps would in
# the subshell, and the helpers' PALLET_ results are dropped, so the next
# part sees none of them, as after a subshell.
pallet_part() {
  if [[ ${2-} == inline ]]; then
    pallet_inline "$1"
    return 0
  fi
  set +e
  (
    set -e
    "$1"
  )
  PALLET_RC=$?
  set -e
}

# pallet_inline FUNCTION is pallet_part's inline run. The trap returns
# from every function, up to pallet_inline_run, for a command that fails
# where errexit would end the subshell: in the script's process (a
# subshell of the part has errexit of its own), where errexit is on (a
# helper's set +e turns it off). Bash runs an ERR trap exactly where
# errexit would act: not in a condition, nor for any but the last command
# of && and ||.
pallet_inline() {
  local t
  # shellcheck disable=SC2034 # read by pallet_temp_file
  PALLET_RC=0 PALLET_INLINE=1
  set -E
  trap 'PALLET_TRAPPED=$?; if [[ $BASHPID == "$PALLET_PID" && $- == *e* ]]; then if [[ ${FUNCNAME[0]-} == pallet_inline_run ]]; then PALLET_RC=$PALLET_TRAPPED; return 0; fi; return "$PALLET_TRAPPED"; fi' ERR
  pallet_inline_run "$1"
  trap - ERR
  set +E
  # shellcheck disable=SC2034 # read by pallet_temp_file
  PALLET_INLINE=
  for t in "${PALLET_PART_TEMPS[@]}"; do
    pallet_temp_gone "$t"
  done
  PALLET_PART_TEMPS=()
  # what the helpers leave for their callers (the audit in
  # compiler/inline_test.go holds this list to every PALLET_ name an
  # inline helper sets)
  unset PALLET_DIR PALLET_ENTRY PALLET_NEW_FILE PALLET_NEW_MODE PALLET_PASSWD \
    PALLET_STATS PALLET_TEMP PALLET_WALK_FINAL PALLET_WALK_META PALLET_WRITER PALLET_WRITER_MISSING \
    PALLET_WRITER_SHARED PALLET_TRAPPED
}

pallet_inline_run() {
  "$1"
}

# pallet_test runs a step's check; its output shows only with PALLET_DEBUG.
pallet_test() {
  if [[ -n ${PALLET_DEBUG:-} ]]; then
    pallet_part "$1" "${2-}" </dev/null
  else
    pallet_part "$1" "${2-}" </dev/null >/dev/null 2>&1
  fi
}

# pallet_seconds MS prints a duration in milliseconds as seconds: 3.2s.
pallet_seconds() {
  printf '%d.%ds' $(($1 / 1000)) $(($1 % 1000 / 100))
}

# pallet_step_diff N: with PALLET_DIFF=1 (pallet-run --diff), prints what
# step N's diff function says its apply changes (pallet_diff_N: file-like
# crates write one after {{ diff }}), as status lines
#   ::pallet::v1 [NONCE] diff N/TOTAL BASE64   (one or more chunks)
#   ::pallet::v1 [NONCE] diff-end N/TOTAL
# base64, so that a file's content can neither break the framing nor fake
# a status line. At most 64 KiB of diff, with a note when there was more.
# A diff that fails says so in the text; it never fails the step.
pallet_step_diff() {
  local n=$1 out rc b i
  [[ ${PALLET_DIFF:-} == 1 ]] && declare -F "pallet_diff_$n" >/dev/null || return 0
  set +e
  out=$(
    set -e
    "pallet_diff_$n" </dev/null 2>&1
  )
  rc=$?
  set -e
  if ((${#out} > 65536)); then
    out="${out:0:65536}"$'\n'"(diff cut at 64 KiB)"
  fi
  if ((rc != 0)); then
    out+="${out:+$'\n'}(diff failed: exit status $rc)"
  fi
  [[ -n $out ]] || return 0
  b=$(printf '%s\n' "$out" | base64 -w 0)
  for ((i = 0; i < ${#b}; i += 4096)); do
    printf '%s diff %s/%s %s\n' "$PALLET_MARK" "$n" "$PALLET_TOTAL" "${b:i:4096}"
  done
  printf '%s diff-end %s/%s\n' "$PALLET_MARK" "$n" "$PALLET_TOTAL"
}

# pallet_step N CRATE NAME CHECK-FUNCTION APPLY-FUNCTION [wait|checked]
#             [inline-check] [inline-apply]
#
# inline-check and inline-apply: that part runs in the script's process
# (pallet_part).
#
# A step of a when_notified call whose flags are not raised reports
# skipped without running anything; in check mode, one whose flag a step
# before it would raise reports would-change.
#
# A wait step ("wait": its apply only waits for the check to hold, as
# wait-for does) changes nothing, so it never reports changed: ok when the
# check holds at once, ok "waited 3.2s" when it holds after the wait, and
# failed when the wait gives up (exit status 124: "timed out"). Having no
# side effects, it waits in check mode too, unless a step before it would
# change: then what it waits for is most likely what that step would do,
# and it reports would-change at once rather than time out.
#
# A checked step ({{ apply_checked }}) has an apply that ends by proving
# what its check proves, in the same process and under errexit, right
# after its change: the check is not run a second time after it (the
# re-check would prove the same thing again, a moment later). Its apply
# fails with status 98 when that proof fails, reported "did not converge"
# as a re-check's failure is; any other failure is its exit status.
pallet_step() {
  local n=$1 crate=$2 name=$3 check=$4 apply=$5 kind='' ic='' ia='' f start ms
  for f in "${@:6}"; do
    case $f in
      inline-check) ic=inline ;;
      inline-apply) ia=inline ;;
      *) kind=$f ;;
    esac
  done
  pallet_now_ms
  start=$PALLET_NOW
  printf '%s begin %s/%s %s %s\n' "$PALLET_MARK" "$n" "$PALLET_TOTAL" "$crate" "$name"
  if [[ -n $PALLET_SKIP ]]; then
    PALLET_SKIPPED=$((PALLET_SKIPPED + 1))
    pallet_end "$n" "$start" skipped "$PALLET_SKIP"
    return 0
  fi
  if [[ -n $PALLET_WOULD_NOTIFIED ]]; then
    [[ -z $check || $kind == wait ]] || pallet_raise
    PALLET_WOULD=$((PALLET_WOULD + 1))
    pallet_end "$n" "$start" would-change "notified: a step before it would change"
    return 0
  fi
  if [[ -n $check ]]; then
    pallet_test "$check" "$ic"
    if ((PALLET_RC == 0)); then
      PALLET_OK=$((PALLET_OK + 1))
      pallet_end "$n" "$start" ok
      return 0
    fi
  fi
  pallet_step_diff "$n"
  if [[ $PALLET_MODE == check && ($kind != wait || $PALLET_WOULD -gt 0) ]]; then
    # A step that would change (not one that only runs or waits) would
    # raise its flags.
    [[ -z $check || $kind == wait ]] || pallet_raise
    PALLET_WOULD=$((PALLET_WOULD + 1))
    # only a wait step says why (a checked step's kind is no reason)
    if [[ $kind == wait ]]; then
      pallet_end "$n" "$start" would-change "would wait: not true yet, and a step before it would change"
    else
      pallet_end "$n" "$start" would-change
    fi
    return 0
  fi
  # The flags directory is made (or refused) before the apply, so that a
  # change is never made whose flag could then not be raised.
  if ((${#PALLET_NOTIFY[@]})) && ! pallet_flags_dir; then
    pallet_end "$n" "$start" failed "cannot keep flags in $PALLET_FLAGS"
    pallet_done 1
    exit 1
  fi
  pallet_part "$apply" "$ia" </dev/null
  if ((PALLET_RC != 0)); then
    if [[ $kind == wait && $PALLET_RC == 124 ]]; then
      pallet_end "$n" "$start" failed "timed out"
    elif [[ $kind == checked && $PALLET_RC == 98 ]]; then
      pallet_end "$n" "$start" failed "did not converge"
    else
      pallet_end "$n" "$start" failed "exit status $PALLET_RC"
    fi
    pallet_done 1
    exit 1
  fi
  if [[ -z $check ]]; then
    PALLET_RAN=$((PALLET_RAN + 1))
    pallet_end "$n" "$start" ran
    return 0
  fi
  if [[ $kind != checked ]]; then
    pallet_test "$check" "$ic"
  fi
  if ((PALLET_RC != 0)); then
    pallet_end "$n" "$start" failed "did not converge"
    pallet_done 1
    exit 1
  fi
  pallet_now_ms
  ms=$((PALLET_NOW - start))
  if [[ $kind == wait ]]; then
    PALLET_OK=$((PALLET_OK + 1))
    printf '%s end %s/%s ok %d waited %s\n' "$PALLET_MARK" "$n" "$PALLET_TOTAL" "$ms" "$(pallet_seconds "$ms")"
    return 0
  fi
  pallet_raise || {
    printf '%s end %s/%s failed %d could not raise flags: %s\n' "$PALLET_MARK" "$n" "$PALLET_TOTAL" "$ms" "${PALLET_NOTIFY[*]}"
    pallet_done 1
    exit 1
  }
  PALLET_CHANGED=$((PALLET_CHANGED + 1))
  printf '%s end %s/%s changed %d\n' "$PALLET_MARK" "$n" "$PALLET_TOTAL" "$ms"
}

# pallet_as_reader PATH replace|follow FUNC ARGS... runs the helper FUNC,
# a check that reads PATH, as whoever controls the way to it: root where
# only root does, else the user pallet_file_writer finds first on the way
# (a symlink alice planted in her home is followed as alice, who reads
# only what she may), and no one where the walk refuses (it fails: the
# check is not passed). Root reading through a user's symlink or hard link
# would tell, by ok or would-change, whether /etc/shadow holds a line. The
# walk and "replace"/"follow" are pallet_as_writer's.
pallet_as_reader() {
  local path=$1 final=$2 who
  shift 2
  pallet_file_writer "$path" '*' "$final" || return 1
  who=$PALLET_WRITER
  if [[ $who == root ]]; then
    # for pallet_file_read: only root controls the way to PATH
    # shellcheck disable=SC2034 # read by pallet_file_read, in scripts that have it
    local PALLET_ROOT_WAY=$path
    "$@"
  elif [[ $who == "$EUID" ]]; then
    "$@"
  else
    pallet_as_user "$who" "$@"
  fi
}

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

# pallet_as_writer PATH OWNER replace|follow FUNC ARGS... runs the helper
# FUNC with ARGS as whoever pallet_file_writer says may write PATH for
# OWNER: as root, here; as OWNER, through pallet_as_user. "replace": a
# symlink at PATH is replaced, so the walk stops at it; "follow": it is
# followed, and its target walked. Where no one may write, it fails with
# the walk's refusal and FUNC never runs.
pallet_as_writer() {
  local path=$1 owner=$2 final=$3 who
  shift 3
  pallet_file_writer "$path" "$owner" "$final" || return 1
  who=$PALLET_WRITER
  if [[ $who == root ]]; then
    # for pallet_file_read: only root controls the way to PATH
    # shellcheck disable=SC2034 # read by pallet_file_read, in scripts that have it
    local PALLET_ROOT_WAY=$path
    "$@"
  else
    pallet_as_user "$who" "$@"
  fi
}

# pallet_diff PATH [edit ACTION LINE MATCH | sum SHA256 [SIZE [secret]]]
# prints what a step would do to the file PATH's content, for --diff
# (PALLET_DIFF=1; see pallet_step_diff): a unified diff from PATH as it is
# (a missing file is /dev/null) to the content on stdin, or, with "edit",
# to PATH as pallet_file_line_awk would leave it. "sum" is for content
# that is only a payload (binary, large or secret), which check mode does
# not upload: when the payload is there all the same (apply mode, or
# check mode with --diff, which uploads payloads) it is diffed like
# content on stdin; else the old and new sizes and sha256 are printed when
# they differ (SIZE may be '', as for a download). For "secret" content it says only that the content changed,
# and the payload is never read. PATH is read as pallet_as_reader says,
# like the check reads it: never as root through a path a user controls.
pallet_diff() {
  local new rc=0
  if [[ ${2:-} == sum && -z ${5:-} ]] && new=$(pallet_payload "$3" 2>/dev/null); then
    pallet_as_reader "$1" follow pallet_diff_as "$1" <"$new" || rc=$?
  else
    pallet_as_reader "$1" follow pallet_diff_as "$@" || rc=$?
  fi
  if ((rc != 0)); then
    printf 'pallet: cannot read %s the way its check does: no diff\n' "$1"
  fi
}

# pallet_diff_as PATH [edit ACTION LINE MATCH | sum SHA256 [SIZE [secret]]]
# is pallet_diff, run by the reader pallet_as_reader found: a symlink is
# followed, PATH is read with pallet_file_read (a FIFO fails at once), and
# the copies it compares are in a directory of its own, removed after.
pallet_diff_as() {
  local path=$1 label=$1 tmp old=/dev/null rc=0 have
  if [[ -L $path ]]; then
    path=$(readlink -f -- "$path") || return 1
  fi
  tmp=$(mktemp -d) || return 1
  if [[ -e $path ]]; then
    pallet_file_read "$path" cat >"$tmp/old" || rc=$?
    old=$tmp/old
  else
    label=/dev/null
  fi
  if ((rc == 0)); then
    case ${2:-} in
      sum)
        have=$(pallet_diff_summary "$old")
        if [[ $have != *" sha256 $3" ]]; then
          if [[ ${5:-} == secret ]]; then
            echo 'secret content changed (diff hidden)'
          else
            printf 'content not diffed (not in the script, nor its payload beside it): old %s -> new %ssha256 %s\n' "$have" "${4:+$4 bytes }" "$3"
          fi
        fi
        ;;
      edit)
        pallet_file_line_awk edit "$3" "$4" "$5" <"$old" >"$tmp/new" || rc=$?
        ;;
      *) cat >"$tmp/new" || rc=$? ;;
    esac
  fi
  if ((rc == 0)) && [[ ${2:-} != sum ]]; then
    pallet_diff_files "$old" "$tmp/new" "$label" "$1" || rc=$?
  fi
  rm -rf -- "$tmp"
  return "$rc"
}

# pallet_diff_binary FILE succeeds when FILE holds a NUL byte or is not
# UTF-8 (when iconv is there to tell).
pallet_diff_binary() {
  local size
  size=$(wc -c <"$1")
  ((size > 0)) || return 1
  [[ $(tr -d '\000' <"$1" | wc -c) != "$size" ]] && return 0
  command -v iconv >/dev/null || return 1
  ! iconv -f UTF-8 -t UTF-8 -- "$1" >/dev/null 2>&1
}


# pallet_diff_files OLD NEW OLD-LABEL NEW-LABEL prints a unified diff from
# the file OLD to the file NEW, nothing when they are the same. Binary
# content (a NUL byte, or not UTF-8) is summarised by size and sha256, as
# is everything where diff is missing: diffutils is Priority: required in
# Debian, but minimal images (and busybox's diff without --label) lack it.
pallet_diff_files() {
  local old=$1 new=$2 rc=0
  if cmp -s -- "$old" "$new" 2>/dev/null; then
    return 0
  fi
  if pallet_diff_binary "$old" || pallet_diff_binary "$new"; then
    printf 'binary: old %s -> new %s\n' "$(pallet_diff_summary "$old")" "$(pallet_diff_summary "$new")"
    return 0
  fi
  if ! command -v diff >/dev/null || ! diff --label a --label b /dev/null /dev/null >/dev/null 2>&1; then
    printf 'diff unavailable on the node (install diffutils): old %s -> new %s\n' "$(pallet_diff_summary "$old")" "$(pallet_diff_summary "$new")"
    return 0
  fi
  diff -u --label "$3" --label "$4" -- "$old" "$new" || rc=$?
  ((rc <= 1))
}


# pallet_diff_summary FILE prints FILE's size and sha256: 12 bytes sha256 HEX.
pallet_diff_summary() {
  local sum
  sum=$(sha256sum <"$1")
  printf '%d bytes sha256 %s' "$(wc -c <"$1")" "${sum%% *}"
}

# pallet_directory_make PATH MODE OWNER GROUP PARENTS makes PATH a directory
# (creating missing parents when PARENTS is yes) with exactly that owner,
# group and mode, as the writer pallet_as_writer finds for PATH itself (a
# symlink on the way is followed, walked like the rest): a directory
# another user made there first is theirs, never adopted. One exception:
# when PATH is already a directory of OWNER's, in a directory that only
# root controls the way to and only root may write in (no sticky shared
# one, where OWNER could rename PATH and plant a symlink), no one but root
# can swap PATH's entry, so root sets its owner, group and mode itself:
# OWNER's own chmod would lose the setgid bit for a GROUP OWNER is not in
# (the kernel drops it), and the step would never converge.
pallet_directory_make() {
  local path=$1 owner=$3 parent uid want mode
  if [[ -d $path && ! -L $path ]]; then
    pallet_dirname "$path"
    parent=$PALLET_DIR
    if [[ -n $owner && $owner != *[!0-9]* ]]; then
      want=$owner
    elif [[ $owner == root ]]; then
      want=0
    else
      want=$(exec id -u -- "$owner" 2>/dev/null) || want=
    fi
    uid=$(stat -c %u -- "$path") || return 1
    if [[ -n $want && $uid == "$want" ]] &&
      pallet_file_writer "$parent" 0 2>/dev/null && [[ $PALLET_WRITER == root ]] &&
      mode=$(stat -L -c %a -- "$parent") && [[ -n $mode && $mode != *[!0-7]* ]] && ! ((8#$mode & 8#022)); then
      pallet_directory_make_as "$@"
      return
    fi
  fi
  pallet_as_writer "$1" "$3" follow pallet_directory_make_as "$@"
}

# pallet_directory_make_as PATH MODE OWNER GROUP PARENTS is
# pallet_directory_make's work, run by the writer pallet_as_writer found. A
# symlink or a file at PATH is an error, never replaced. What is missing
# is made one entry at a time (mkdir, never -p, which would follow a
# symlink planted meanwhile), and PATH walked again after each: the
# writer must still be this one, so the directory it then chowns and
# chmods is one it made or owned already, which no one else can replace.
# A setgid bit the kernel dropped (a user's chmod, for a group the user
# is not in) fails the step, saying so.
# One case needs neither the second walk nor all of chown and chmod: root
# making PATH itself, the one entry missing, in a directory only root
# makes entries in (the walk pallet_as_writer has just done says so:
# PALLET_WRITER_MISSING, PALLET_WRITER_SHARED). No one else can have made
# it first, so it is made with its mode at once (mkdir -m), for a mode
# that no one else may write or that has no special bits (a setgid bit
# the directory inherits is put right with chmod), and, when it is not to
# be root's, by install -d, which chowns it too; the step's check proves
# the result.
pallet_directory_make_as() {
  local path=$1 mode=$2 owner=$3 group=$4 parents=$5 me prefix='' i made=no fresh=no
  local -a parts
  me=$EUID
  if ((me == 0)); then
    me=root
  fi
  pallet_path_parts "$path"
  for ((i = 0; i < ${#parts[@]}; i++)); do
    prefix=$prefix/${parts[i]}
    if [[ -e $prefix || -L $prefix ]]; then
      continue
    fi
    if ((i + 1 < ${#parts[@]})) && [[ $parents != yes ]]; then
      printf 'pallet: cannot make %s: %s does not exist (recursive makes it)\n' "$path" "$prefix" >&2
      return 1
    fi
    if [[ $me == root && $made == no && $((i + 1)) == "${#parts[@]}" && ${PALLET_WRITER_SHARED-yes} == no &&
      ${PALLET_WRITER_MISSING-} == "$prefix" ]] && ! ((8#$mode & 8#7022)); then
      if [[ ($owner == root || $owner == 0) && ($group == root || $group == 0) ]]; then
        mkdir -m "$mode" -- "$prefix" || return 1
        fresh=yes
        break
      fi
      # one process for mkdir, chown and chmod, in that order (GNU
      # install -d: the entry is missing and its directory root's alone,
      # so the one it makes is the one it chowns), and the mode exactly
      # MODE (a setgid bit the directory would hand down is cleared)
      install -d -m "$mode" -o "$owner" -g "$group" -- "$prefix" || return 1
      return 0
    fi
    if ! mkdir -- "$prefix" && [[ ! -e $prefix && ! -L $prefix ]]; then
      return 1
    fi
    made=yes
    pallet_file_writer "$path" "$owner" || return 1
    if [[ $PALLET_WRITER != "$me" ]]; then
      printf 'pallet: refusing to make %s: %s was made by someone else meanwhile\n' "$path" "$prefix" >&2
      return 1
    fi
  done
  if [[ -L $path || ( -e $path && ! -d $path ) ]]; then
    printf 'pallet: %s exists and is not a directory: remove it first\n' "$path" >&2
    return 1
  fi
  if [[ $fresh == yes && ! -g $path ]]; then
    if [[ ($owner == root || $owner == 0) && ($group == root || $group == 0) && -O $path && -G $path ]]; then
      return 0
    fi
    chown -h -- "$owner:$group" "$path" || return 1
    return 0
  fi
  pallet_file_set_meta "$path" "$mode" "$owner" "$group" || return 1
  if ((8#$mode & 8#2000)) && [[ ! -g $path ]]; then
    printf 'pallet: %s lost its setgid bit: %s, who sets its mode here (the way to it is not root'"'"'s alone), is not in group %s, and the kernel drops the bit for a non-member; put %s in %s, or make the directory holding %s root'"'"'s\n' "$path" "$(id -un)" "$group" "$(id -un)" "$group" "$path" >&2
    return 1
  fi
}

# pallet_dirname PATH sets PALLET_DIR to what dirname PATH prints (PATH's
# directory: /a/b/ gives /a, b gives ., / gives /), without a process.
pallet_dirname() {
  local p=$1
  while [[ $p == */ && $p != / ]]; do
    p=${p%/}
  done
  if [[ $p != */* ]]; then
    PALLET_DIR=.
    return 0
  fi
  p=${p%/*}
  while [[ $p == */ ]]; do
    p=${p%/}
  done
  PALLET_DIR=${p:-/}
}

# pallet_file_entry PATH ENTRY META WANT SHARED LAST is pallet_file_writer's
# look at one entry on the way to PATH: ENTRY itself, never where a symlink
# leads, as META says, the line pallet_stat_walk gave for it
# (the walk stats every entry it will look at in one stat). SHARED is yes when the directory holding ENTRY is writable by
# others and sticky (as /tmp), LAST is yes for PATH's own entry, WANT is
# the uid of the owner asked for, or * for whoever it is (a read, which
# its owner may do). It sets PALLET_ENTRY (no output, so the walk calls it
# without a subshell) to what the walk does next:
#   owner UID  ENTRY is another user's, UID, and WANT's: the work runs
#              as UID;
#   link    a symlink root owns: follow it (or, last, replace it);
#   dir     a directory root owns, only root writes in it;
#   shared  a directory root owns, writable by others but sticky;
#   file    PATH's own entry, neither directory nor symlink.
# Otherwise it refuses, naming ENTRY and why, and fails. Another user's
# entry is theirs when it is a directory or a symlink (at any depth), or
# anything at all in a sticky shared directory, where they may rename or
# remove it; a directory gone through that others may write without the
# sticky bit lets them swap what it holds. A file of root's in a sticky
# shared directory with more than one link is refused too: with
# fs.protected_hardlinks=0 anyone may hard-link /etc/shadow into /tmp, and
# root would read it there, or chmod and chown it. Any command failing,
# or an owner, mode or link count that is not a number, is a refusal.
pallet_file_entry() {
  local path=$1 entry=$2 meta=$3 want=$4 shared=$5 last=$6 uid mode links name type
  PALLET_ENTRY=
  # UID MODE LINKS GID TYPE USER:GROUP, cut as pallet_stat_line does (a
  # cutter the three share, a call and an array more, made a look half as
  # slow again: 54 against 83 us for a line and its check)
  uid=${meta%%' '*} name=${meta#*' '}
  mode=${name%%' '*} name=${name#*' '}
  links=${name%%' '*} name=${name#*' '}
  name=${name#*' '}
  type=${name%%' '*} name=${name#*' '}
  name=${name%%:*}
  if [[ $meta != ?*' '?*' '?*' '?*' '?*' '?* || -z $uid || -z $mode || -z $links || -z $type || $uid$links == *[!0-9]* || $mode == *[!0-7]* ]]; then
    echo "pallet: refusing to write $path: cannot read the owner and mode of $entry" >&2
    return 1
  fi
  if ((uid != 0)) && [[ $type == directory || $type == symlink || $shared == yes ]]; then
    if [[ $uid == "$want" || $want == '*' ]]; then
      PALLET_ENTRY="owner $uid"
      return 0
    fi
    echo "pallet: refusing to write $path: $entry belongs to $name, who could swap what it holds for a symlink while root writes; only a file owned by $name is written there (as $name)" >&2
    return 1
  fi
  case $type in
    symlink)
      PALLET_ENTRY='link'
      ;;
    directory)
      if [[ $last == yes ]] || ! ((8#$mode & 8#022)); then
        PALLET_ENTRY='dir'
      elif ((8#$mode & 8#1000)); then
        PALLET_ENTRY='shared'
      else
        echo "pallet: refusing to write $path: $entry is group- or world-writable without the sticky bit (mode $mode), so others could swap what it holds for a symlink while root writes" >&2
        return 1
      fi
      ;;
    *)
      if [[ $last != yes ]]; then
        echo "pallet: refusing to write $path: $entry is not a directory" >&2
        return 1
      fi
      if [[ $shared == yes ]] && ((links > 1)); then
        echo "pallet: refusing to write $path: $entry has $links hard links in a directory others write in: someone may have linked a file of root's there (fs.protected_hardlinks=0); remove it" >&2
        return 1
      fi
      PALLET_ENTRY='file'
      ;;
  esac
}

# pallet_file_is PATH MODE OWNER GROUP succeeds when PATH is a regular file
# whose content equals stdin and whose mode, owner and group are as given.
# It reads as whoever controls the way to PATH (pallet_as_reader): a user's
# symlink or hard link to /etc/shadow is never read as root.
pallet_file_is() {
  pallet_as_reader "$1" replace pallet_file_is_as "$@"
}

# pallet_file_is_as PATH MODE OWNER GROUP is pallet_file_is's check, run by
# the reader pallet_as_reader found. PATH is read with pallet_file_read, so
# a FIFO there fails at once; a symlink fails. The content is compared
# through a pipe of this shell's own (cat), not by reopening stdin through
# /proc/self/fd: a pipe root made is not for a user to reopen. Root may
# reopen its own, and does, with no cat and no process substitution.
# Where root has just walked the way to PATH and found it root's alone
# (PALLET_ROOT_WAY), the walk's own line for PATH (PALLET_WALK_META) gives
# the owner and mode, which no one else can have changed since: no stat
# of its own. The owner and mode are compared first, the content after.
pallet_file_is_as() {
  local path=$1 mode=$2 owner=$3 group=$4
  [[ -f $path && ! -L $path ]] || return 1
  if ((EUID == 0)) && [[ ${PALLET_ROOT_WAY-} == "$path" && ${PALLET_WALK_FINAL-} == "$path" ]]; then
    pallet_meta_line_is "$PALLET_WALK_META" "$mode" "$owner" "$group" || return 1
  else
    pallet_meta_is "$path" "$mode" "$owner" "$group" || return 1
  fi
  if ((EUID == 0)); then
    pallet_file_read "$path" cmp -s -- /proc/self/fd/3 - 3<&0 || return 1
  else
    pallet_file_read "$path" cmp -s -- /proc/self/fd/3 - 3< <(cat) || return 1
  fi
}

# pallet_file_line_awk is|edit|write ACTION LINE MATCH reads a text file
# on stdin for pallet_file_line: "is" exits 0 when it is as ACTION wants,
# "edit" prints it as it should be, and "write" does as edit, then exits 0
# when what it printed is as "is" wants it, 98 when not.
pallet_file_line_awk() {
  PALLET_LINE=$3 PALLET_MATCH=$4 awk -v op="$1" -v action="$2" '
    BEGIN { line = ENVIRON["PALLET_LINE"]; re = ENVIRON["PALLET_MATCH"]; first = 0; has = 0 }
    {
      text[NR] = $0
      if ($0 == line) has = 1
      if (re != "" && !first && $0 ~ re) first = NR
    }
    function hit(s) { return re != "" ? s ~ re : s == line }
    END {
      if (op == "is") {
        if (action == "present") exit (first ? text[first] != line : !has)
        for (i = 1; i <= NR; i++) if (hit(text[i])) exit 1
        exit 0
      }
      n = 0
      for (i = 1; i <= NR; i++) {
        if (action == "present") out[++n] = (i == first ? line : text[i])
        else if (!hit(text[i])) out[++n] = text[i]
      }
      if (action == "present" && !first && !has) out[++n] = line
      for (i = 1; i <= n; i++) print out[i]
      if (op != "write") exit 0
      # what was printed, read as "is" reads it
      first = 0; has = 0
      for (i = 1; i <= n; i++) {
        if (out[i] == line) has = 1
        if (re != "" && !first && out[i] ~ re) first = i
      }
      if (action == "present") exit (first ? out[first] != line : !has) ? 98 : 0
      for (i = 1; i <= n; i++) if (hit(out[i])) exit 98
      exit 0
    }
  '
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
# Where pallet_as_reader or pallet_as_writer, running this as root, have
# just walked PATH and found that only root controls the way to it
# (PALLET_ROOT_WAY is PATH), and PATH is no symlink, no one else can swap
# anything in between the test and the open: root opens it directly, with
# no subshell and no watchdog, two processes fewer.
pallet_file_read() {
  local path=$1 kind
  shift
  if [[ ! -f $path ]]; then
    kind=$(exec stat -L -c %F -- "$path" 2>/dev/null) || kind='missing or unreadable'
    printf 'pallet: %s is not a regular file (%s): not reading it\n' "$path" "$kind" >&2
    return 1
  fi
  if ((EUID == 0)) && [[ ${PALLET_ROOT_WAY-} == "$path" && ! -L $path ]]; then
    "$@" <"$path"
    return
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

# pallet_file_set_meta PATH MODE OWNER GROUP gives PATH exactly that owner,
# group and octal mode. chown goes first because it may clear the setuid and
# setgid bits; the mode is given with five digits because GNU chmod keeps a
# directory's setuid and setgid bits for a shorter numeric mode. chown -h
# never follows a symlink; chmod would, so PATH must be an entry only the
# caller controls, in a directory only the caller controls: callers ask
# pallet_file_writer for PATH itself first (an entry another user owns in
# a sticky directory is theirs, never chowned or chmodded by root), or give
# a temporary file they just made. A symlink is refused.
# A file pallet_new_file has just made with MODE gets no chmod when the
# stat server (no process) shows it has MODE indeed, after the chown.
pallet_file_set_meta() {
  local path=$1 mode=$2 owner=$3 group=$4 five m
  if [[ -L $path ]]; then
    echo "pallet: $path is a symlink: not setting its owner and mode through it" >&2
    return 1
  fi
  if ((EUID == 0)) && [[ ($owner == root || $owner == 0) && ($group == root || $group == 0) && -O $path && -G $path ]]; then
    : # root's own and to be root's (no setgid directory gave it another group): no chown to make
  else
    chown -h -- "$owner:$group" "$path"
  fi
  if [[ -n ${PALLET_NEW_FILE-} && $PALLET_NEW_FILE == "$path" && $PALLET_NEW_MODE == "$mode" && -n ${PALLET_STATD_PID-} ]] &&
    pallet_stat_walk "$path"; then
    m=${PALLET_STATS[0]#* } m=${m%% *}
    if ((8#$m == 8#$mode)); then
      return 0
    fi
  fi
  printf -v five '%05o' "$((8#$mode))"
  chmod -- "$five" "$path"
}

# pallet_file_writer PATH OWNER [replace] sets PALLET_WRITER to who may
# write PATH (which need not exist yet) as a file or directory owned by
# OWNER (a name or uid): root, or OWNER's uid, or no one (it fails, saying
# why, and PALLET_WRITER is empty). It prints nothing, so callers need no
# subshell to hear the answer. OWNER * asks who
# may read PATH: root, or the uid of whoever else controls the way to it
# (pallet_as_reader). It walks PATH as
# given, one entry at a time from /, down to PATH itself when it exists,
# and asks pallet_file_entry about each: root writes when only root can
# change every one of them; OWNER writes (pallet_as_user) when the first
# entry owned by another user is OWNER's, who can then only hurt
# themselves. A symlink root owns is followed and its target walked the
# same way; with "replace", a final one is not (the caller replaces it),
# and root replaces it whoever owns it when only root controls its
# directory, since its owner cannot change it there.
# Root writing by name where someone else can swap entries would follow
# the symlinks they plant (into /etc/shadow, say) between its steps.
# The entries a pass will look at (from cur down to the first symlink or
# "..") are looked at in one pallet_stat_walk, not one each: a fork and exec costs more
# than all the rest of the walk. Each is still judged in order, and the
# walk stops at the first that is not root's alone, as before.
# PALLET_WALK_FINAL and PALLET_WALK_META are PATH and the walk's line for
# it (pallet_stat_walk's), when the walk got to PATH itself.
# Where the walk stops at an entry that is not there, root is the writer,
# PALLET_WRITER_MISSING is that entry and PALLET_WRITER_SHARED says
# whether the directory it is to be made in is a shared one, as /tmp:
# "no" means only root makes entries there, so what root makes there no
# one else can have made first. Otherwise they are empty and "yes".
pallet_file_writer() {
  local path=$1 owner=$2 final=${3:-} want='' cur next part rest kind last shared=no hops=0 probe at m
  local -a todo parts list meta
  PALLET_WRITER=
  PALLET_WALK_FINAL='' PALLET_WALK_META=''
  # shellcheck disable=SC2034 # read by pallet_directory_make_as
  PALLET_WRITER_SHARED=yes PALLET_WRITER_MISSING=
  if [[ $path != /* ]]; then
    echo "pallet: refusing to write $path: not an absolute path" >&2
    return 1
  fi
  if [[ -n $owner && $owner != *[!0-9]* || $owner == '*' ]]; then
    want=$owner
  elif [[ $owner == root ]]; then
    want=0
  fi
  todo=() cur=/ rest=$path
  while :; do
    # rest (a path or a symlink's target) goes in front of what is left
    pallet_path_parts "$rest"
    todo=("${parts[@]}" "${todo[@]}")
    # what this pass looks at: / when it starts there, then each entry
    # of todo that is there, up to a symlink or ".." (after which the
    # walk goes elsewhere)
    list=()
    if [[ $cur == / ]]; then
      list=(/)
    fi
    probe=${cur%/}
    for part in "${todo[@]}"; do
      [[ $part != .. ]] || break
      probe=$probe/$part
      [[ -e $probe || -L $probe ]] || break
      list+=("$probe")
      [[ ! -L $probe ]] || break
    done
    meta=()
    if ((${#list[@]})); then
      pallet_stat_walk "${list[@]}" || return 1
      meta=("${PALLET_STATS[@]}")
      if ((${#meta[@]} != ${#list[@]})); then
        echo "pallet: refusing to write $path: cannot read the owners and modes on the way to it" >&2
        return 1
      fi
    fi
    at=0
    if [[ $cur == / ]]; then
      # / must be root's whoever OWNER is: no uid is ""
      pallet_file_entry "$path" / "${meta[0]}" '' no no || return 1
      at=1
      shared=no
      if [[ $PALLET_ENTRY == shared ]]; then
        shared=yes
      fi
    fi
    while ((${#todo[@]})); do
      part=${todo[0]}
      todo=("${todo[@]:1}")
      if [[ $part == .. ]]; then
        # cur holds no symlink: walk its parent again from /
        rest=${cur%/*}
        cur=/
        continue 2
      fi
      next=${cur%/}/$part
      if [[ ! -e $next && ! -L $next ]]; then
        # the rest is made in cur, which only root controls (or, shared,
        # where others may make entries too: PALLET_WRITER_SHARED says)
        PALLET_WRITER='root'
        # shellcheck disable=SC2034 # read by pallet_directory_make_as
        PALLET_WRITER_SHARED=$shared PALLET_WRITER_MISSING=$next
        return 0
      fi
      last=no
      if ((${#todo[@]} == 0)); then
        last=yes
      fi
      if [[ $last == yes && $final == replace && $shared == no && -L $next ]]; then
        # A symlink to replace, in a directory only root controls: whoever
        # owns it cannot change it (its text is fixed; renaming or removing
        # it takes that directory), so root replaces it.
        break
      fi
      if ((at < ${#list[@]})) && [[ ${list[at]} == "$next" ]]; then
        m=${meta[at]}
        at=$((at + 1))
      else
        # made since the pass began: stat it alone
        pallet_stat_walk "$next" || return 1
        m=${PALLET_STATS[0]}
      fi
      # OWNER's uid is looked up (a process) only when it matters: for an
      # entry that is not root's
      if [[ -z $want && ${m%% *} != 0 ]]; then
        want=$(exec id -u -- "$owner" 2>/dev/null) || want=-
      fi
      pallet_file_entry "$path" "$next" "$m" "$want" "$shared" "$last" || return 1
      if [[ $last == yes ]]; then
        # for a check that reads PATH's owner and mode next
        # (pallet_file_is_as): the walk's own line for it
        # shellcheck disable=SC2034 # read by pallet_file_is_as
        PALLET_WALK_FINAL=$next PALLET_WALK_META=$m
      fi
      kind=$PALLET_ENTRY
      case $kind in
        'owner '*)
          PALLET_WRITER=${kind#owner }
          return 0
          ;;
        link)
          if [[ $last == yes && $final == replace ]]; then
            break
          fi
          if ((++hops > 40)); then
            echo "pallet: refusing to write $path: too many symlinks" >&2
            return 1
          fi
          rest=$(readlink -- "$next") || return 1
          if [[ -z $rest ]]; then
            return 1
          fi
          if [[ $rest == /* ]]; then
            cur=/
          fi
          continue 2
          ;;
        dir | shared)
          shared=no
          if [[ $kind == shared ]]; then
            shared=yes
          fi
          cur=$next
          ;;
        file) ;;
        *)
          return 1
          ;;
      esac
    done
    break
  done
  PALLET_WRITER='root'
}

# pallet_meta_is PATH MODE OWNER GROUP succeeds when PATH has that octal
# mode, owner and group (names or numeric ids).
# It fails only by its explicit returns, so it means the same as a condition
# (proof || exit 98 in an {{ apply_checked }}), where set -e is off.
pallet_meta_is() {
  pallet_stat_walk "$1" || return 1
  pallet_meta_line_is "${PALLET_STATS[0]}" "$2" "$3" "$4"
}

# pallet_meta_line_is LINE MODE OWNER GROUP succeeds when LINE, a line
# pallet_stat_walk gave, has that octal mode, owner and group (names or
# numeric ids). It fails only by its explicit returns.
pallet_meta_line_is() {
  local mode=$2 owner=$3 group=$4 want hmode names huid hgid
  printf -v want '%o' "$((8#$mode))"
  # UID MODE LINKS GID TYPE USER:GROUP, cut as pallet_stat_line does (a
  # cutter the three share, a call and an array more, made a look half as
  # slow again: 54 against 83 us for a line and its check)
  [[ $1 == ?*' '?*' '?*' '?*' '?*' '?* ]] || return 1
  huid=${1%%' '*} names=${1#*' '}
  hmode=${names%%' '*} names=${names#*' '}
  names=${names#*' '}
  hgid=${names%%' '*} names=${names#*' '}
  names=${names#*' '}
  [[ $hmode == "$want" ]] || return 1
  [[ ${names%%:*} == "$owner" || $huid == "$owner" ]] || return 1
  [[ ${names#*:} == "$group" || $hgid == "$group" ]]
}

# pallet_new_file PATH creates PATH as a new, empty file only its owner may
# read (what mktemp makes), exclusively: it fails if anything is at PATH,
# and noclobber opens it O_EXCL, so a regular file put there (through a
# symlink too) makes the open fail. bash's noclobber opens what is there
# without O_EXCL when it is not a regular file (a symlink to /dev/null, or
# to a FIFO, whose open would wait for a writer): so PATH is refused when
# there is anything at it before the open, and the file made must be a
# regular file of its own, not a symlink, after. It starts no process:
# the umask (077 while the file is made) is read back from
# /proc/self/status rather than from a $(umask) subshell, and where that
# has no Umask line the file is made in a subshell instead.
# pallet_new_file PATH MODE, as root and for a MODE within 0666, creates it
# with MODE at once (the umask is MODE's complement while it is made), so
# that pallet_file_set_meta needs no chmod: a rename-into-place file that
# is to be 0644 holds nothing another user may not read once it is in
# place. PALLET_NEW_FILE and PALLET_NEW_MODE then say so; the mode the
# kernel gave is still looked at before it counts (a default ACL on the
# directory decides the mode instead of the umask).
pallet_new_file() {
  local - k v mask='' rc=0 make=077 m=${2-}
  PALLET_NEW_FILE='' PALLET_NEW_MODE=''
  # MODE: three octal digits, or four with a leading 0 (globs, not a
  # regex compiled at each call)
  if [[ ${#m} == 4 && $m == 0* ]]; then
    m=${m#0}
  fi
  if ((EUID == 0)) && [[ ${#m} == 3 && $m != *[!0-7]* ]] && ! ((8#$2 & 8#7111)); then
    printf -v make '%03o' "$((8#777 & ~8#$2))"
  fi
  while read -r k v; do
    if [[ $k == Umask: ]]; then
      mask=$v
      break
    fi
  done </proc/self/status 2>/dev/null || true
  set -C
  if [[ -e $1 || -L $1 ]]; then
    echo "pallet: cannot create $1: it is there already" >&2
    return 1
  fi
  if [[ -z $mask || $mask == *[!0-7]* ]]; then
    # no umask to set back: made owner-only, in a subshell
    make=077
    (
      umask 077
      : >"$1"
    ) || return
  else
    umask "$make"
    { : >"$1"; } 2>/dev/null || rc=$?
    umask "$mask"
  fi
  if ((rc == 0)) && [[ -L $1 || ! -f $1 || ! -O $1 ]]; then
    echo "pallet: $1 is not the regular file made for it: something else was put there" >&2
    return 1
  fi
  if ((rc != 0)); then
    echo "pallet: cannot create $1: it is there already, or its directory refuses" >&2
  elif [[ $make != 077 ]]; then
    # shellcheck disable=SC2034 # read by pallet_file_set_meta
    PALLET_NEW_FILE=$1 PALLET_NEW_MODE=$2
  fi
  return "$rc"
}

# pallet_passwd USER sets PALLET_PASSWD to USER's passwd line (a name, or
# a uid when USER is all digits), what getent passwd USER prints, and
# fails when there is none. Where the name service asks /etc/passwd first
# (nsswitch.conf: "passwd: files ..."), a line found there is the answer,
# as glibc's own lookup would find it first: bash reads it, with no
# process. Where it asks /etc/passwd alone ("passwd: files"), a user with
# no line there is no user: glibc would ask nothing else, so neither does
# getent (a new user's first look costs no process). Anywhere else, or
# when /etc/passwd has a line glibc reads otherwise (leading blanks, NIS
# compat) before the answer, getent answers (LDAP, sssd, systemd's
# dynamic users, busybox). Comments are skipped, as glibc skips them; a
# uid is compared as a number (01001 is 1001, as glibc reads it).
# /etc/passwd is read by one mapfile and its lines tested with globs and
# expansions, each line costing a few commands: a read a line (two system
# calls each) and a here-string a line for a uid cost several times as
# much, and an expansion over the whole file is quadratic in bash.
pallet_passwd() {
  local user=$1 k v line files=no byname=yes
  local -a lines=()
  PALLET_PASSWD=
  if [[ -n $user && $user != *:* && $user != '#'* && -f /etc/nsswitch.conf && -f /etc/passwd && ! -L /etc/passwd ]]; then
    while read -r k v; do
      if [[ $k == passwd: ]]; then
        if [[ $v == files ]]; then
          files=only
        elif [[ $v == files[[:space:]]* ]]; then
          files=yes
        fi
        break
      fi
    done </etc/nsswitch.conf
  fi
  if [[ $files != no ]]; then
    [[ -n ${user//[0-9]/} ]] || byname=no
    mapfile -t lines </etc/passwd || files=no
    for line in "${lines[@]}"; do
      case $line in
        '#'*)
          # a comment, as glibc skips it
          continue
          ;;
        [[:space:]]* | [+-]*)
          # read otherwise by glibc (leading blanks, NIS compat): ask it
          files=no
          break
          ;;
        "$user:"*)
          if [[ $byname == yes ]]; then
            PALLET_PASSWD=$line
            return 0
          fi
          ;;
      esac
      [[ $byname == no && $line == *:*:* ]] || continue
      # the third field, a number
      k=${line#*:} k=${k#*:} k=${k%%:*}
      if [[ -n $k && $k != *[!0-9]* ]] && ((10#$k == 10#$user)); then
        PALLET_PASSWD=$line
        return 0
      fi
    done
    [[ $files != only ]] || return 2
  fi
  PALLET_PASSWD=$(getent passwd "$user")
}

# pallet_path_parts PATH sets the caller's array parts to PATH's entries in
# order, empty and "." ones dropped: /a//b/./c gives a b c. ".." is kept:
# what it means depends on the symlinks before it. The one place a helper
# splits a path (the caller declares local -a parts).
pallet_path_parts() {
  local rest=$1 part
  parts=()
  while [[ -n $rest ]]; do
    part=${rest%%/*}
    if [[ $rest == */* ]]; then
      rest=${rest#*/}
    else
      rest=
    fi
    if [[ -n $part && $part != . ]]; then
      parts+=("$part")
    fi
  done
}

# pallet_payload SHA256 prints the path of the payload with that sha256,
# <SHA256>.payload beside the script (pallet-run uploads a script's
# payloads into its private upload directory; palletc build writes them
# beside the script), once its content is known to have that sha256. A
# payload that is missing, not a regular file or changed fails, saying so,
# and prints nothing, so the command it was to feed fails too.
# pallet_payload SHA256 SALT is the same for a secret payload, whose
# SHA256 is sha256(SALT || content): the script never holds a secret's
# own sha256.
pallet_payload() {
  local want=$1 salt=${2-} script dir file have
  script=${BASH_SOURCE[${#BASH_SOURCE[@]} - 1]}
  dir=.
  [[ $script == */* ]] && dir=${script%/*}
  file=$dir/$want.payload
  if [[ ! -f $file || -L $file ]]; then
    printf 'pallet: payload %s is missing: it must be beside the script, as pallet-run uploads it and palletc build writes it\n' "$file" >&2
    return 1
  fi
  have=$(pallet_file_read "$file" pallet_salted_sha256 "$salt") || return 1
  have=${have%% *}
  if [[ $have != "$want" ]]; then
    printf 'pallet: payload %s has sha256 %s, the script wants %s: it changed after palletc compiled it; not using it\n' "$file" "$have" "$want" >&2
    return 1
  fi
  printf '%s\n' "$file"
}

# pallet_pkg_dpkg_state installed|absent PKG... succeeds when every PKG is
# installed, or when none of them is. Installed is dpkg's "installed"
# state, the second letter of the status ("ii", or "hi" when held); a
# package removed but not purged ("rc") counts as absent.
pallet_pkg_dpkg_state() {
  local want=$1 p status
  shift
  for p in "$@"; do
    status=$(exec dpkg-query -W -f '${db:Status-Abbrev}' -- "$p" 2>/dev/null) || status=
    if [[ ${status:1:1} == i ]]; then
      [[ $want == installed ]] || return 1
    else
      [[ $want == absent ]] || return 1
    fi
  done
}

# pallet_salted_sha256 SALT prints sha256(SALT || stdin), as sha256sum
# does ("HEX  -"); with an empty SALT, stdin's own sha256. Secret content
# is pinned so (see pallet_payload).
pallet_salted_sha256() {
  { printf '%s' "$1"; cat; } | sha256sum
}

# pallet_ssh_key_authorize USER KEY makes KEY a line of USER's
# ~/.ssh/authorized_keys, once: the other lines stay as they are, in their
# order, and KEY is appended when it is not there. The file is rewritten
# atomically, 0600 in a 0700 ~/.ssh, owned by USER and its primary group.
# All of it runs as USER (pallet_as_user): USER owns ~ and can swap what it
# holds at any moment, so root must not touch a path under it. In the same
# drop it then checks as pallet_ssh_key_authorized does, and fails with 98
# when that does not hold: one drop for the change and its proof.
pallet_ssh_key_authorize() {
  local user=$1 key=$2 entry uid gid home
  if ! pallet_passwd "$user"; then
    echo "no user $user: create it first (user crate)" >&2
    return 1
  fi
  entry=$PALLET_PASSWD
  IFS=: read -r _ _ uid gid _ home _ <<<"$entry"
  # shellcheck disable=SC2034 # read by pallet_as_user
  local PALLET_AS_ENTRY=$entry
  pallet_as_user "$user" pallet_ssh_key_user set "$user" "$uid" "$gid" "$home" "$key" </dev/null
}

# pallet_ssh_key_authorized USER KEY succeeds when KEY is a line of USER's
# ~/.ssh/authorized_keys and both are as sshd's StrictModes wants them:
# real (not symlinks), owned by USER and its primary group, the directory
# 0700 and the file 0600. It looks as USER (pallet_as_user), so a symlink
# USER planted leads nowhere USER could not read anyway.
pallet_ssh_key_authorized() {
  local user=$1 key=$2 entry uid gid home
  pallet_passwd "$user" || return 1
  entry=$PALLET_PASSWD
  IFS=: read -r _ _ uid gid _ home _ <<<"$entry"
  # no ~/.ssh at all (as pallet_file_writer's walk asks whether an entry
  # is there: -e and -L, reading nothing): the key is not there, and no
  # drop is needed to say so. Whatever USER did to make it seem so, the
  # apply then runs as USER, and finds out for itself.
  if [[ -d $home && ! -L $home && ! -e $home/.ssh && ! -L $home/.ssh ]]; then
    return 1
  fi
  # shellcheck disable=SC2034 # read by pallet_as_user
  local PALLET_AS_ENTRY=$entry
  pallet_as_user "$user" pallet_ssh_key_user is "$user" "$uid" "$gid" "$home" "$key" </dev/null
}

# pallet_ssh_key_has KEY succeeds when a line of stdin is KEY: bash's
# read, so that the check runs no awk (a last line without a newline
# counts too).
pallet_ssh_key_has() {
  local line
  while IFS= read -r line || [[ -n $line ]]; do
    if [[ $line == "$1" ]]; then
      return 0
    fi
  done
  return 1
}

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

# pallet_stat_gone PATH... removes those of the FIFOs and the data file
# pallet_stat_serve made that are there: each only while it is a FIFO or
# a regular file of root's, never a file someone else put at the name.
pallet_stat_gone() {
  local f
  local -a gone=()
  for f in "$@"; do
    if [[ (-p $f || -f $f) && -O $f && ! -L $f ]]; then
      gone+=("$f")
    fi
  done
  if ((${#gone[@]})); then
    rm -f -- "${gone[@]}" || return 0
  fi
}

# pallet_stat_line "UID MODE LINKS GID KIND NAMES" adds to PALLET_STATS the
# line pallet_stat_walk gives, KIND made a word: KIND is find's %y (a
# letter) or stat's %f (the raw mode, in hex). It fails on anything else.
# The fields are cut with expansions and checked with globs: a read from
# a here-string (a pipe, read a byte at a time) and a regex (compiled at
# each test) cost more than the rest of a look.
pallet_stat_line() {
  local uid mode links gid kind names type rest=$1
  # one space between the fields, the names last (they may hold spaces)
  [[ $rest == ?*' '?*' '?*' '?*' '?*' '?* ]] || return 1
  uid=${rest%%' '*} rest=${rest#*' '}
  mode=${rest%%' '*} rest=${rest#*' '}
  links=${rest%%' '*} rest=${rest#*' '}
  gid=${rest%%' '*} rest=${rest#*' '}
  kind=${rest%%' '*} names=${rest#*' '}
  [[ -n $uid && -n $mode && -n $links && -n $gid && -n $kind && $uid$links$gid != *[!0-9]* && $mode != *[!0-7]* ]] || return 1
  if ((${#kind} > 1)) && [[ $kind != *[!0-9a-f]* ]]; then
    case $((16#$kind & 16#f000)) in
      $((16#8000))) kind=f ;;
      $((16#4000))) kind=d ;;
      $((16#a000))) kind=l ;;
      $((16#1000))) kind=p ;;
      $((16#c000))) kind=s ;;
      $((16#2000))) kind=c ;;
      $((16#6000))) kind=b ;;
      *) return 1 ;;
    esac
  fi
  case $kind in
    f) type='file' ;;
    d) type=directory ;;
    l) type=symlink ;;
    p) type=fifo ;;
    s) type=socket ;;
    c) type=char ;;
    b) type=block ;;
    *) return 1 ;;
  esac
  PALLET_STATS+=("$uid $mode $links $gid $type $names")
}

# pallet_stat_serve starts, for a script run as root, the stat server
# pallet_stat_walk asks: one find (GNU findutils 4.9 and later:
# -files0-from) that reads paths from one FIFO (.q) and writes, for each,
# the path and what lstat says of it to a data file (.d), appending; for
# the path /. that ends every batch it writes an end record there and one
# byte to another FIFO (.r). A walk then costs no fork and no exec, where
# a stat costs both (about a millisecond on a small node; a first run
# makes some twenty). The three are root's, 0600, made new in /tmp under
# one random name: the data file first (pallet_new_file: nothing that was
# there is opened), before anything shows the name, then the FIFOs
# (mkfifo neither follows nor reuses anything there); the sticky bit keeps
# anyone else from renaming or removing them. They are listed for
# pallet-run's wrapper to remove however the script ends. The script
# keeps nothing of them open: each look opens them by name and closes
# them, so no program a step runs inherits a way to the server. find
# holds all three open itself (the question FIFO read-write, so it never
# sees an end), gets SIGKILL from the kernel when the script's bash ends
# however it ends (setpriv --pdeathsig), and pallet_stat_stop ends it and
# removes the files on the script's exit. Each answer ends with -printf's
# \c, which flushes find's output there, before the end byte is written:
# no stdbuf (a program more, and its LD_PRELOAD) to make find's output
# line-buffered. A find that does not give the first answer at once (an
# older findutils) is not used: the script runs stat instead, as it does
# as anyone but root. Where bash is older than 5.2, or find is busybox's,
# or there is no setpriv, it is not tried. PALLET_STAT_SERVER=no turns it
# off.
pallet_stat_serve() {
  local q r d p w
  PALLET_STATD_PID='' PALLET_STATD_R=''
  if ((EUID != 0)) || [[ ${PALLET_STAT_SERVER-} == no ]] ||
    ((BASH_VERSINFO[0] < 5 || (BASH_VERSINFO[0] == 5 && BASH_VERSINFO[1] < 2))); then
    return 0
  fi
  # hash finds the commands as running them would, without a $( ) fork
  hash find mkfifo setpriv 2>/dev/null || return 0
  p=${BASH_CMDS[find]-}
  [[ -x $p && ! -L $p ]] || return 0
  pallet_temp_name /tmp
  q=$PALLET_TEMP.q r=$PALLET_TEMP.r d=$PALLET_TEMP.d
  # it runs before the first step, under errexit: whatever fails here
  # only means no server
  if ! pallet_new_file "$d" 2>/dev/null || ! pallet_tmp_remember "$d" ||
    ! mkfifo -m 0600 -- "$q" "$r" 2>/dev/null || ! pallet_tmp_remember "$q" || ! pallet_tmp_remember "$r"; then
    pallet_stat_gone "$q" "$r" "$d"
    return 0
  fi
  # the first look's question may go in before find is there to read it:
  # the script holds the FIFO open (w) until the answer, or the question
  # would be lost with the last descriptor
  if ! exec {w}<>"$q"; then
    pallet_stat_gone "$q" "$r" "$d"
    return 0
  fi
  # find opens .r for writing when it starts, which waits for the first
  # look to open it: find is in the background, and the question waits
  # in .q
  (
    cd /
    exec setpriv --pdeathsig KILL -- find -files0-from - -maxdepth 0 \( -path /. -printf '/.\0end\0\c' -fprintf "$r" 'E\c' \) -o \
      -printf '%p\0%U %m %n %G %y %u:%g\0\c' 0<>"$q" 1>>"$d" 2>/dev/null {w}>&-
  ) &
  PALLET_STATD_PID=$! PALLET_STATD_R=$r
  trap pallet_stat_stop EXIT
  # the first look, at /: where find gives no answer (an older one ends
  # at once, with no -files0-from) the look has ended the server itself;
  # an answer that is not root's / ends it here
  pallet_stat_walk / >/dev/null 2>&1 || true
  exec {w}>&-
  if [[ -n $PALLET_STATD_PID && ${PALLET_STATS[0]-} != '0 '* ]]; then
    pallet_stat_stop
  fi
}

# pallet_stat_stop ends the stat server pallet_stat_serve started and
# removes its FIFOs and data file (or leaves them to pallet-run's
# wrapper): at the script's exit, and wherever its answers went wrong
# (every later look runs stat).
pallet_stat_stop() {
  local r=${PALLET_STATD_R-} q d
  q=${r%.r}.q d=${r%.r}.d
  if [[ -n ${PALLET_STATD_PID-} ]]; then
    kill "$PALLET_STATD_PID" 2>/dev/null || true
  fi
  # under pallet-run, whose wrapper removes what pallet_tmp_remember
  # listed once the script has ended (in the one rm it runs anyway), the
  # files are left to it
  if [[ -n $r && -z ${PALLET_TMPLIST-} ]]; then
    pallet_stat_gone "$q" "$r" "$d"
  fi
  PALLET_STATD_PID='' PALLET_STATD_R=''
}

# pallet_stat_walk PATH... sets the array PALLET_STATS to one line per
# PATH, in order, of the entry itself (lstat: a symlink is not followed):
#   UID MODE LINKS GID TYPE USER:GROUP
# MODE in octal as stat %a prints it; TYPE one of file, directory,
# symlink, fifo, socket, char, block; the names last (they may hold
# spaces: "domain users"), the ids where there are no names. It fails,
# saying so, when one of them cannot be looked at (missing, or a directory
# on the way that cannot be searched). It fails only by its explicit
# returns, so it means the same as a condition.
# Root asks the stat server pallet_stat_serve started with the script (a
# find already running, so a look costs no fork and no exec, where a stat
# costs both), for absolute paths; anyone else, or root where there is no
# server, runs stat. The server's files (the question FIFO .q, the answer
# FIFO .r and the data file .d) are opened by name for each look, only
# while they are root's (no one else can put anything at a name of root's
# in /tmp, which is sticky), and nothing of theirs stays open after it, so
# no program a step runs can reach the server. find writes the answers to
# the data file, a regular file, which bash reads in one go (mapfile),
# where a FIFO is read a byte at a time, each with its own select and read
# (some 300 system calls a look); the FIFO carries only the one byte that
# says the batch is done: find's answer for /., the path that ends every
# batch and that no caller asks for, which also ends the data with a
# record of its own ("/." "end"), so that data cut short (a full /tmp)
# shows. The answers are named: each carries the path it is for; answers
# that are not for what was asked, in order, or a batch that does not end
# within 10 seconds, end the server (every later look runs stat) and this
# look runs stat.
pallet_stat_walk() {
  local p fd w end c at=0 rc=0 r=${PALLET_STATD_R-} q d
  local -a got=()
  PALLET_STATS=()
  (($#)) || return 0
  q=${r%.r}.q d=${r%.r}.d
  if ((EUID == 0)) && [[ -n ${PALLET_STATD_PID-} && -n $r ]] &&
    [[ -p $r && -O $r && ! -L $r && -p $q && -O $q && ! -L $q && -f $d && -O $d && ! -L $d ]]; then
    for p in "$@"; do
      if [[ $p != /* || $p == */./* || $p == */. ]]; then
        rc=2
        break
      fi
    done
    # find appends (O_APPEND) to the data file, which is emptied before
    # each batch: what is in it after the batch's end is that batch
    if ((rc == 0)) && kill -0 "$PALLET_STATD_PID" 2>/dev/null && { : >"$d"; } 2>/dev/null && exec {fd}<>"$r"; then
      if exec {w}<>"$q"; then
        printf '%s\0' "$@" /. 2>/dev/null 1>&"$w" || rc=5
        exec {w}>&-
        # the batch ends within a fraction of a millisecond; a find that
        # has ended (killed, or one too old for -files0-from, which ends
        # at once) gives no end, and the FIFO no end of file either (this
        # shell holds it open too): the end is waited for 50 ms at a time,
        # sleeping in read (a wait that spins would take the CPU from
        # find), while find is there, for at most 10 s. A read that times
        # out keeps what it got: on a busy node the byte can come in the
        # read that bash then finds past its time.
        end=$((${EPOCHREALTIME/[.,]/} + 10000000))
        c=
        while ((rc == 0)); do
          IFS= read -r -N 1 -t 0.05 -u "$fd" c && break
          (($? > 128)) || rc=5
          [[ -z $c ]] || break
          kill -0 "$PALLET_STATD_PID" 2>/dev/null && ((${EPOCHREALTIME/[.,]/} < end)) || rc=5
        done
        [[ $c == E ]] || rc=5
      else
        rc=5
      fi
      exec {fd}<&-
      # each answer is the path and its line, each ended by a NUL, and
      # the batch's end record last
      if ((rc == 0)) && mapfile -d '' -t got <"$d" && ((${#got[@]} % 2 == 0 && ${#got[@]} >= 2)) &&
        [[ ${got[-2]} == /. && ${got[-1]} == end ]]; then
        got=("${got[@]:0:${#got[@]}-2}")
        rc=3
      fi
    fi
    if ((rc == 3)); then
      # every answer must be for the next path asked, in order; a path
      # with no answer is one that cannot be looked at: stat says why
      rc=0
      for p in "$@"; do
        if ((at < ${#got[@]})) && [[ ${got[at]} == "$p" ]]; then
          pallet_stat_line "${got[at + 1]}" || break
          at=$((at + 2))
        else
          rc=1
        fi
      done
      if ((at == ${#got[@]})); then
        ((rc == 0)) && return 0
        pallet_stat_walk_stat "$@"
        return
      fi
      rc=3
    fi
    if ((rc != 2)); then
      # no answer, or not the answers asked for: no more server
      pallet_stat_stop
    fi
  fi
  pallet_stat_walk_stat "$@"
}

# pallet_stat_walk_stat PATH... is pallet_stat_walk with stat: the same
# lines in PALLET_STATS, stat's own message when one cannot be looked at.
pallet_stat_walk_stat() {
  local out line
  local -a lines=()
  PALLET_STATS=()
  out=$(exec stat -c '%u %a %h %g %f %U:%G' -- "$@") || return 1
  mapfile -t lines <<<"$out"
  ((${#lines[@]} == $#)) || return 1
  for line in "${lines[@]}"; do
    pallet_stat_line "$line" || return 1
  done
  return 0
}

# pallet_stdin_into FILE writes its stdin to FILE, byte for byte. From a
# pipe, its first 4 KiB are read by bash (in pieces between NUL bytes,
# which a bash variable cannot hold, each written back with its NUL), and
# only what is left after that goes through cat: the content a script
# carries inline (a here-string, UTF-8) mostly fits, and then costs no
# fork and exec. From a file (a payload) it is all cat's.
pallet_stdin_into() {
  local data left=4096 rc
  if [[ ! -p /dev/stdin ]]; then
    cat >"$1"
    return
  fi
  {
    while :; do
      rc=0
      IFS= read -r -d '' -n "$left" data || rc=$?
      if ((rc != 0)); then
        # the end of the input: what came before it
        printf '%s' "$data"
        return 0
      fi
      if ((${#data} == left)); then
        printf '%s' "$data"
        cat
        return
      fi
      # a NUL byte ended this piece
      printf '%s\0' "$data"
      left=$((left - ${#data} - 1))
      if ((left <= 0)); then
        cat
        return
      fi
    done
  } >"$1"
}

# pallet_sudoers_included PATH succeeds when sudo reads PATH: visudo -c
# names every file it parsed, so this catches a drop-in whose directory
# /etc/sudoers does not include (no @includedir /etc/sudoers.d) as well as
# a broken sudoers elsewhere.
pallet_sudoers_included() {
  local out
  out=$(exec visudo -c 2>&1) || return 1
  [[ $'\n'$out$'\n' == *$'\n'"$1: parsed OK"$'\n'* ]]
}

# pallet_sudoers_install PATH puts its stdin live as the sudoers drop-in
# PATH, root:root 0440, only once visudo has accepted it: the content goes
# to a temporary file beside PATH, is checked with visudo -cf, then renamed
# over PATH. The temporary name has a '.', so sudo never reads it, and a
# rejected drop-in never goes live: a typo cannot lock anyone out of sudo.
# Root writes there only when pallet_file_writer says only root controls
# the way (a sudoers.d another user could change is refused), and replaces
# only a regular file or a symlink.
pallet_sudoers_install() {
  local path=$1 dir tmp out
  pallet_dirname "$path"
  dir=$PALLET_DIR
  if ! command -v visudo >/dev/null || [[ ! -d $dir ]]; then
    echo "no visudo or no $dir: install sudo first (package crate)" >&2
    return 1
  fi
  pallet_file_writer "$path" root replace || return 1
  if [[ $PALLET_WRITER != root ]]; then
    echo "pallet: refusing to write $path: the way to it is not root's alone" >&2
    return 1
  fi
  if [[ -e $path && ! -L $path && ! -f $path ]]; then
    echo "pallet: $path is not a regular file ($(stat -c %F -- "$path")): remove it, pallet does not replace it" >&2
    return 1
  fi
  pallet_temp_file "$dir" 0440
  tmp=$PALLET_TEMP
  pallet_stdin_into "$tmp"
  # made by root: root's already, unless the directory's setgid bit gave
  # it another group (then chown), and 0440 from the start where the
  # kernel gave that mode (else chmod)
  pallet_file_set_meta "$tmp" 0440 root root
  if ! out=$(exec visudo -cf "$tmp" 2>&1); then
    printf '%s\nvisudo rejected the drop-in for %s; it was not installed\n' "$out" "$path" >&2
    return 1
  fi
  mv -fT -- "$tmp" "$path"
  # the step's proof of the file ({{ apply_checked }}): a regular file,
  # root:root 0440, holding what visudo accepted (the file renamed there,
  # in a directory only root controls)
  if [[ -L $path || ! -f $path ]] || ! pallet_meta_is "$path" 0440 root root; then
    echo "pallet: $path is not as it was written, right after the rename" >&2
    return 98
  fi
}

# pallet_temp_file DIR makes a new temporary file in DIR for a helper that
# renames it into place, and sets PALLET_TEMP to its name
# (pallet_temp_name): the shell's EXIT trap removes it if it is still there
# (pallet_temp_gone), pallet-run's wrapper is told of it in case the script
# is killed before the trap can run (pallet_tmp_remember), and it is
# created exclusively, owner-only (pallet_new_file). The trap is the
# calling shell's: a helper uses one temporary file. In a part that runs
# in the script's own process (pallet_part's inline), the part removes it
# when it ends instead: an EXIT trap there would be the whole script's.
# With MODE, root makes it with that mode at once where it can
# (pallet_new_file PATH MODE).
pallet_temp_file() {
  local q
  pallet_temp_name "$1"
  if [[ -n ${PALLET_INLINE-} && $BASHPID == "${PALLET_PID-}" ]]; then
    PALLET_PART_TEMPS+=("$PALLET_TEMP")
  else
    # the name quoted by printf -v: a $(printf) would fork
    printf -v q '%q' "$PALLET_TEMP"
    # shellcheck disable=SC2064 # expand the name now, quoted
    trap "pallet_temp_gone $q" EXIT
  fi
  pallet_tmp_remember "$PALLET_TEMP"
  pallet_new_file "$PALLET_TEMP" "${2-}"
}

# pallet_temp_gone PATH removes the temporary file PATH when it is still
# there: the EXIT trap of a helper that renames its temporary file into
# place, which then, having nothing left to remove, starts no rm.
pallet_temp_gone() {
  if [[ -e $1 || -L $1 ]]; then
    rm -f -- "$1"
  fi
}

# pallet_temp_name DIR sets PALLET_TEMP to a name for a temporary file in
# DIR that is not there yet: DIR/.pallet.<random>, as mktemp -u would pick,
# without a process. The name is only a name: callers create the file
# exclusively (noclobber, O_EXCL, as pallet_new_file does), so a name
# someone guessed and made first fails the step, and never makes it write
# into a file someone else planted.
pallet_temp_name() {
  local r
  while :; do
    # SRANDOM (bash 5.1) is 32 random bits from the kernel; RANDOM, 15
    # bits from a seed, is the fallback on older bash.
    printf -v r '%08x%08x' "${SRANDOM:-$RANDOM$RANDOM}" "${SRANDOM:-$RANDOM$RANDOM}"
    PALLET_TEMP=${1%/}/.pallet.$r
    [[ -e $PALLET_TEMP || -L $PALLET_TEMP ]] || return 0
  done
}

# pallet_tmp_remember TMP lists a temporary name a helper has just picked
# (and set its EXIT trap for) in PALLET_TMPLIST, a root-owned file of
# pallet-run's wrapper, which removes what is listed there once the script
# has ended. The EXIT trap covers a script that stops; this covers one that
# is killed before its trap could run: SIGKILL after the cancel grace, as
# when a step stalls in the kernel past it. Only root lists names, for
# paths that pallet_file_writer gave to root (directories only root
# controls) or root's own temporary directories; run by hand, without
# pallet-run, there is no list.
pallet_tmp_remember() {
  [[ -n ${PALLET_TMPLIST:-} && $EUID == 0 ]] || return 0
  printf '%s\0' "$1" >>"$PALLET_TMPLIST"
}

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

# pallet_user_join_groups USER GROUP... adds USER to each GROUP it is not
# in yet, keeping its other groups: with shadow's usermod where there is
# one, else with busybox's addgroup USER GROUP (alpine without shadow).
pallet_user_join_groups() {
  local user=$1 have g missing=()
  shift
  have=" $(id -nG -- "$user") " || return
  for g in "$@"; do
    [[ $have == *" $g "* ]] || missing+=("$g")
  done
  ((${#missing[@]})) || return 0
  if command -v usermod >/dev/null; then
    local IFS=,
    usermod -a -G "${missing[*]}" -- "$user" || return
  else
    for g in "${missing[@]}"; do
      addgroup -- "$user" "$g" || return
    done
  fi
}

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

# the helpers each helper calls, for pallet_as_user
declare -A PALLET_DEPS=(
  [pallet_as_reader]='pallet_as_user pallet_file_entry pallet_file_writer pallet_passwd pallet_path_parts pallet_stat_gone pallet_stat_line pallet_stat_stop pallet_stat_walk pallet_stat_walk_stat'
  [pallet_as_user]='pallet_passwd'
  [pallet_as_writer]='pallet_as_user pallet_file_entry pallet_file_writer pallet_passwd pallet_path_parts pallet_stat_gone pallet_stat_line pallet_stat_stop pallet_stat_walk pallet_stat_walk_stat'
  [pallet_diff]='pallet_as_reader pallet_as_user pallet_diff_as pallet_diff_binary pallet_diff_files pallet_diff_summary pallet_file_entry pallet_file_line_awk pallet_file_read pallet_file_writer pallet_passwd pallet_path_parts pallet_payload pallet_salted_sha256 pallet_stat_gone pallet_stat_line pallet_stat_stop pallet_stat_walk pallet_stat_walk_stat'
  [pallet_diff_as]='pallet_diff_binary pallet_diff_files pallet_diff_summary pallet_file_line_awk pallet_file_read'
  [pallet_diff_files]='pallet_diff_binary pallet_diff_summary'
  [pallet_directory_make]='pallet_as_user pallet_as_writer pallet_directory_make_as pallet_dirname pallet_file_entry pallet_file_set_meta pallet_file_writer pallet_passwd pallet_path_parts pallet_stat_gone pallet_stat_line pallet_stat_stop pallet_stat_walk pallet_stat_walk_stat'
  [pallet_directory_make_as]='pallet_file_entry pallet_file_set_meta pallet_file_writer pallet_path_parts pallet_stat_gone pallet_stat_line pallet_stat_stop pallet_stat_walk pallet_stat_walk_stat'
  [pallet_file_is]='pallet_as_reader pallet_as_user pallet_file_entry pallet_file_is_as pallet_file_read pallet_file_writer pallet_meta_is pallet_meta_line_is pallet_passwd pallet_path_parts pallet_stat_gone pallet_stat_line pallet_stat_stop pallet_stat_walk pallet_stat_walk_stat'
  [pallet_file_is_as]='pallet_file_read pallet_meta_is pallet_meta_line_is pallet_stat_gone pallet_stat_line pallet_stat_stop pallet_stat_walk pallet_stat_walk_stat'
  [pallet_file_set_meta]='pallet_stat_gone pallet_stat_line pallet_stat_stop pallet_stat_walk pallet_stat_walk_stat'
  [pallet_file_writer]='pallet_file_entry pallet_path_parts pallet_stat_gone pallet_stat_line pallet_stat_stop pallet_stat_walk pallet_stat_walk_stat'
  [pallet_meta_is]='pallet_meta_line_is pallet_stat_gone pallet_stat_line pallet_stat_stop pallet_stat_walk pallet_stat_walk_stat'
  [pallet_payload]='pallet_file_read pallet_salted_sha256'
  [pallet_ssh_key_authorize]='pallet_as_user pallet_file_read pallet_new_file pallet_passwd pallet_ssh_key_has pallet_ssh_key_user pallet_temp_file pallet_temp_gone pallet_temp_name pallet_tmp_remember'
  [pallet_ssh_key_authorized]='pallet_as_user pallet_file_read pallet_new_file pallet_passwd pallet_ssh_key_has pallet_ssh_key_user pallet_temp_file pallet_temp_gone pallet_temp_name pallet_tmp_remember'
  [pallet_ssh_key_user]='pallet_file_read pallet_new_file pallet_ssh_key_has pallet_temp_file pallet_temp_gone pallet_temp_name pallet_tmp_remember'
  [pallet_stat_serve]='pallet_new_file pallet_stat_gone pallet_stat_line pallet_stat_stop pallet_stat_walk pallet_stat_walk_stat pallet_temp_name pallet_tmp_remember'
  [pallet_stat_stop]='pallet_stat_gone'
  [pallet_stat_walk]='pallet_stat_gone pallet_stat_line pallet_stat_stop pallet_stat_walk_stat'
  [pallet_stat_walk_stat]='pallet_stat_line'
  [pallet_sudoers_install]='pallet_dirname pallet_file_entry pallet_file_set_meta pallet_file_writer pallet_meta_is pallet_meta_line_is pallet_new_file pallet_path_parts pallet_stat_gone pallet_stat_line pallet_stat_stop pallet_stat_walk pallet_stat_walk_stat pallet_stdin_into pallet_temp_file pallet_temp_gone pallet_temp_name pallet_tmp_remember'
  [pallet_temp_file]='pallet_new_file pallet_temp_gone pallet_temp_name pallet_tmp_remember'
  [pallet_user_ensure]='pallet_as_user pallet_as_writer pallet_directory_make pallet_directory_make_as pallet_dirname pallet_file_entry pallet_file_set_meta pallet_file_writer pallet_passwd pallet_path_parts pallet_stat_gone pallet_stat_line pallet_stat_stop pallet_stat_walk pallet_stat_walk_stat pallet_user_home_fill pallet_user_join_groups pallet_user_make_home'
  [pallet_user_is]='pallet_passwd pallet_user_in_groups'
  [pallet_user_make_home]='pallet_as_user pallet_as_writer pallet_directory_make pallet_directory_make_as pallet_dirname pallet_file_entry pallet_file_set_meta pallet_file_writer pallet_passwd pallet_path_parts pallet_stat_gone pallet_stat_line pallet_stat_stop pallet_stat_walk pallet_stat_walk_stat pallet_user_home_fill'
)

pallet_stat_serve

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
pallet_user_is deploy /bin/bash '' '' '' yes sudo
}
pallet_apply_2() {
pallet_user_ensure deploy /bin/bash '' '' '' no yes sudo
pallet_user_is deploy /bin/bash '' '' '' yes sudo || return 98
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
pallet_diff_4() {
pallet_diff /etc/sudoers.d/deploy <<<'deploy ALL=(ALL:ALL) NOPASSWD: ALL'
}
pallet_apply_4() {
pallet_sudoers_install /etc/sudoers.d/deploy <<<'deploy ALL=(ALL:ALL) NOPASSWD: ALL'
pallet_sudoers_included /etc/sudoers.d/deploy || {
  echo "sudo does not read /etc/sudoers.d: add @includedir /etc/sudoers.d to /etc/sudoers" >&2
  return 98
}
}

pallet_step 1 automated-admin-user/package 'install sudo' pallet_check_1 pallet_apply_1 inline-check
pallet_step 2 automated-admin-user/user deploy pallet_check_2 pallet_apply_2 checked inline-check inline-apply
pallet_step 3 automated-admin-user/ssh-key 'deploy deploy@example' pallet_check_3 pallet_apply_3 checked inline-check inline-apply
pallet_step 4 automated-admin-user/sudoers deploy pallet_check_4 pallet_apply_4 checked inline-check inline-apply
pallet_done 0

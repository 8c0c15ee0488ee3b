#!/usr/bin/env bash
# Compiled by palletc 0.1.0. Do not edit: change pallet.yaml or its crates and compile again.
# group: mynode
# phase: configure
# os: debian-12
# node: mynode-1
# nodes: placeholders (no --provider given)
# steps: 1
# shellcheck disable=SC2317,SC2016 # step functions are called through pallet_step; every $ in single quotes is quoted data
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

# step 1: package: install tar gzip
pallet_check_1() {
pallet_pkg_dpkg_state installed tar gzip
}
pallet_apply_1() {
export DEBIAN_FRONTEND=noninteractive
# Keep locally changed config files and take new defaults only where
# nothing was changed: no dpkg prompt can hang the run.
apt-get install -y -q --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
  -- tar gzip
}

pallet_step 1 package 'install tar gzip' pallet_check_1 pallet_apply_1 inline-check
pallet_done 0

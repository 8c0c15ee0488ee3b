#!/usr/bin/env bash
# Compiled by palletc 0.1.0. Do not edit: change pallet.yaml or its crates and compile again.
# group: javanode
# phase: configure
# os: ubuntu-22.04
# node: javanode-1
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

# pallet_step N CRATE NAME CHECK-FUNCTION APPLY-FUNCTION [wait]
#
# A wait step ("wait": its apply only waits for the check to hold, as
# wait-for does) changes nothing, so it never reports changed: ok when the
# check holds at once, ok "waited 3.2s" when it holds after the wait, and
# failed when the wait gives up (exit status 124: "timed out"). Having no
# side effects, it waits in check mode too, unless a step before it would
# change: then what it waits for is most likely what that step would do,
# and it reports would-change at once rather than time out.
pallet_step() {
  local n=$1 crate=$2 name=$3 check=$4 apply=$5 kind=${6:-} start ms
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
  pallet_step_diff "$n"
  if [[ $PALLET_MODE == check && ($kind != wait || $PALLET_WOULD -gt 0) ]]; then
    PALLET_WOULD=$((PALLET_WOULD + 1))
    printf '%s end %s/%s would-change %d%s\n' "$PALLET_MARK" "$n" "$PALLET_TOTAL" $(($(pallet_now_ms) - start)) "${kind:+ would wait: not true yet, and a step before it would change}"
    return 0
  fi
  pallet_part "$apply" </dev/null
  if ((PALLET_RC != 0)); then
    if [[ $kind == wait && $PALLET_RC == 124 ]]; then
      printf '%s end %s/%s failed %d timed out\n' "$PALLET_MARK" "$n" "$PALLET_TOTAL" $(($(pallet_now_ms) - start))
    else
      printf '%s end %s/%s failed %d exit status %d\n' "$PALLET_MARK" "$n" "$PALLET_TOTAL" $(($(pallet_now_ms) - start)) "$PALLET_RC"
    fi
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
  ms=$(($(pallet_now_ms) - start))
  if [[ $kind == wait ]]; then
    PALLET_OK=$((PALLET_OK + 1))
    printf '%s end %s/%s ok %d waited %s\n' "$PALLET_MARK" "$n" "$PALLET_TOTAL" "$ms" "$(pallet_seconds "$ms")"
    return 0
  fi
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
    status=$(dpkg-query -W -f '${db:Status-Abbrev}' -- "$p" 2>/dev/null) || status=
    if [[ ${status:1:1} == i ]]; then
      [[ $want == installed ]] || return 1
    else
      [[ $want == absent ]] || return 1
    fi
  done
}

# step 1: java/package: install openjdk-17-jdk-headless
pallet_check_1() {
pallet_pkg_dpkg_state installed openjdk-17-jdk-headless
}
pallet_apply_1() {
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# Keep locally changed config files and take new defaults only where
# nothing was changed: no dpkg prompt can hang the run.
apt-get install -y -q --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
  -- openjdk-17-jdk-headless
}

pallet_step 1 java/package 'install openjdk-17-jdk-headless' pallet_check_1 pallet_apply_1
pallet_done 0

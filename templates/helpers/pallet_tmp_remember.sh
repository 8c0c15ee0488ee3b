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

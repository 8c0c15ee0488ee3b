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

# pallet_pkg_dpkg_state installed|absent PKG... succeeds when every PKG is
# installed (dpkg status "ii"), or when none of them is. A package removed
# but not purged (status "rc") counts as absent.
pallet_pkg_dpkg_state() {
  local want=$1 p status
  shift
  for p in "$@"; do
    status=$(dpkg-query -W -f '${db:Status-Abbrev}' -- "$p" 2>/dev/null) || status=
    if [[ $status == ii* ]]; then
      [[ $want == installed ]] || return 1
    else
      [[ $want == absent ]] || return 1
    fi
  done
}

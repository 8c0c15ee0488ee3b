# pallet_pkg_apk_state installed|absent PKG... succeeds when every PKG is
# installed, or when none of them is.
pallet_pkg_apk_state() {
  local want=$1 p
  shift
  for p in "$@"; do
    if apk info -e -- "$p" >/dev/null 2>&1; then
      [[ $want == installed ]] || return 1
    else
      [[ $want == absent ]] || return 1
    fi
  done
}

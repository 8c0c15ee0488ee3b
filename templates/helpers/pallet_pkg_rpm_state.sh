# pallet_pkg_rpm_state installed|absent PKG... succeeds when every PKG is
# installed, or when none of them is. A PKG counts as installed when an
# installed package has that name or provides it, as dnf and yum resolve it
# ("vim" → vim-enhanced, "/usr/bin/python3").
pallet_pkg_rpm_state() {
  local want=$1 p
  shift
  for p in "$@"; do
    if rpm -q --quiet -- "$p" || rpm -q --quiet --whatprovides -- "$p"; then
      [[ $want == installed ]] || return 1
    else
      [[ $want == absent ]] || return 1
    fi
  done
}

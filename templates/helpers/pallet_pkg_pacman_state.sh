# pallet_pkg_pacman_state installed|absent PKG... succeeds when every PKG is
# installed, or when none of them is. pacman -T (deptest) counts a PKG as
# installed when an installed package has that name or provides it, as
# pacman -S resolves it.
pallet_pkg_pacman_state() {
  local want=$1 p
  shift
  for p in "$@"; do
    if pacman -T -- "$p" >/dev/null 2>&1; then
      [[ $want == installed ]] || return 1
    else
      [[ $want == absent ]] || return 1
    fi
  done
}

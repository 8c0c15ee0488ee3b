# pallet_deploy_release_prune ROOT KEEP MODE keeps the KEEP newest release
# directories of ROOT/releases (by mtime) and the ones ROOT/current and
# ROOT/previous point at. MODE check succeeds when nothing else is there;
# MODE apply removes the rest (rm -rf, which never follows a symlink in the
# tree). Names that are no release id (temporary, hidden, hand-made) are
# left alone.
pallet_deploy_release_prune() {
  local root=$1 keep=$2 mode=$3 cur='' prev='' i=0 t name
  local re='^[A-Za-z0-9_][A-Za-z0-9_+-]*([.][A-Za-z0-9_+-]+)*$'
  [[ -L $root/current ]] && cur=$(readlink -- "$root/current")
  [[ -L $root/previous ]] && prev=$(readlink -- "$root/previous")
  [[ -d $root/releases ]] || return 0
  while read -r t name; do
    [[ $name =~ $re && -d $root/releases/$name && ! -L $root/releases/$name ]] || continue
    i=$((i + 1))
    ((i <= keep)) && continue
    [[ releases/$name == "$cur" || releases/$name == "$prev" ]] && continue
    [[ $mode == check ]] && return 1
    rm -rf -- "${root:?}/releases/$name" || return 1
  done < <(find "$root/releases" -mindepth 1 -maxdepth 1 -type d -printf '%T@ %f\n' | sort -rn)
  : "$t"
}

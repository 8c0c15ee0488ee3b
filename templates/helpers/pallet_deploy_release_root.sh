# pallet_deploy_release_root ROOT makes ROOT/releases (root's, 0755), after
# refusing a ROOT that is not a directory of root's only root may write
# (the crate renames and removes there as root).
pallet_deploy_release_root() {
  local root=$1 d
  if [[ ! -d $root || -L $root ]]; then
    echo "pallet: $root is not a directory: make it first (directory crate)" >&2
    return 1
  fi
  if [[ ! -e $root/releases && ! -L $root/releases ]]; then
    mkdir -m 0755 -- "$root/releases" || return 1
  fi
  for d in "$root" "$root/releases"; do
    if [[ ! -d $d || -L $d || $(stat -c %u -- "$d") != 0 || -n $(find "$d" -maxdepth 0 -perm /022) ]]; then
      echo "pallet: $d must be a directory of root's that only root may write (it is $(stat -c '%F %U %a' -- "$d")): releases are switched and removed there as root" >&2
      return 1
    fi
  done
}

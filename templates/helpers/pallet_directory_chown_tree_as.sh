# pallet_directory_chown_tree_as PATH OWNER GROUP is
# pallet_directory_chown_tree's work, run by the writer pallet_as_writer
# found. Root goes on only when every directory in the tree is root's and
# no other user may write in it (unless sticky: then it refuses too), so
# no one can plant or swap anything in it while chown -R runs: a tree
# holding a directory of alice's is alice's to hand over, and root
# refuses it, saying so. A user can give away only what they own: chown
# fails on the rest, and the step with it.
pallet_directory_chown_tree_as() {
  local path=$1 owner=$2 group=$3 found
  if [[ -L $path || ! -d $path ]]; then
    echo "pallet: $path is not a directory: not changing owners under it" >&2
    return 1
  fi
  if [[ $(id -u) == 0 ]]; then
    found=$(find -P "$path" -type d \( ! -user 0 -o -perm -0002 -o -perm -0020 \) -print -quit) || return 1
    if [[ -n $found ]]; then
      printf 'pallet: not changing owners under %s as root: %s is a directory another user may write in, who could swap what it holds meanwhile; give it to root first, or to %s\n' "$path" "$found" "$owner" >&2
      return 1
    fi
  fi
  chown -R -P -h -- "$owner:$group" "$path" || {
    printf 'pallet: could not give everything under %s to %s:%s (as %s: a user can give away only what they own)\n' "$path" "$owner" "$group" "$(id -un)" >&2
    return 1
  }
}

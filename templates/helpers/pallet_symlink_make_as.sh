# pallet_symlink_make_as PATH TARGET OWNER FORCE is pallet_symlink_make's
# work, run by the writer pallet_as_writer found. The link is made under a
# temporary name in the same directory (ln -s never reuses a name), given
# its owner (chown -h: the link, not what it points to) and renamed over
# PATH, so PATH is at every moment the old entry or the new link. A
# symlink at PATH is replaced; a regular file only when FORCE is yes; a
# directory, or anything else, never: rename would not replace a
# directory anyway, and removing one is not a symlink's business.
pallet_symlink_make_as() {
  local path=$1 target=$2 owner=$3 force=$4 tmp
  pallet_file_need_dir "$path" || return 1
  if [[ -e $path && ! -L $path ]]; then
    if [[ -d $path ]]; then
      echo "pallet: $path is a directory: not replacing it with a symlink, even with force; remove it first (directory crate, action: absent)" >&2
      return 1
    fi
    if [[ ! -f $path ]]; then
      echo "pallet: $path is not a regular file ($(stat -c %F -- "$path")): not replacing it with a symlink; remove it first" >&2
      return 1
    fi
    if [[ $force != yes ]]; then
      echo "pallet: $path is a regular file, not a symlink: not replacing it; force: true replaces it" >&2
      return 1
    fi
  fi
  tmp=$(mktemp -u "$(dirname -- "$path")/.pallet.XXXXXX") || return 1
  # shellcheck disable=SC2064 # expand $tmp now, quoted: it is local
  trap "rm -f -- $(printf '%q' "$tmp")" EXIT
  pallet_tmp_remember "$tmp"
  ln -s -- "$target" "$tmp" || return 1
  chown -h -- "$owner" "$tmp" || return 1
  mv -fT -- "$tmp" "$path"
}

# pallet_sudoers_install PATH puts its stdin live as the sudoers drop-in
# PATH, root:root 0440, only once visudo has accepted it: the content goes
# to a temporary file beside PATH, is checked with visudo -cf, then renamed
# over PATH. The temporary name has a '.', so sudo never reads it, and a
# rejected drop-in never goes live: a typo cannot lock anyone out of sudo.
# Root writes there only when pallet_file_writer says only root controls
# the way (a sudoers.d another user could change is refused), and replaces
# only a regular file or a symlink.
pallet_sudoers_install() {
  local path=$1 dir tmp out
  pallet_dirname "$path"
  dir=$PALLET_DIR
  if ! command -v visudo >/dev/null || [[ ! -d $dir ]]; then
    echo "no visudo or no $dir: install sudo first (package crate)" >&2
    return 1
  fi
  pallet_file_writer "$path" root replace || return 1
  if [[ $PALLET_WRITER != root ]]; then
    echo "pallet: refusing to write $path: the way to it is not root's alone" >&2
    return 1
  fi
  if [[ -e $path && ! -L $path && ! -f $path ]]; then
    echo "pallet: $path is not a regular file ($(stat -c %F -- "$path")): remove it, pallet does not replace it" >&2
    return 1
  fi
  pallet_temp_file "$dir" 0440
  tmp=$PALLET_TEMP
  pallet_stdin_into "$tmp"
  # made by root: root's already, unless the directory's setgid bit gave
  # it another group (then chown), and 0440 from the start where the
  # kernel gave that mode (else chmod)
  pallet_file_set_meta "$tmp" 0440 root root
  if ! out=$(exec visudo -cf "$tmp" 2>&1); then
    printf '%s\nvisudo rejected the drop-in for %s; it was not installed\n' "$out" "$path" >&2
    return 1
  fi
  mv -fT -- "$tmp" "$path"
  # the step's proof of the file ({{ apply_checked }}): a regular file,
  # root:root 0440, holding what visudo accepted (the file renamed there,
  # in a directory only root controls)
  if [[ -L $path || ! -f $path ]] || ! pallet_meta_is "$path" 0440 root root; then
    echo "pallet: $path is not as it was written, right after the rename" >&2
    return 98
  fi
}

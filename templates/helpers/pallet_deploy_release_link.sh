# pallet_deploy_release_link TARGET LINK points the symlink LINK at TARGET
# atomically: a new symlink beside it, renamed over it (mv -T), so LINK is
# the old link or the new one, never missing. Anything but a symlink at
# LINK is refused.
pallet_deploy_release_link() {
  local tmp
  if [[ -e $2 && ! -L $2 ]]; then
    echo "pallet: $2 is not a symlink ($(stat -c %F -- "$2")): not replacing it; remove it first" >&2
    return 1
  fi
  tmp=$(dirname -- "$2")/.pallet-link.$$.$(basename -- "$2")
  rm -f -- "$tmp" || return 1
  ln -s -- "$1" "$tmp" || return 1
  mv -T -- "$tmp" "$2" || {
    rm -f -- "$tmp"
    return 1
  }
}

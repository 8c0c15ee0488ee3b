# pallet_file_set_meta PATH MODE OWNER GROUP gives PATH exactly that owner,
# group and octal mode. chown goes first because it may clear the setuid and
# setgid bits; the mode is given with five digits because GNU chmod keeps a
# directory's setuid and setgid bits for a shorter numeric mode. chown -h
# never follows a symlink; chmod would, so PATH must be an entry only the
# caller controls, in a directory only the caller controls: callers ask
# pallet_file_writer for PATH itself first (an entry another user owns in
# a sticky directory is theirs, never chowned or chmodded by root), or give
# a temporary file they just made. A symlink is refused.
# A file pallet_new_file has just made with MODE gets no chmod when the
# stat server (no process) shows it has MODE indeed, after the chown.
pallet_file_set_meta() {
  local path=$1 mode=$2 owner=$3 group=$4 five m
  if [[ -L $path ]]; then
    echo "pallet: $path is a symlink: not setting its owner and mode through it" >&2
    return 1
  fi
  if ((EUID == 0)) && [[ ($owner == root || $owner == 0) && ($group == root || $group == 0) && -O $path && -G $path ]]; then
    : # root's own and to be root's (no setgid directory gave it another group): no chown to make
  else
    chown -h -- "$owner:$group" "$path"
  fi
  if [[ -n ${PALLET_NEW_FILE-} && $PALLET_NEW_FILE == "$path" && $PALLET_NEW_MODE == "$mode" && -n ${PALLET_STATD_PID-} ]] &&
    pallet_stat_walk "$path"; then
    m=${PALLET_STATS[0]#* } m=${m%% *}
    if ((8#$m == 8#$mode)); then
      return 0
    fi
  fi
  printf -v five '%05o' "$((8#$mode))"
  chmod -- "$five" "$path"
}

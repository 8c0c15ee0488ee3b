# pallet_file_is_as PATH MODE OWNER GROUP is pallet_file_is's check, run by
# the reader pallet_as_reader found. PATH is read with pallet_file_read, so
# a FIFO there fails at once; a symlink fails. The content is compared
# through a pipe of this shell's own (cat), not by reopening stdin through
# /proc/self/fd: a pipe root made is not for a user to reopen. Root may
# reopen its own, and does, with no cat and no process substitution.
# Where root has just walked the way to PATH and found it root's alone
# (PALLET_ROOT_WAY), the walk's own line for PATH (PALLET_WALK_META) gives
# the owner and mode, which no one else can have changed since: no stat
# of its own. The owner and mode are compared first, the content after.
pallet_file_is_as() {
  local path=$1 mode=$2 owner=$3 group=$4
  [[ -f $path && ! -L $path ]] || return 1
  if ((EUID == 0)) && [[ ${PALLET_ROOT_WAY-} == "$path" && ${PALLET_WALK_FINAL-} == "$path" ]]; then
    pallet_meta_line_is "$PALLET_WALK_META" "$mode" "$owner" "$group" || return 1
  else
    pallet_meta_is "$path" "$mode" "$owner" "$group" || return 1
  fi
  if ((EUID == 0)); then
    pallet_file_read "$path" cmp -s -- /proc/self/fd/3 - 3<&0 || return 1
  else
    pallet_file_read "$path" cmp -s -- /proc/self/fd/3 - 3< <(cat) || return 1
  fi
}

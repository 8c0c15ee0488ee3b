# pallet_file_line is|set ACTION PATH LINE MATCH MODE keeps LINE present in
# (or absent from) the text file PATH. "is" succeeds when PATH is already so;
# "set" makes it so with an atomic rewrite that keeps the file's owner, group
# and mode, or creates it with MODE (owned by the user running the script).
#
# present: the first line matching the extended regexp MATCH is LINE, or,
#          when no line matches (or MATCH is empty), some line is LINE; set
#          replaces that first match, or appends LINE.
# absent:  no line matches MATCH (no line equals LINE when MATCH is empty);
#          set deletes every such line. A missing file is already so.
#
# LINE and MATCH reach awk through the environment, which, unlike awk -v,
# does not interpret backslashes (and, unlike an argument, is not readable by
# other users in /proc). A symlink is followed: its target is edited. The
# file is read with pallet_file_read: a FIFO, device or socket is refused
# without blocking. "is" reads as pallet_as_reader says: as whoever
# controls the way to PATH, so a symlink a user planted is followed as
# that user, never as root.
# "set" writes as pallet_as_writer says, walking PATH itself too: a
# symlink another user owns (or one in a directory another user owns) is
# followed, and the file edited, as that user or not at all; root follows
# only a symlink it owns in a directory only root controls.
pallet_file_line() {
  local op=$1 action=$2 path=$3 line=$4 match=$5 mode=$6 owner group meta=''
  if [[ $op == is ]]; then
    pallet_as_reader "$path" follow pallet_file_line_is_as "$action" "$path" "$line" "$match"
    return
  fi
  # the owner the walk wants: the entry's own (a symlink's, not its
  # target's), its target's only behind a symlink root owns, or, for a new
  # file, the user running this. The one stat also gives
  # pallet_file_line_as the mode and group to keep (META).
  if [[ -e $path || -L $path ]]; then
    pallet_stat_walk "$path" || return 1
    read -r owner meta _ group _ <<<"${PALLET_STATS[0]}"
    meta="$owner $meta $group"
    if [[ $owner == 0 && -L $path && -e $path ]]; then
      owner=$(stat -L -c %u -- "$path") || return 1
      meta=
    fi
  else
    owner=$EUID
  fi
  pallet_as_writer "$path" "$owner" follow pallet_file_line_as "$action" "$path" "$line" "$match" "$mode" "$meta"
}

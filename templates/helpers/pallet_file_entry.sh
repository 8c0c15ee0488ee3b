# pallet_file_entry PATH ENTRY META WANT SHARED LAST is pallet_file_writer's
# look at one entry on the way to PATH: ENTRY itself, never where a symlink
# leads, as META says, the line pallet_stat_walk gave for it
# (the walk stats every entry it will look at in one stat). SHARED is yes when the directory holding ENTRY is writable by
# others and sticky (as /tmp), LAST is yes for PATH's own entry, WANT is
# the uid of the owner asked for, or * for whoever it is (a read, which
# its owner may do). It sets PALLET_ENTRY (no output, so the walk calls it
# without a subshell) to what the walk does next:
#   owner UID  ENTRY is another user's, UID, and WANT's: the work runs
#              as UID;
#   link    a symlink root owns: follow it (or, last, replace it);
#   dir     a directory root owns, only root writes in it;
#   shared  a directory root owns, writable by others but sticky;
#   file    PATH's own entry, neither directory nor symlink.
# Otherwise it refuses, naming ENTRY and why, and fails. Another user's
# entry is theirs when it is a directory or a symlink (at any depth), or
# anything at all in a sticky shared directory, where they may rename or
# remove it; a directory gone through that others may write without the
# sticky bit lets them swap what it holds. A file of root's in a sticky
# shared directory with more than one link is refused too: with
# fs.protected_hardlinks=0 anyone may hard-link /etc/shadow into /tmp, and
# root would read it there, or chmod and chown it. Any command failing,
# or an owner, mode or link count that is not a number, is a refusal.
pallet_file_entry() {
  local path=$1 entry=$2 meta=$3 want=$4 shared=$5 last=$6 uid mode links name type
  PALLET_ENTRY=
  # UID MODE LINKS GID TYPE USER:GROUP, cut as pallet_stat_line does (a
  # cutter the three share, a call and an array more, made a look half as
  # slow again: 54 against 83 us for a line and its check)
  uid=${meta%%' '*} name=${meta#*' '}
  mode=${name%%' '*} name=${name#*' '}
  links=${name%%' '*} name=${name#*' '}
  name=${name#*' '}
  type=${name%%' '*} name=${name#*' '}
  name=${name%%:*}
  if [[ $meta != ?*' '?*' '?*' '?*' '?*' '?* || -z $uid || -z $mode || -z $links || -z $type || $uid$links == *[!0-9]* || $mode == *[!0-7]* ]]; then
    echo "pallet: refusing to write $path: cannot read the owner and mode of $entry" >&2
    return 1
  fi
  if ((uid != 0)) && [[ $type == directory || $type == symlink || $shared == yes ]]; then
    if [[ $uid == "$want" || $want == '*' ]]; then
      PALLET_ENTRY="owner $uid"
      return 0
    fi
    echo "pallet: refusing to write $path: $entry belongs to $name, who could swap what it holds for a symlink while root writes; only a file owned by $name is written there (as $name)" >&2
    return 1
  fi
  case $type in
    symlink)
      PALLET_ENTRY='link'
      ;;
    directory)
      if [[ $last == yes ]] || ! ((8#$mode & 8#022)); then
        PALLET_ENTRY='dir'
      elif ((8#$mode & 8#1000)); then
        PALLET_ENTRY='shared'
      else
        echo "pallet: refusing to write $path: $entry is group- or world-writable without the sticky bit (mode $mode), so others could swap what it holds for a symlink while root writes" >&2
        return 1
      fi
      ;;
    *)
      if [[ $last != yes ]]; then
        echo "pallet: refusing to write $path: $entry is not a directory" >&2
        return 1
      fi
      if [[ $shared == yes ]] && ((links > 1)); then
        echo "pallet: refusing to write $path: $entry has $links hard links in a directory others write in: someone may have linked a file of root's there (fs.protected_hardlinks=0); remove it" >&2
        return 1
      fi
      PALLET_ENTRY='file'
      ;;
  esac
}

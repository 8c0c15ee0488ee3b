# pallet_file_writer PATH OWNER [replace] prints who may write PATH (which
# need not exist yet) as a file or directory owned by OWNER (a name or uid).
# It walks PATH as given, one entry at a time from /, looking at each entry
# itself (never at where a symlink leads), down to PATH itself when it
# exists:
#   root       when only root can change each of them: owned by root, and a
#              directory gone through is not group- or world-writable
#              unless sticky (as /tmp: there, others cannot replace what
#              root owns);
#   OWNER's uid when the first entry owned by another user is OWNER's: the
#              write then runs as OWNER (pallet_as_user), who can only hurt
#              themselves.
# An entry another user owns is theirs when it is a directory or a symlink
# (at any depth), or anything at all in a sticky shared directory, where
# they may rename or remove it. A symlink root owns (its directory already
# checked) is followed and its target walked the same way; with "replace",
# a final one is not (the caller replaces it). Otherwise it refuses, naming
# the entry and why: root writing by name where someone else can swap
# entries would follow the symlinks they plant (into /etc/shadow, say)
# between its steps. It fails closed: any command failing, or an owner or
# mode that is not a number, is a refusal.
pallet_file_writer() {
  local path=$1 owner=$2 final=${3:-} want cur next part rest meta uid name mode type shared hops=0
  local -a todo add
  if [[ $path != /* ]]; then
    echo "pallet: refusing to write $path: not an absolute path" >&2
    return 1
  fi
  if [[ $owner =~ ^[0-9]+$ ]]; then
    want=$owner
  else
    want=$(id -u -- "$owner" 2>/dev/null) || want=
  fi
  todo=() cur=/ shared=no rest=$path
  while :; do
    # rest (a path or a symlink's target) goes in front of what is left
    add=()
    while [[ -n $rest ]]; do
      part=${rest%%/*}
      if [[ $rest == */* ]]; then
        rest=${rest#*/}
      else
        rest=
      fi
      if [[ -n $part && $part != . ]]; then
        add+=("$part")
      fi
    done
    todo=("${add[@]}" "${todo[@]}")
    if [[ $cur == / ]]; then
      meta=$(stat -c '%u %a' -- /) || return 1
      read -r uid mode <<<"$meta"
      if [[ ! $uid =~ ^[0-9]+$ || ! $mode =~ ^[0-7]+$ ]]; then
        echo "pallet: refusing to write $path: cannot read the owner and mode of /" >&2
        return 1
      fi
      if ((uid != 0 || ((8#$mode & 8#022) && !(8#$mode & 8#1000)))); then
        echo "pallet: refusing to write $path: / is not root's alone (uid $uid, mode $mode)" >&2
        return 1
      fi
      shared=no
      if ((8#$mode & 8#022)); then
        shared=yes
      fi
    fi
    while ((${#todo[@]})); do
      part=${todo[0]}
      todo=("${todo[@]:1}")
      if [[ $part == .. ]]; then
        # cur holds no symlink: walk its parent again from /
        rest=$(dirname -- "$cur") || return 1
        cur=/
        continue 2
      fi
      next=${cur%/}/$part
      if [[ ! -e $next && ! -L $next ]]; then
        # the rest is made in cur, which only root controls
        echo root
        return 0
      fi
      meta=$(stat -c '%u %a %U %F' -- "$next") || return 1
      read -r uid mode name type <<<"$meta"
      if [[ ! $uid =~ ^[0-9]+$ || ! $mode =~ ^[0-7]+$ || -z $type ]]; then
        echo "pallet: refusing to write $path: cannot read the owner and mode of $next" >&2
        return 1
      fi
      if ((uid != 0)) && [[ $type == directory || $type == 'symbolic link' || $shared == yes ]]; then
        if [[ $uid == "$want" ]]; then
          echo "$uid"
          return 0
        fi
        echo "pallet: refusing to write $path: $next belongs to $name, who could swap what it holds for a symlink while root writes; only a file owned by $name is written there (as $name)" >&2
        return 1
      fi
      case $type in
        'symbolic link')
          if ((${#todo[@]} == 0)) && [[ $final == replace ]]; then
            break
          fi
          if ((++hops > 40)); then
            echo "pallet: refusing to write $path: too many symlinks" >&2
            return 1
          fi
          rest=$(readlink -- "$next") || return 1
          if [[ -z $rest ]]; then
            return 1
          fi
          if [[ $rest == /* ]]; then
            cur=/
          fi
          continue 2
          ;;
        directory)
          if ((${#todo[@]})); then
            if (((8#$mode & 8#022) && !(8#$mode & 8#1000))); then
              echo "pallet: refusing to write $path: $next is group- or world-writable without the sticky bit (mode $mode), so others could swap what it holds for a symlink while root writes" >&2
              return 1
            fi
            shared=no
            if ((8#$mode & 8#022)); then
              shared=yes
            fi
          fi
          cur=$next
          ;;
        *)
          if ((${#todo[@]})); then
            echo "pallet: refusing to write $path: $next is not a directory" >&2
            return 1
          fi
          ;;
      esac
    done
    break
  done
  echo root
}

# pallet_file_writer PATH OWNER [replace] prints who may write PATH (which
# need not exist yet) as a file or directory owned by OWNER (a name or uid):
# root, or OWNER's uid, or no one (it fails, saying why). OWNER * asks who
# may read PATH: root, or the uid of whoever else controls the way to it
# (pallet_as_reader). It walks PATH as
# given, one entry at a time from /, down to PATH itself when it exists,
# and asks pallet_file_entry about each: root writes when only root can
# change every one of them; OWNER writes (pallet_as_user) when the first
# entry owned by another user is OWNER's, who can then only hurt
# themselves. A symlink root owns is followed and its target walked the
# same way; with "replace", a final one is not (the caller replaces it),
# and root replaces it whoever owns it when only root controls its
# directory, since its owner cannot change it there.
# Root writing by name where someone else can swap entries would follow
# the symlinks they plant (into /etc/shadow, say) between its steps.
pallet_file_writer() {
  local path=$1 owner=$2 final=${3:-} want cur next part rest kind last shared=no hops=0
  local -a todo parts
  if [[ $path != /* ]]; then
    echo "pallet: refusing to write $path: not an absolute path" >&2
    return 1
  fi
  if [[ $owner =~ ^[0-9]+$ || $owner == '*' ]]; then
    want=$owner
  else
    want=$(id -u -- "$owner" 2>/dev/null) || want=
  fi
  todo=() cur=/ rest=$path
  while :; do
    # rest (a path or a symlink's target) goes in front of what is left
    pallet_path_parts "$rest"
    todo=("${parts[@]}" "${todo[@]}")
    if [[ $cur == / ]]; then
      # / must be root's whoever OWNER is: no uid is ""
      kind=$(pallet_file_entry "$path" / '' no no) || return 1
      shared=no
      if [[ $kind == shared ]]; then
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
      last=no
      if ((${#todo[@]} == 0)); then
        last=yes
      fi
      if [[ $last == yes && $final == replace && $shared == no && -L $next ]]; then
        # A symlink to replace, in a directory only root controls: whoever
        # owns it cannot change it (its text is fixed; renaming or removing
        # it takes that directory), so root replaces it.
        break
      fi
      kind=$(pallet_file_entry "$path" "$next" "$want" "$shared" "$last") || return 1
      case $kind in
        'owner '*)
          echo "${kind#owner }"
          return 0
          ;;
        link)
          if [[ $last == yes && $final == replace ]]; then
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
        dir | shared)
          shared=no
          if [[ $kind == shared ]]; then
            shared=yes
          fi
          cur=$next
          ;;
        file) ;;
        *)
          return 1
          ;;
      esac
    done
    break
  done
  echo root
}

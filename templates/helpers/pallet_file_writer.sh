# pallet_file_writer PATH OWNER [replace] sets PALLET_WRITER to who may
# write PATH (which need not exist yet) as a file or directory owned by
# OWNER (a name or uid): root, or OWNER's uid, or no one (it fails, saying
# why, and PALLET_WRITER is empty). It prints nothing, so callers need no
# subshell to hear the answer. OWNER * asks who
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
# The entries a pass will look at (from cur down to the first symlink or
# "..") are looked at in one pallet_stat_walk, not one each: a fork and exec costs more
# than all the rest of the walk. Each is still judged in order, and the
# walk stops at the first that is not root's alone, as before.
# PALLET_WALK_FINAL and PALLET_WALK_META are PATH and the walk's line for
# it (pallet_stat_walk's), when the walk got to PATH itself.
# Where the walk stops at an entry that is not there, root is the writer,
# PALLET_WRITER_MISSING is that entry and PALLET_WRITER_SHARED says
# whether the directory it is to be made in is a shared one, as /tmp:
# "no" means only root makes entries there, so what root makes there no
# one else can have made first. Otherwise they are empty and "yes".
pallet_file_writer() {
  local path=$1 owner=$2 final=${3:-} want='' cur next part rest kind last shared=no hops=0 probe at m
  local -a todo parts list meta
  PALLET_WRITER=
  PALLET_WALK_FINAL='' PALLET_WALK_META=''
  # shellcheck disable=SC2034 # read by pallet_directory_make_as
  PALLET_WRITER_SHARED=yes PALLET_WRITER_MISSING=
  if [[ $path != /* ]]; then
    echo "pallet: refusing to write $path: not an absolute path" >&2
    return 1
  fi
  if [[ -n $owner && $owner != *[!0-9]* || $owner == '*' ]]; then
    want=$owner
  elif [[ $owner == root ]]; then
    want=0
  fi
  todo=() cur=/ rest=$path
  while :; do
    # rest (a path or a symlink's target) goes in front of what is left
    pallet_path_parts "$rest"
    todo=("${parts[@]}" "${todo[@]}")
    # what this pass looks at: / when it starts there, then each entry
    # of todo that is there, up to a symlink or ".." (after which the
    # walk goes elsewhere)
    list=()
    if [[ $cur == / ]]; then
      list=(/)
    fi
    probe=${cur%/}
    for part in "${todo[@]}"; do
      [[ $part != .. ]] || break
      probe=$probe/$part
      [[ -e $probe || -L $probe ]] || break
      list+=("$probe")
      [[ ! -L $probe ]] || break
    done
    meta=()
    if ((${#list[@]})); then
      pallet_stat_walk "${list[@]}" || return 1
      meta=("${PALLET_STATS[@]}")
      if ((${#meta[@]} != ${#list[@]})); then
        echo "pallet: refusing to write $path: cannot read the owners and modes on the way to it" >&2
        return 1
      fi
    fi
    at=0
    if [[ $cur == / ]]; then
      # / must be root's whoever OWNER is: no uid is ""
      pallet_file_entry "$path" / "${meta[0]}" '' no no || return 1
      at=1
      shared=no
      if [[ $PALLET_ENTRY == shared ]]; then
        shared=yes
      fi
    fi
    while ((${#todo[@]})); do
      part=${todo[0]}
      todo=("${todo[@]:1}")
      if [[ $part == .. ]]; then
        # cur holds no symlink: walk its parent again from /
        rest=${cur%/*}
        cur=/
        continue 2
      fi
      next=${cur%/}/$part
      if [[ ! -e $next && ! -L $next ]]; then
        # the rest is made in cur, which only root controls (or, shared,
        # where others may make entries too: PALLET_WRITER_SHARED says)
        PALLET_WRITER='root'
        # shellcheck disable=SC2034 # read by pallet_directory_make_as
        PALLET_WRITER_SHARED=$shared PALLET_WRITER_MISSING=$next
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
      if ((at < ${#list[@]})) && [[ ${list[at]} == "$next" ]]; then
        m=${meta[at]}
        at=$((at + 1))
      else
        # made since the pass began: stat it alone
        pallet_stat_walk "$next" || return 1
        m=${PALLET_STATS[0]}
      fi
      # OWNER's uid is looked up (a process) only when it matters: for an
      # entry that is not root's
      if [[ -z $want && ${m%% *} != 0 ]]; then
        want=$(exec id -u -- "$owner" 2>/dev/null) || want=-
      fi
      pallet_file_entry "$path" "$next" "$m" "$want" "$shared" "$last" || return 1
      if [[ $last == yes ]]; then
        # for a check that reads PATH's owner and mode next
        # (pallet_file_is_as): the walk's own line for it
        # shellcheck disable=SC2034 # read by pallet_file_is_as
        PALLET_WALK_FINAL=$next PALLET_WALK_META=$m
      fi
      kind=$PALLET_ENTRY
      case $kind in
        'owner '*)
          PALLET_WRITER=${kind#owner }
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
  PALLET_WRITER='root'
}

# pallet_file_writer PATH OWNER prints who may write PATH (which need not
# exist yet) as a file or directory owned by OWNER (a name or uid). It walks
# every directory on the way to PATH's, through symlinks too, from /:
#   root       when only root can change what each of them holds (owned by
#              root; not group- or world-writable unless sticky, as /tmp);
#   OWNER's uid when the first directory owned by another user is OWNER's:
#              the write then runs as OWNER (pallet_as_user), who can only
#              hurt themselves.
# Otherwise it refuses, naming the directory and why: root writing by name
# where someone else can swap entries would follow the symlinks they plant
# (into /etc/shadow, say) between its steps. A symlink is followed only
# from a directory root alone controls, and its target is walked as well.
pallet_file_writer() {
  local path=$1 owner=$2 dir want prefix part real cur step meta uid name mode
  local -a parts steps
  dir=$(dirname -- "$path")
  while [[ ! -e $dir ]]; do
    dir=$(dirname -- "$dir")
  done
  if [[ $owner =~ ^[0-9]+$ ]]; then
    want=$owner
  else
    want=$(id -u -- "$owner" 2>/dev/null) || want=
  fi
  prefix=
  IFS=/ read -ra parts <<<"${dir#/}"
  for part in "" "${parts[@]}"; do
    prefix=${prefix%/}/$part
    real=$(readlink -f -- "$prefix")
    cur=/
    IFS=/ read -ra steps <<<"${real#/}"
    for step in "" "${steps[@]}"; do
      if [[ -n $step ]]; then
        cur=${cur%/}/$step
      fi
      if [[ -L $cur || ! -d $cur ]]; then
        echo "pallet: refusing to write $path: $cur is no longer a directory" >&2
        return 1
      fi
      meta=$(stat -c '%u %U %a' -- "$cur")
      read -r uid name mode <<<"$meta"
      if ((uid != 0)); then
        if [[ $uid == "$want" ]]; then
          echo "$uid"
          return 0
        fi
        echo "pallet: refusing to write $path: $cur belongs to $name, who could swap what it holds for a symlink while root writes; only a file owned by $name is written there (as $name)" >&2
        return 1
      fi
      if (((8#$mode & 8#022) && !(8#$mode & 8#1000))); then
        echo "pallet: refusing to write $path: $cur is group- or world-writable without the sticky bit (mode $mode), so others could swap what it holds for a symlink while root writes" >&2
        return 1
      fi
    done
  done
  echo root
}

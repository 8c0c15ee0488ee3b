# pallet_directory_make_as PATH MODE OWNER GROUP PARENTS is
# pallet_directory_make's work, run by the writer pallet_as_writer found. A
# symlink or a file at PATH is an error, never replaced. What is missing
# is made one entry at a time (mkdir, never -p, which would follow a
# symlink planted meanwhile), and PATH walked again after each: the
# writer must still be this one, so the directory it then chowns and
# chmods is one it made or owned already, which no one else can replace.
# A setgid bit the kernel dropped (a user's chmod, for a group the user
# is not in) fails the step, saying so.
# One case needs neither the second walk nor all of chown and chmod: root
# making PATH itself, the one entry missing, in a directory only root
# makes entries in (the walk pallet_as_writer has just done says so:
# PALLET_WRITER_MISSING, PALLET_WRITER_SHARED). No one else can have made
# it first, so it is made with its mode at once (mkdir -m), for a mode
# that no one else may write or that has no special bits (a setgid bit
# the directory inherits is put right with chmod), and, when it is not to
# be root's, by install -d, which chowns it too; the step's check proves
# the result.
pallet_directory_make_as() {
  local path=$1 mode=$2 owner=$3 group=$4 parents=$5 me prefix='' i made=no fresh=no
  local -a parts
  me=$EUID
  if ((me == 0)); then
    me=root
  fi
  pallet_path_parts "$path"
  for ((i = 0; i < ${#parts[@]}; i++)); do
    prefix=$prefix/${parts[i]}
    if [[ -e $prefix || -L $prefix ]]; then
      continue
    fi
    if ((i + 1 < ${#parts[@]})) && [[ $parents != yes ]]; then
      printf 'pallet: cannot make %s: %s does not exist (recursive makes it)\n' "$path" "$prefix" >&2
      return 1
    fi
    if [[ $me == root && $made == no && $((i + 1)) == "${#parts[@]}" && ${PALLET_WRITER_SHARED-yes} == no &&
      ${PALLET_WRITER_MISSING-} == "$prefix" ]] && ! ((8#$mode & 8#7022)); then
      if [[ ($owner == root || $owner == 0) && ($group == root || $group == 0) ]]; then
        mkdir -m "$mode" -- "$prefix" || return 1
        fresh=yes
        break
      fi
      # one process for mkdir, chown and chmod, in that order (GNU
      # install -d: the entry is missing and its directory root's alone,
      # so the one it makes is the one it chowns), and the mode exactly
      # MODE (a setgid bit the directory would hand down is cleared)
      install -d -m "$mode" -o "$owner" -g "$group" -- "$prefix" || return 1
      return 0
    fi
    if ! mkdir -- "$prefix" && [[ ! -e $prefix && ! -L $prefix ]]; then
      return 1
    fi
    made=yes
    pallet_file_writer "$path" "$owner" || return 1
    if [[ $PALLET_WRITER != "$me" ]]; then
      printf 'pallet: refusing to make %s: %s was made by someone else meanwhile\n' "$path" "$prefix" >&2
      return 1
    fi
  done
  if [[ -L $path || ( -e $path && ! -d $path ) ]]; then
    printf 'pallet: %s exists and is not a directory: remove it first\n' "$path" >&2
    return 1
  fi
  if [[ $fresh == yes && ! -g $path ]]; then
    if [[ ($owner == root || $owner == 0) && ($group == root || $group == 0) && -O $path && -G $path ]]; then
      return 0
    fi
    chown -h -- "$owner:$group" "$path" || return 1
    return 0
  fi
  pallet_file_set_meta "$path" "$mode" "$owner" "$group" || return 1
  if ((8#$mode & 8#2000)) && [[ ! -g $path ]]; then
    printf 'pallet: %s lost its setgid bit: %s, who sets its mode here (the way to it is not root'"'"'s alone), is not in group %s, and the kernel drops the bit for a non-member; put %s in %s, or make the directory holding %s root'"'"'s\n' "$path" "$(id -un)" "$group" "$(id -un)" "$group" "$path" >&2
    return 1
  fi
}

# pallet_directory_make PATH MODE OWNER GROUP PARENTS makes PATH a directory
# (creating missing parents when PARENTS is yes) with exactly that owner,
# group and mode. A symlink or a file at PATH is an error, never replaced.
# Who does it is pallet_file_writer's answer for PATH itself, as for
# pallet_write_file: a directory another user made there first is theirs,
# never adopted. Root makes what is missing one entry at a time (mkdir,
# never -p, which would follow a symlink planted meanwhile) and walks PATH
# again after each, so a directory it then chowns and chmods is one it made
# or owned already, which no one else can replace.
pallet_directory_make() {
  local path=$1 mode=$2 owner=$3 group=$4 parents=$5 who prefix='' rest part
  who=$(pallet_file_writer "$path" "$owner") || return 1
  if [[ $who != root ]]; then
    pallet_as_user "$who" 'pallet_directory_make_as pallet_file_set_meta' "$path" "$mode" "$owner" "$group" "$parents"
    return
  fi
  rest=${path#/}
  while [[ -n $rest ]]; do
    part=${rest%%/*}
    if [[ $rest == */* ]]; then
      rest=${rest#*/}
    else
      rest=
    fi
    prefix=${prefix%/}/$part
    if [[ -e $prefix || -L $prefix ]]; then
      continue
    fi
    if [[ -n ${rest//\//} && $parents != yes ]]; then
      printf 'pallet: cannot make %s: %s does not exist (recursive makes it)\n' "$path" "$prefix" >&2
      return 1
    fi
    if ! mkdir -- "$prefix" && [[ ! -e $prefix && ! -L $prefix ]]; then
      return 1
    fi
    who=$(pallet_file_writer "$path" "$owner") || return 1
    if [[ $who != root ]]; then
      printf 'pallet: refusing to make %s: %s was made by someone else meanwhile\n' "$path" "$prefix" >&2
      return 1
    fi
  done
  pallet_directory_make_as "$path" "$mode" "$owner" "$group" "$parents"
}

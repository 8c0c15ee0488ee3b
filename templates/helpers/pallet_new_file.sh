# pallet_new_file PATH creates PATH as a new, empty file only its owner may
# read (what mktemp makes), exclusively: it fails if anything is at PATH,
# and noclobber opens it O_EXCL, so a regular file put there (through a
# symlink too) makes the open fail. bash's noclobber opens what is there
# without O_EXCL when it is not a regular file (a symlink to /dev/null, or
# to a FIFO, whose open would wait for a writer): so PATH is refused when
# there is anything at it before the open, and the file made must be a
# regular file of its own, not a symlink, after. It starts no process:
# the umask (077 while the file is made) is read back from
# /proc/self/status rather than from a $(umask) subshell, and where that
# has no Umask line the file is made in a subshell instead.
# pallet_new_file PATH MODE, as root and for a MODE within 0666, creates it
# with MODE at once (the umask is MODE's complement while it is made), so
# that pallet_file_set_meta needs no chmod: a rename-into-place file that
# is to be 0644 holds nothing another user may not read once it is in
# place. PALLET_NEW_FILE and PALLET_NEW_MODE then say so; the mode the
# kernel gave is still looked at before it counts (a default ACL on the
# directory decides the mode instead of the umask).
pallet_new_file() {
  local - k v mask='' rc=0 make=077 m=${2-}
  PALLET_NEW_FILE='' PALLET_NEW_MODE=''
  # MODE: three octal digits, or four with a leading 0 (globs, not a
  # regex compiled at each call)
  if [[ ${#m} == 4 && $m == 0* ]]; then
    m=${m#0}
  fi
  if ((EUID == 0)) && [[ ${#m} == 3 && $m != *[!0-7]* ]] && ! ((8#$2 & 8#7111)); then
    printf -v make '%03o' "$((8#777 & ~8#$2))"
  fi
  while read -r k v; do
    if [[ $k == Umask: ]]; then
      mask=$v
      break
    fi
  done </proc/self/status 2>/dev/null || true
  set -C
  if [[ -e $1 || -L $1 ]]; then
    echo "pallet: cannot create $1: it is there already" >&2
    return 1
  fi
  if [[ -z $mask || $mask == *[!0-7]* ]]; then
    # no umask to set back: made owner-only, in a subshell
    make=077
    (
      umask 077
      : >"$1"
    ) || return
  else
    umask "$make"
    { : >"$1"; } 2>/dev/null || rc=$?
    umask "$mask"
  fi
  if ((rc == 0)) && [[ -L $1 || ! -f $1 || ! -O $1 ]]; then
    echo "pallet: $1 is not the regular file made for it: something else was put there" >&2
    return 1
  fi
  if ((rc != 0)); then
    echo "pallet: cannot create $1: it is there already, or its directory refuses" >&2
  elif [[ $make != 077 ]]; then
    # shellcheck disable=SC2034 # read by pallet_file_set_meta
    PALLET_NEW_FILE=$1 PALLET_NEW_MODE=$2
  fi
  return "$rc"
}

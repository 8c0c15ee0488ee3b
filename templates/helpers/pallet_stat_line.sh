# pallet_stat_line "UID MODE LINKS GID KIND NAMES" adds to PALLET_STATS the
# line pallet_stat_walk gives, KIND made a word: KIND is find's %y (a
# letter) or stat's %f (the raw mode, in hex). It fails on anything else.
# The fields are cut with expansions and checked with globs: a read from
# a here-string (a pipe, read a byte at a time) and a regex (compiled at
# each test) cost more than the rest of a look.
pallet_stat_line() {
  local uid mode links gid kind names type rest=$1
  # one space between the fields, the names last (they may hold spaces)
  [[ $rest == ?*' '?*' '?*' '?*' '?*' '?* ]] || return 1
  uid=${rest%%' '*} rest=${rest#*' '}
  mode=${rest%%' '*} rest=${rest#*' '}
  links=${rest%%' '*} rest=${rest#*' '}
  gid=${rest%%' '*} rest=${rest#*' '}
  kind=${rest%%' '*} names=${rest#*' '}
  [[ -n $uid && -n $mode && -n $links && -n $gid && -n $kind && $uid$links$gid != *[!0-9]* && $mode != *[!0-7]* ]] || return 1
  if ((${#kind} > 1)) && [[ $kind != *[!0-9a-f]* ]]; then
    case $((16#$kind & 16#f000)) in
      $((16#8000))) kind=f ;;
      $((16#4000))) kind=d ;;
      $((16#a000))) kind=l ;;
      $((16#1000))) kind=p ;;
      $((16#c000))) kind=s ;;
      $((16#2000))) kind=c ;;
      $((16#6000))) kind=b ;;
      *) return 1 ;;
    esac
  fi
  case $kind in
    f) type='file' ;;
    d) type=directory ;;
    l) type=symlink ;;
    p) type=fifo ;;
    s) type=socket ;;
    c) type=char ;;
    b) type=block ;;
    *) return 1 ;;
  esac
  PALLET_STATS+=("$uid $mode $links $gid $type $names")
}

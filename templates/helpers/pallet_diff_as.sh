# pallet_diff_as PATH [edit ACTION LINE MATCH | sum SHA256 [SIZE [secret]]]
# is pallet_diff, run by the reader pallet_as_reader found: a symlink is
# followed, PATH is read with pallet_file_read (a FIFO fails at once), and
# the copies it compares are in a directory of its own, removed after.
pallet_diff_as() {
  local path=$1 label=$1 tmp old=/dev/null rc=0 have
  if [[ -L $path ]]; then
    path=$(readlink -f -- "$path") || return 1
  fi
  tmp=$(mktemp -d) || return 1
  if [[ -e $path ]]; then
    pallet_file_read "$path" cat >"$tmp/old" || rc=$?
    old=$tmp/old
  else
    label=/dev/null
  fi
  if ((rc == 0)); then
    case ${2:-} in
      sum)
        have=$(pallet_diff_summary "$old")
        if [[ $have != *" sha256 $3" ]]; then
          if [[ ${5:-} == secret ]]; then
            echo 'secret content changed (diff hidden)'
          else
            printf 'content not diffed (not in the script, nor its payload beside it): old %s -> new %ssha256 %s\n' "$have" "${4:+$4 bytes }" "$3"
          fi
        fi
        ;;
      edit)
        pallet_file_line_awk edit "$3" "$4" "$5" <"$old" >"$tmp/new" || rc=$?
        ;;
      *) cat >"$tmp/new" || rc=$? ;;
    esac
  fi
  if ((rc == 0)) && [[ ${2:-} != sum ]]; then
    pallet_diff_files "$old" "$tmp/new" "$label" "$1" || rc=$?
  fi
  rm -rf -- "$tmp"
  return "$rc"
}

# pallet_stdin_into FILE writes its stdin to FILE, byte for byte. From a
# pipe, its first 4 KiB are read by bash (in pieces between NUL bytes,
# which a bash variable cannot hold, each written back with its NUL), and
# only what is left after that goes through cat: the content a script
# carries inline (a here-string, UTF-8) mostly fits, and then costs no
# fork and exec. From a file (a payload) it is all cat's.
pallet_stdin_into() {
  local data left=4096 rc
  if [[ ! -p /dev/stdin ]]; then
    cat >"$1"
    return
  fi
  {
    while :; do
      rc=0
      IFS= read -r -d '' -n "$left" data || rc=$?
      if ((rc != 0)); then
        # the end of the input: what came before it
        printf '%s' "$data"
        return 0
      fi
      if ((${#data} == left)); then
        printf '%s' "$data"
        cat
        return
      fi
      # a NUL byte ended this piece
      printf '%s\0' "$data"
      left=$((left - ${#data} - 1))
      if ((left <= 0)); then
        cat
        return
      fi
    done
  } >"$1"
}

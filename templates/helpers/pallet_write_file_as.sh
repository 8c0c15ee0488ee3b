# pallet_write_file_as PATH MODE OWNER GROUP is pallet_write_file's write:
# a temporary file in the same directory takes the content, owner and
# mode, then is renamed over PATH, so no reader (and no dropped connection)
# ever sees PATH half-written. The temporary name is picked and its
# cleanup trap set before the file exists, so a script stopped at any
# point leaves nothing behind; noclobber creates it exclusively (O_EXCL),
# owner-only until its mode is set (pallet_new_file), and the name is
# bash's own (pallet_temp_name): neither takes a process, nor does taking
# in inline content (pallet_stdin_into). Only a regular file or a symlink at
# PATH is replaced: a FIFO, socket, device or directory there is refused,
# saying what it is (mv -T would not move into a directory anyway).
# pallet_write_file_as PATH MODE OWNER GROUP CHECK ARGS... also runs
# CHECK ARGS... TMP PATH once the temporary file TMP is complete, before
# the rename: when CHECK fails, PATH is left as it was and so is the write
# (nftables checks and loads a ruleset there, so a file that fails never
# goes live).
pallet_write_file_as() {
  local path=$1 mode=$2 owner=$3 group=$4 tmp
  shift 4
  pallet_file_need_dir "$path" || return 1
  if [[ -e $path && ! -L $path && ! -f $path ]]; then
    echo "pallet: $path is not a regular file ($(stat -c %F -- "$path")): remove it, pallet does not replace it" >&2
    return 1
  fi
  pallet_dirname "$path"
  pallet_temp_file "$PALLET_DIR" "$mode"
  tmp=$PALLET_TEMP
  pallet_stdin_into "$tmp"
  pallet_file_set_meta "$tmp" "$mode" "$owner" "$group"
  if (($#)); then
    "$@" "$tmp" "$path" || return 1
  fi
  mv -fT -- "$tmp" "$path"
  # the proof a checked step ends with ({{ apply_checked }}: file,
  # template), made by the writer that wrote: what is at PATH now is a
  # regular file with that mode, owner and group, and its content is what
  # went into the temporary file that was renamed there, a new file of
  # the writer's own (O_EXCL) in a directory no one else can change
  if [[ -L $path || ! -f $path ]] || ! pallet_meta_is "$path" "$mode" "$owner" "$group"; then
    echo "pallet: $path is not as it was written, right after the rename" >&2
    return 98
  fi
}

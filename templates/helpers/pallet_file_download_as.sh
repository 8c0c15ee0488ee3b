# pallet_file_download_as URL PATH SHA256 MODE OWNER GROUP is
# pallet_file_download's work, run by the writer pallet_as_writer found.
# The URL goes to curl on stdin (-K -, a config file), to GNU wget on stdin
# (-i -), never on a command line every user can read: it may carry a
# token. busybox wget takes URLs only as arguments, so there curl is
# needed. Anything at PATH but a regular file or a symlink (a FIFO, a
# device) is refused, not replaced.
pallet_file_download_as() {
  local url=$1 path=$2 sha=$3 mode=$4 owner=$5 group=$6 tmp have quoted
  if pallet_file_sha256_is "$path" "$sha"; then
    pallet_file_set_meta "$path" "$mode" "$owner" "$group"
    return
  fi
  pallet_file_need_dir "$path" || return 1
  if [[ -e $path && ! -L $path && ! -f $path ]]; then
    echo "pallet: $path is not a regular file ($(stat -c %F -- "$path")): remove it, pallet does not replace it" >&2
    return 1
  fi
  pallet_dirname "$path"
  pallet_temp_file "$PALLET_DIR"
  tmp=$PALLET_TEMP
  if command -v curl >/dev/null 2>&1; then
    # a curl config string: \ and " escaped (the URL holds no white space)
    quoted=${url//\\/\\\\}
    quoted=${quoted//\"/\\\"}
    printf 'url = "%s"\n' "$quoted" | curl -fsSL --retry 3 -o "$tmp" -K -
  elif command -v wget >/dev/null 2>&1; then
    if [[ $(wget --version 2>/dev/null || true) != *'GNU Wget'* ]]; then
      echo "pallet: cannot download $path: this wget (busybox) takes the URL only on its command line, where every user could read it; install curl (package crate)" >&2
      return 1
    fi
    printf '%s\n' "$url" | wget -q -O "$tmp" -i -
  else
    echo "pallet: cannot download $path: neither curl nor wget is installed (install curl first, with the package crate)" >&2
    return 1
  fi
  have=$(pallet_file_read "$tmp" sha256sum)
  have=${have%% *}
  if [[ $have != "$sha" ]]; then
    echo "pallet: the download for $path has sha256 $have, not $sha: $path left as it was" >&2
    return 1
  fi
  pallet_file_set_meta "$tmp" "$mode" "$owner" "$group"
  mv -fT -- "$tmp" "$path"
}

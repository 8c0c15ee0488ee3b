# pallet_file_download URL PATH SHA256 MODE OWNER GROUP downloads URL with
# curl or wget into a temporary file beside PATH, checks its sha256, gives it
# its owner, group and mode, and only then renames it over PATH. A failed
# download or a wrong checksum leaves PATH as it was and no temporary file.
pallet_file_download() {
  local url=$1 path=$2 sha=$3 mode=$4 owner=$5 group=$6 dir tmp have
  dir=$(dirname -- "$path")
  if [[ ! -d $dir ]]; then
    echo "pallet: cannot download to $path: directory $dir does not exist (create it first, with the directory crate)" >&2
    return 1
  fi
  tmp=$(mktemp "$dir/.pallet.XXXXXX")
  # shellcheck disable=SC2064 # expand $tmp now, quoted: it is local
  trap "rm -f -- $(printf '%q' "$tmp")" EXIT
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 3 -o "$tmp" -- "$url"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$tmp" -- "$url"
  else
    echo "pallet: cannot download $url: neither curl nor wget is installed (install one first, with the package crate)" >&2
    return 1
  fi
  have=$(sha256sum <"$tmp")
  have=${have%% *}
  if [[ $have != "$sha" ]]; then
    echo "pallet: $url has sha256 $have, not $sha: $path left as it was" >&2
    return 1
  fi
  pallet_file_set_meta "$tmp" "$mode" "$owner" "$group"
  mv -fT -- "$tmp" "$path"
}

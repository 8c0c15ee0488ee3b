# pallet_file_download_as URL PATH SHA256 MODE OWNER GROUP is
# pallet_file_download's work, run by the user pallet_file_writer chose.
pallet_file_download_as() {
  local url=$1 path=$2 sha=$3 mode=$4 owner=$5 group=$6 tmp have
  if pallet_file_sha256_is "$path" "$sha"; then
    pallet_file_set_meta "$path" "$mode" "$owner" "$group"
    return
  fi
  tmp=$(mktemp "$(dirname -- "$path")/.pallet.XXXXXX")
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

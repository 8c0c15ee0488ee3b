# pallet_pkg_codename prints the release's codename (VERSION_CODENAME in
# /etc/os-release: bookworm, noble), read as data rather than sourced.
pallet_pkg_codename() {
  local key value
  while IFS='=' read -r key value; do
    if [[ $key == VERSION_CODENAME ]]; then
      value=${value#[\"\']}
      value=${value%[\"\']}
      [[ -n $value ]] || break
      printf '%s\n' "$value"
      return 0
    fi
  done </etc/os-release
  echo "no VERSION_CODENAME in /etc/os-release: give the suite" >&2
  return 1
}

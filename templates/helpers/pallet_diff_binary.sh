# pallet_diff_binary FILE succeeds when FILE holds a NUL byte or is not
# UTF-8 (when iconv is there to tell).
pallet_diff_binary() {
  local size
  size=$(wc -c <"$1")
  ((size > 0)) || return 1
  [[ $(tr -d '\000' <"$1" | wc -c) != "$size" ]] && return 0
  command -v iconv >/dev/null || return 1
  ! iconv -f UTF-8 -t UTF-8 -- "$1" >/dev/null 2>&1
}


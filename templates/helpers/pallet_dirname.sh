# pallet_dirname PATH sets PALLET_DIR to what dirname PATH prints (PATH's
# directory: /a/b/ gives /a, b gives ., / gives /), without a process.
pallet_dirname() {
  local p=$1
  while [[ $p == */ && $p != / ]]; do
    p=${p%/}
  done
  if [[ $p != */* ]]; then
    PALLET_DIR=.
    return 0
  fi
  p=${p%/*}
  while [[ $p == */ ]]; do
    p=${p%/}
  done
  PALLET_DIR=${p:-/}
}

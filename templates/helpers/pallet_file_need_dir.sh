# pallet_file_need_dir PATH fails, saying what to do, when the directory
# PATH would go in does not exist: pallet makes a file's directory only in
# a step of its own (the directory crate), with the owner and mode it is
# given there.
pallet_file_need_dir() {
  local dir
  pallet_dirname "$1"
  dir=$PALLET_DIR
  if [[ ! -d $dir ]]; then
    echo "pallet: cannot write $1: directory $dir does not exist; create it in an earlier step (directory crate)" >&2
    return 1
  fi
}

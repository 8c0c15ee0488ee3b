# pallet_diff_files OLD NEW OLD-LABEL NEW-LABEL prints a unified diff from
# the file OLD to the file NEW, nothing when they are the same. Binary
# content (a NUL byte, or not UTF-8) is summarised by size and sha256, as
# is everything where diff is missing: diffutils is Priority: required in
# Debian, but minimal images (and busybox's diff without --label) lack it.
pallet_diff_files() {
  local old=$1 new=$2 rc=0
  if cmp -s -- "$old" "$new" 2>/dev/null; then
    return 0
  fi
  if pallet_diff_binary "$old" || pallet_diff_binary "$new"; then
    printf 'binary: old %s -> new %s\n' "$(pallet_diff_summary "$old")" "$(pallet_diff_summary "$new")"
    return 0
  fi
  if ! command -v diff >/dev/null || ! diff --label a --label b /dev/null /dev/null >/dev/null 2>&1; then
    printf 'diff unavailable on the node (install diffutils): old %s -> new %s\n' "$(pallet_diff_summary "$old")" "$(pallet_diff_summary "$new")"
    return 0
  fi
  diff -u --label "$3" --label "$4" -- "$old" "$new" || rc=$?
  ((rc <= 1))
}


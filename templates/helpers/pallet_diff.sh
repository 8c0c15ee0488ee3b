# pallet_diff PATH [edit ACTION LINE MATCH | sum SHA256 SIZE [secret]]
# prints what a step would do to the file PATH's content, for --diff
# (PALLET_DIFF=1; see pallet_step_diff): a unified diff from PATH as it is
# (a missing file is /dev/null) to the content on stdin, or, with "edit",
# to PATH as pallet_file_line_awk would leave it. "sum" is for content
# that is only a payload (binary, large or secret), which check mode does
# not upload: it prints the old and new sizes and sha256 when they differ,
# and, "secret", only that the content changed. PATH is read as
# pallet_as_reader says, like the check reads it: never as root through a
# path a user controls.
pallet_diff() {
  pallet_as_reader "$1" follow pallet_diff_as "$@" || {
    printf 'pallet: cannot read %s the way its check does: no diff\n' "$1"
    return 0
  }
}

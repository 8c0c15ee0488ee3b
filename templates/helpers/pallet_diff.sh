# pallet_diff PATH [edit ACTION LINE MATCH | sum SHA256 [SIZE [secret]]]
# prints what a step would do to the file PATH's content, for --diff
# (PALLET_DIFF=1; see pallet_step_diff): a unified diff from PATH as it is
# (a missing file is /dev/null) to the content on stdin, or, with "edit",
# to PATH as pallet_file_line_awk would leave it. "sum" is for content
# that is only a payload (binary, large or secret), which check mode does
# not upload: when the payload is there all the same (apply mode, or
# check mode with --diff, which uploads payloads) it is diffed like
# content on stdin; else the old and new sizes and sha256 are printed when
# they differ (SIZE may be '', as for a download). For "secret" content it says only that the content changed,
# and the payload is never read. PATH is read as pallet_as_reader says,
# like the check reads it: never as root through a path a user controls.
pallet_diff() {
  local new rc=0
  if [[ ${2:-} == sum && -z ${5:-} ]] && new=$(pallet_payload "$3" 2>/dev/null); then
    pallet_as_reader "$1" follow pallet_diff_as "$1" <"$new" || rc=$?
  else
    pallet_as_reader "$1" follow pallet_diff_as "$@" || rc=$?
  fi
  if ((rc != 0)); then
    printf 'pallet: cannot read %s the way its check does: no diff\n' "$1"
  fi
}

# pallet_pkg_apk_repositories LINE prints /etc/apk/repositories with LINE
# in it once: other lines stay as they are, LINE is appended when missing.
pallet_pkg_apk_repositories() {
  # shellcheck disable=SC2016 # an awk program, for awk to expand
  PALLET_LINE=$1 pallet_file_read /etc/apk/repositories awk '
    $0 == ENVIRON["PALLET_LINE"] { if (seen++) next }
    { print }
    END { if (!seen) print ENVIRON["PALLET_LINE"] }
  '
}

# pallet_pkg_apk_repositories LINE prints /etc/apk/repositories with LINE
# in it once: other lines stay as they are, LINE is appended when missing.
pallet_pkg_apk_repositories() {
  PALLET_LINE=$1 awk '
    $0 == ENVIRON["PALLET_LINE"] { if (seen++) next }
    { print }
    END { if (!seen) print ENVIRON["PALLET_LINE"] }
  ' /etc/apk/repositories
}

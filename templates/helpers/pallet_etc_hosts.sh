# pallet_etc_hosts ID present|absent BLOCK prints /etc/hosts with its
# block "# BEGIN pallet etc-hosts ID" ... "# END pallet etc-hosts ID" made
# BLOCK (the lines between the markers; present), or taken out (absent).
# A present block is replaced where it stands, else appended; a second
# block of the same ID is dropped; every other line is kept as it is. A
# BEGIN line with no END after it fails, naming the line, rather than
# guess where the block ends. BLOCK reaches awk through the environment,
# never on a command line.
pallet_etc_hosts() {
  # shellcheck disable=SC2016 # an awk program, for awk to expand
  PALLET_ID=$1 PALLET_STATE=$2 PALLET_BLOCK=$3 pallet_file_read /etc/hosts awk '
    BEGIN {
      begin = "# BEGIN pallet etc-hosts " ENVIRON["PALLET_ID"]
      end = "# END pallet etc-hosts " ENVIRON["PALLET_ID"]
      present = ENVIRON["PALLET_STATE"] == "present"
      block = begin "\n"
      if (ENVIRON["PALLET_BLOCK"] != "") block = block ENVIRON["PALLET_BLOCK"] "\n"
      block = block end "\n"
    }
    $0 == begin {
      if (!done && present) printf "%s", block
      done = 1
      inside = NR
      next
    }
    inside && $0 == end { inside = 0; next }
    inside { next }
    { print }
    END {
      if (inside) {
        printf "pallet: /etc/hosts line %d: \"%s\" has no \"%s\" after it: mend the file by hand\n", inside, begin, end > "/dev/stderr"
        exit 3
      }
      if (!done && present) printf "%s", block
    }
  '
}

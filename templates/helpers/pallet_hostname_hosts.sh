# pallet_hostname_hosts LINE prints /etc/hosts with LINE as its one
# 127.0.1.1 line, the Debian convention for a host's own name: in place of
# the first 127.0.1.1 line, else right after the first 127.0.0.1 line, else
# at the end. Other 127.0.1.1 lines are dropped; everything else is kept.
pallet_hostname_hosts() {
  # shellcheck disable=SC2016 # an awk program, for awk to expand
  PALLET_LINE=$1 pallet_file_read /etc/hosts awk '
    $1 == "127.0.1.1" {
      if (!done) print ENVIRON["PALLET_LINE"]
      done = 1
      next
    }
    { print }
    !done && $1 == "127.0.0.1" {
      print ENVIRON["PALLET_LINE"]
      done = 1
    }
    END { if (!done) print ENVIRON["PALLET_LINE"] }
  '
}

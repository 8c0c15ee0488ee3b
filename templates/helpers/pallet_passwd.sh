# pallet_passwd USER sets PALLET_PASSWD to USER's passwd line (a name, or
# a uid when USER is all digits), what getent passwd USER prints, and
# fails when there is none. Where the name service asks /etc/passwd first
# (nsswitch.conf: "passwd: files ..."), a line found there is the answer,
# as glibc's own lookup would find it first: bash reads it, with no
# process. Anywhere else, or when /etc/passwd has no such line, getent
# answers (LDAP, sssd, systemd's dynamic users, busybox).
pallet_passwd() {
  local user=$1 k v line field=1 files=no
  PALLET_PASSWD=
  if [[ -n $user && $user != *:* && -f /etc/nsswitch.conf && -f /etc/passwd && ! -L /etc/passwd ]]; then
    while read -r k v; do
      if [[ $k == passwd: ]]; then
        [[ $v =~ ^files([[:space:]]|$) ]] && files=yes
        break
      fi
    done </etc/nsswitch.conf
  fi
  if [[ $files == yes ]]; then
    [[ $user =~ ^[0-9]+$ ]] && field=3
    while IFS= read -r line || [[ -n $line ]]; do
      case $line in
        '#'*)
          # a comment, as glibc skips it
          continue
          ;;
        [[:space:]]* | [+-]*)
          # read otherwise by glibc (leading blanks, NIS compat): ask it
          break
          ;;
      esac
      if ((field == 1)); then
        [[ $line == "$user:"* ]] || continue
      else
        IFS=: read -r _ _ k _ <<<"$line"
        [[ $k == "$user" ]] || continue
      fi
      PALLET_PASSWD=$line
      return 0
    done </etc/passwd
  fi
  PALLET_PASSWD=$(getent passwd "$user")
}

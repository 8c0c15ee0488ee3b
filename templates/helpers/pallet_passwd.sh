# pallet_passwd USER sets PALLET_PASSWD to USER's passwd line (a name, or
# a uid when USER is all digits), what getent passwd USER prints, and
# fails when there is none. Where the name service asks /etc/passwd first
# (nsswitch.conf: "passwd: files ..."), a line found there is the answer,
# as glibc's own lookup would find it first: bash reads it, with no
# process. Where it asks /etc/passwd alone ("passwd: files"), a user with
# no line there is no user: glibc would ask nothing else, so neither does
# getent (a new user's first look costs no process). Anywhere else, or
# when /etc/passwd has a line glibc reads otherwise (leading blanks, NIS
# compat) before the answer, getent answers (LDAP, sssd, systemd's
# dynamic users, busybox). Comments are skipped, as glibc skips them; a
# uid is compared as a number (01001 is 1001, as glibc reads it).
# /etc/passwd is read by one mapfile and its lines tested with globs and
# expansions, each line costing a few commands: a read a line (two system
# calls each) and a here-string a line for a uid cost several times as
# much, and an expansion over the whole file is quadratic in bash.
pallet_passwd() {
  local user=$1 k v line files=no byname=yes
  local -a lines=()
  PALLET_PASSWD=
  if [[ -n $user && $user != *:* && $user != '#'* && -f /etc/nsswitch.conf && -f /etc/passwd && ! -L /etc/passwd ]]; then
    while read -r k v; do
      if [[ $k == passwd: ]]; then
        if [[ $v == files ]]; then
          files=only
        elif [[ $v == files[[:space:]]* ]]; then
          files=yes
        fi
        break
      fi
    done </etc/nsswitch.conf
  fi
  if [[ $files != no ]]; then
    [[ -n ${user//[0-9]/} ]] || byname=no
    mapfile -t lines </etc/passwd || files=no
    for line in "${lines[@]}"; do
      case $line in
        '#'*)
          # a comment, as glibc skips it
          continue
          ;;
        [[:space:]]* | [+-]*)
          # read otherwise by glibc (leading blanks, NIS compat): ask it
          files=no
          break
          ;;
        "$user:"*)
          if [[ $byname == yes ]]; then
            PALLET_PASSWD=$line
            return 0
          fi
          ;;
      esac
      [[ $byname == no && $line == *:*:* ]] || continue
      # the third field, a number
      k=${line#*:} k=${k#*:} k=${k%%:*}
      if [[ -n $k && $k != *[!0-9]* ]] && ((10#$k == 10#$user)); then
        PALLET_PASSWD=$line
        return 0
      fi
    done
    [[ $files != only ]] || return 2
  fi
  PALLET_PASSWD=$(getent passwd "$user")
}

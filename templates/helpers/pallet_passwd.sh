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
# dynamic users, busybox).
# /etc/passwd is read whole, by one read, and searched with expansions
# that start with a literal (linear in bash, where a pattern that starts
# with * is not) or, for a uid, one regex: a read a line cost some ten
# times as much.
pallet_passwd() {
  local user=$1 k v c='' re before line files=no
  PALLET_PASSWD=
  if [[ -n $user && $user != *:* && -f /etc/nsswitch.conf && -f /etc/passwd && ! -L /etc/passwd ]]; then
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
    IFS= read -r -d '' c </etc/passwd || true
    c=$'\n'$c
    if [[ -n ${user//[0-9]/} ]]; then
      before=${c%%$'\n'"$user:"*}
    else
      # the first line whose third field is the uid
      re=$'\n''[^:'$'\n'']*:[^:'$'\n'']*:'$user':'
      before=$c
      if [[ $c =~ $re ]]; then
        before=${c%%"${BASH_REMATCH[0]}"*}
      fi
    fi
    # a line glibc reads otherwise (leading blanks, NIS compat) before the
    # answer, or as the answer: glibc answers
    if [[ $before == *$'\n'[$' \t\r\v\f'+-]* ]]; then
      files=no
    elif ((${#before} < ${#c})); then
      line=${c:${#before}+1}
      line=${line%%$'\n'*}
      if [[ $line != [$' \t\r\v\f'+-]* ]]; then
        PALLET_PASSWD=$line
        return 0
      fi
      files=no
    fi
    [[ $files != only ]] || return 2
  fi
  PALLET_PASSWD=$(getent passwd "$user")
}

# pallet_tcp_open HOST PORT succeeds when something accepts a TCP
# connection on HOST:PORT, through bash's /dev/tcp (nothing to install).
# The connection is closed at once, having sent nothing. An address that
# drops packets would make connect wait minutes: timeout(1), which GNU
# coreutils and busybox both have, ends it after 3 seconds.
pallet_tcp_open() {
  local host=$1 port=$2
  if command -v timeout >/dev/null 2>&1; then
    # shellcheck disable=SC2016 # expanded by the new bash, from its arguments
    timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$host" "$port" 2>/dev/null || return 1
  else
    (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null || return 1
  fi
}

# pallet_etc_hosts_write ID present|absent BLOCK writes what
# pallet_etc_hosts prints to /etc/hosts (atomically, root's, 0644), only
# once it has printed all of it: a failure (a block with no END) leaves
# the file as it was, where a pipe into the writer would have replaced it
# with what came before the failure.
pallet_etc_hosts_write() {
  local new
  new=$(pallet_etc_hosts "$@" && echo x) || return 1
  printf '%s' "${new%x}" | pallet_write_file /etc/hosts 0644 root root
}

# pallet_hostname_set NAME makes NAME the host's name now and at boot: with
# hostnamectl when systemd runs (it writes /etc/hostname too), else by
# writing /etc/hostname and setting the kernel's hostname directly.
pallet_hostname_set() {
  local name=$1
  if [[ -d /run/systemd/system ]] && command -v hostnamectl >/dev/null; then
    hostnamectl set-hostname -- "$name"
    return
  fi
  printf '%s\n' "$name" | pallet_write_file /etc/hostname 0644 root root
  if command -v hostname >/dev/null; then
    hostname -- "$name"
  else
    printf '%s\n' "$name" >/proc/sys/kernel/hostname
  fi
}

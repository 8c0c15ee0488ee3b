# pallet_sysctl_set KEY VALUE sets the kernel's live value of the sysctl
# KEY, as sysctl -w does, by writing its /proc/sys file with bash's own
# printf (the value never goes on a command line). It fails naming the key
# and why: a key this kernel does not have, a value the kernel refuses, or
# a /proc/sys that is read-only, as it mostly is in a container (a
# systemd-nspawn or docker container mounts it read-only, and most keys
# are not the container's own to set anyway: set them on the host).
pallet_sysctl_set() {
  local key=$1 value=$2 path err
  path=$(pallet_sysctl_path "$key") || return 1
  if [[ ! -e $path ]]; then
    printf 'pallet: sysctl %s does not exist on this node (no %s): check the name, or load the kernel module that has it\n' "$key" "$path" >&2
    return 1
  fi
  if ! err=$({ printf '%s\n' "$value" >"$path"; } 2>&1); then
    err=${err##*: }
    case $err in
      *[Rr]ead-only*)
        printf 'pallet: cannot set sysctl %s: %s is on a read-only file system (a container? /proc/sys is read-only there: set it on the host)\n' "$key" "$path" >&2
        ;;
      *)
        printf 'pallet: cannot set sysctl %s to %s: %s\n' "$key" "$value" "${err:-the kernel refused the value}" >&2
        ;;
    esac
    return 1
  fi
}

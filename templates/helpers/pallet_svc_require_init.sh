# pallet_svc_require_init systemd|openrc fails, saying why, when that init
# system is not running the node, so that a service step fails with the real
# reason (say, a container running sshd without systemd as PID 1) rather than
# with whatever systemctl or rc-service makes of it.
pallet_svc_require_init() {
  local pid1
  pid1=$(cat /proc/1/comm 2>/dev/null || echo unknown)
  case $1 in
    systemd)
      # sd_booted(3): this directory exists only when systemd is PID 1.
      if [[ ! -d /run/systemd/system ]]; then
        echo "pallet: systemd is not running on this node (PID 1 is $pid1): services cannot be started or stopped; boot the node with systemd as init" >&2
        return 1
      fi
      ;;
    openrc)
      if [[ ! -e /run/openrc/softlevel ]]; then
        echo "pallet: OpenRC has not booted this node (PID 1 is $pid1): services cannot be started or stopped; boot the node with OpenRC as init" >&2
        return 1
      fi
      ;;
  esac
}

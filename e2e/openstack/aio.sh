#!/bin/bash
# An OpenStack all-in-one from Debian 12's packages, for pallet's tests:
# Keystone, Glance, Placement, Nova (fake virt driver: servers go ACTIVE
# without VMs) and Neutron (ML2 with an agentless mechanism driver), with
# MariaDB and RabbitMQ, in a systemd-nspawn container that boots systemd
# in its own network namespace (nothing it listens on clashes with the host).
#
#   aio.sh up      build (first time) and start it; writes $STATE/clouds.yaml
#   aio.sh down    stop it and remove its state (the cache stays)
#   aio.sh status  say whether it is up
#
# The configured root filesystem is cached under $CACHE/<hash of these
# scripts>, so only the first run on a machine installs (some minutes); later
# ones boot the cache through an overlay, so every run starts from the same
# clean cloud. Needs root, systemd-nspawn, debootstrap, iproute2, curl.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
STATE=${PALLET_OS_STATE:-/var/tmp/pallet-openstack}
CACHE=${PALLET_OS_CACHE:-/var/cache/pallet-test/openstack}
MIRROR=${PALLET_OS_MIRROR:-http://deb.debian.org/debian}
NETNS=pallet-os
HOST_IF=pallet-os-h
CT_IF=pallet-os-c
HOST_IP=10.199.12.1
CT_IP=10.199.12.2
NSPAWN_BASE=/var/cache/pallet-test/nspawn/rootfs/bookworm

say() { echo "aio: $*" >&2; }
die() { echo "aio: error: $*" >&2; exit 1; }

[[ $(id -u) == 0 ]] || die "needs root (systemd-nspawn, network namespaces, overlay mounts)"
for t in systemd-nspawn ip curl nsenter flock sha256sum; do
  command -v "$t" >/dev/null || die "$t not found: apt-get install systemd-container iproute2 curl util-linux coreutils"
done

# Two cached layers: the installed packages (keyed by install.sh), and on
# top, as an overlay upper directory, the configured services (keyed by
# everything). Changing init.sh reconfigures without reinstalling.
PKEY=$(sha256sum <"$HERE/install.sh" | cut -c1-16)
KEY=$(cat "$HERE/install.sh" "$HERE/init.sh" "$HERE/pallet_fake_mech.py" <(echo "$CT_IP") | sha256sum | cut -c1-16)
BASE=$CACHE/pkgs-$PKEY/rootfs
CONF=$CACHE/conf-$KEY/upper
LOWER=$CONF:$BASE

nspawn_pid() { [[ -f $STATE/pid ]] && kill -0 "$(cat "$STATE/pid")" 2>/dev/null && cat "$STATE/pid"; }

# leader PID: the container's init, a child of systemd-nspawn running
# systemd in a PID namespace of its own. Not merely the first child: while
# it sets up, nspawn forks helpers that exit (under load one was taken for
# init, and every nsenter into it then failed).
leader() {
  local pid=$1 c own
  own=$(readlink /proc/self/ns/pid)
  for _ in $(seq 1 300); do
    # shellcheck disable=SC2013 # the file holds PIDs separated by spaces
    for c in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
      [[ $(cat /proc/"$c"/comm 2>/dev/null) == systemd &&
        $(readlink /proc/"$c"/ns/pid 2>/dev/null) != "$own" ]] && { echo "$c"; return 0; }
    done
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# inside PID CMD...: run CMD in the container, with a clean environment.
inside() {
  local l=$1; shift
  nsenter -t "$l" -m -u -i -n -p -- /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

net_up() {
  net_down
  ip netns add "$NETNS"
  ip link add "$HOST_IF" type veth peer name "$CT_IF" netns "$NETNS"
  ip addr add "$HOST_IP/30" dev "$HOST_IF"
  ip link set "$HOST_IF" up
  ip -n "$NETNS" addr add "$CT_IP/30" dev "$CT_IF"
  ip -n "$NETNS" link set "$CT_IF" up
  ip -n "$NETNS" link set lo up
}
net_down() {
  ip link del "$HOST_IF" 2>/dev/null || true
  ip netns del "$NETNS" 2>/dev/null || true
}

# boot DIR LOG: boot DIR in the namespace; prints the nspawn PID.
boot() {
  local dir=$1 log=$2
  net_up
  setsid systemd-nspawn --register=no --keep-unit -q --directory="$dir" --machine=pallet-os \
    --hostname=pallet-aio --network-namespace-path=/run/netns/$NETNS --link-journal=no \
    --console=read-only --boot </dev/null >"$log" 2>&1 &
  echo $!
}

# stop PID: power the container off (SIGTERM to nspawn halts its init) and wait.
stop() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  say "nspawn $pid did not stop in 60s, killing it"
  kill -KILL "$pid" 2>/dev/null || true
  sleep 1
}

# wait_systemd LEADER: until the container's systemd takes commands (its
# boot may go on "starting" for long while services still come up).
wait_systemd() {
  local state
  for _ in $(seq 1 120); do
    state=$(inside "$1" systemctl is-system-running 2>/dev/null || true)
    case $state in starting|running|degraded) return 0 ;; esac
    sleep 1
  done
  say "the container's systemd is still '${state:-silent}' after 120s"
  return 1
}

# overlay LOWER UPPER DIR: mount an overlay of UPPER on LOWER at DIR/merged.
overlay() {
  mkdir -p "$2" "$3/work" "$3/merged"
  mount -t overlay overlay -o "lowerdir=$1,upperdir=$2,workdir=$3/work" "$3/merged" ||
    die "mounting an overlay on $3/merged failed (is the overlay module there?)"
}

build_packages() {
  [[ -f $BASE/.complete ]] && return 0
  local tmp=$CACHE/pkgs-$PKEY/rootfs.tmp log=$CACHE/pkgs-$PKEY/build.log t0=$SECONDS
  mkdir -p "$CACHE/pkgs-$PKEY"
  rm -rf "$tmp"
  : >"$log"
  if [[ -f $NSPAWN_BASE/.pallet-rootfs-complete ]]; then
    say "root filesystem: a copy of the nspawn provider's cached bookworm (log: $log)"
    cp -a "$NSPAWN_BASE" "$tmp"
  else
    command -v debootstrap >/dev/null || die "debootstrap not found: apt-get install debootstrap"
    say "debootstrap bookworm (log: $log)"
    debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,iproute2 bookworm "$tmp" "$MIRROR" >>"$log" 2>&1 ||
      die "debootstrap failed (is $MIRROR reachable?); the end of $log:
$(tail -5 "$log")"
  fi
  say "installing the OpenStack packages (the slow part, some minutes)"
  cp "$HERE/install.sh" "$tmp/root/"
  systemd-nspawn --register=no --keep-unit -q -D "$tmp" --pipe bash /root/install.sh </dev/null >>"$log" 2>&1 ||
    die "installing the packages failed (a package missing from $MIRROR, or the mirror unreachable?); the end of $log:
$(tail -15 "$log")"
  touch "$tmp/.complete"
  rm -rf "$BASE"
  mv "$tmp" "$BASE"
  say "packages installed in $((SECONDS - t0))s"
}

build_config() {
  [[ -f $CONF/.complete ]] && return 0
  local dir=$CACHE/conf-$KEY log=$CACHE/conf-$KEY/build.log t0=$SECONDS pid l
  mkdir -p "$dir"
  if mountpoint -q "$dir/merged" 2>/dev/null; then umount "$dir/merged"; fi
  rm -rf "$dir/upper.tmp" "$dir/work"
  : >"$log"
  say "configuring the services on first boot (log: $log)"
  overlay "$BASE" "$dir/upper.tmp" "$dir"
  # Copies, so that editing the scripts meanwhile cannot change a run.
  cp "$HERE/pallet_fake_mech.py" "$HERE/init.sh" "$dir/merged/root/"
  pid=$(boot "$dir/merged" "$dir/console.log")
  fail() {
    { echo "--- failed units and the journal's end:"
      inside "$l" systemctl --failed --no-legend --no-pager
      inside "$l" journalctl -n 40 --no-pager; } >>"$log" 2>&1 || true
    stop "$pid"; net_down; umount "$dir/merged" || true
    die "$1; the end of $log:
$(tail -60 "$log")"
  }
  trap 'fail interrupted' INT TERM
  l=$(leader "$pid") || fail "the container did not start: $(tail -5 "$dir/console.log")"
  wait_systemd "$l" || fail "the container's systemd did not answer"
  # In the background and waited for, so that a TERM stops the container
  # at once (bash runs a trap only after its foreground command ends).
  inside "$l" bash /root/init.sh "$CT_IP" </dev/null >>"$log" 2>&1 &
  wait $! || fail "configuring failed"
  stop "$pid"
  net_down
  umount "$dir/merged"
  trap - INT TERM
  touch "$dir/upper.tmp/.complete"
  rm -rf "$CONF"
  mv "$dir/upper.tmp" "$CONF"
  say "configured in $((SECONDS - t0))s"
}

build() {
  mkdir -p "$CACHE"
  exec 9>"$CACHE/build.lock"
  flock 9
  build_packages
  build_config
  local d
  for d in "$CACHE"/pkgs-* "$CACHE"/conf-*; do # layers of older versions of these scripts
    [[ -d $d && $d != "$CACHE/pkgs-$PKEY" && $d != "$CACHE/conf-$KEY" ]] || continue
    mountpoint -q "$d/merged" 2>/dev/null && continue
    say "removing the stale cache layer $d"
    rm -rf "$d"
  done
  exec 9>&-
}

# endpoints_up: whether every API answers; the silent ones are left in $silent.
endpoints_up() {
  local port
  silent=
  for port in 5000 9292 8778 8774 9696; do
    curl -s -o /dev/null -m 3 "http://$CT_IP:$port/" || silent+=" $port"
  done
  [[ -z $silent ]]
}

up() {
  if pid=$(nspawn_pid) && endpoints_up; then
    say "already up (systemd-nspawn $pid); clouds: $STATE/clouds.yaml"
    return 0
  fi
  down quiet
  build
  local t0=$SECONDS merged=$STATE/merged pid l
  mkdir -p "$STATE"
  overlay "$LOWER" "$STATE/upper" "$STATE"
  pid=$(boot "$merged" "$STATE/console.log")
  echo "$pid" >"$STATE/pid"
  l=$(leader "$pid") || die "the container did not start: $(tail -5 "$STATE/console.log")"
  wait_systemd "$l" || true
  for _ in $(seq 1 180); do endpoints_up && break; sleep 1; done
  if ! endpoints_up; then
    inside "$l" systemctl --failed --no-legend >&2 || true
    die "the services did not all answer at $CT_IP in 180s: nothing on port(s)$silent (5000 keystone, 9292 glance, 8778 placement, 8774 nova, 9696 neutron); stop with: $0 down"
  fi
  # nova-compute must be up again before a server can be scheduled.
  for _ in $(seq 1 120); do
    if inside "$l" bash -c '. /root/pallet-aio/admin-openrc && openstack compute service list --service nova-compute -f value -c State' 2>/dev/null | grep -qx up; then
      break
    fi
    sleep 1
  done
  install -m 0600 "$merged/root/pallet-aio/clouds.yaml" "$STATE/clouds.yaml"
  install -m 0600 "$merged/root/pallet-aio/secure.yaml" "$STATE/secure.yaml"
  say "up in $((SECONDS - t0))s: systemd-nspawn $pid (container pallet-os at $CT_IP, netns $NETNS)"
  say "started: mariadb rabbitmq keystone glance-api placement-api nova-api nova-conductor nova-scheduler nova-compute neutron-server"
  say "clouds: OS_CLIENT_CONFIG_FILE=$STATE/clouds.yaml, clouds pallet, pallet-admin, pallet-quota; stop with: $0 down"
}

down() {
  local pid
  if pid=$(nspawn_pid); then
    [[ ${1:-} == quiet ]] || say "stopping systemd-nspawn $pid"
    stop "$pid"
  fi
  rm -f "$STATE/pid"
  net_down
  if mountpoint -q "$STATE/merged" 2>/dev/null; then umount "$STATE/merged" || umount -l "$STATE/merged"; fi
  rm -rf "$STATE/upper" "$STATE/work" "$STATE/merged" "$STATE/clouds.yaml" "$STATE/secure.yaml"
}

status() {
  if pid=$(nspawn_pid) && endpoints_up; then
    echo "up: systemd-nspawn $pid, $CT_IP, clouds $STATE/clouds.yaml"
  else
    echo "down"
    return 1
  fi
}

case ${1:-} in
  up) up ;;
  down) down ;;
  status) status ;;
  build) build ;;
  *) echo "usage: $0 up|down|status|build" >&2; exit 2 ;;
esac

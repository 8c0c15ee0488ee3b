#!/bin/bash
# Stage 2 of the all-in-one, run once inside the booted container (aio.sh
# enters it with nsenter): configure MariaDB, RabbitMQ, Keystone, Glance,
# Placement, Nova (fake virt driver) and Neutron (ML2, the pallet_fake
# mechanism driver), register what the tests need, and leave the clouds
# files in /root/pallet-aio. The result is cached, so this runs once per
# version of these scripts. $1 is the container's address.
set -euo pipefail
IP=$1
export LC_ALL=C.UTF-8 HOME=/root
say() { echo "init: $*"; }
gen() { head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24; }
DBPW=$(gen) SVCPW=$(gen) ADMINPW=$(gen) USERPW=$(gen) QUOTAPW=$(gen)
umask 022

printf '127.0.0.1 localhost\n%s %s\n' "$IP" "$(hostname)" >/etc/hosts

# wait_http URL: until it answers at all (any HTTP status).
wait_http() {
  for _ in $(seq 1 180); do
    if curl -s -o /dev/null -m 3 "$1"; then return 0; fi
    sleep 1
  done
  echo "init: $1 did not answer in 180s" >&2
  return 1
}
# ini FILE: merge the INI text on stdin into FILE (values stay off argv).
ini() { crudini --merge "$1"; }

say "fewer workers"
# Debian sizes the uwsgi APIs for a server (8-16 processes each, with
# threads): on a CI machine that is a few hundred Python processes. Two
# of each serve a test. One thread each: nova-api and neutron-api run
# eventlet, whose green threads cannot switch between uwsgi's OS threads
# ("greenlet.error: cannot switch to a different thread"), and with 4 of
# them nova-api's POST /servers hung until the client gave up.
for f in /etc/keystone/keystone-uwsgi.ini /etc/glance/glance-api-uwsgi.ini /etc/placement/placement-api-uwsgi.ini \
  /etc/nova/nova-api-uwsgi.ini /etc/nova/nova-api-metadata-uwsgi.ini /etc/neutron/neutron-api-uwsgi.ini; do
  if [[ -f $f ]]; then printf '[uwsgi]\nprocesses = 2\nthreads = 1\n' | ini "$f"; fi
done
printf '[DEFAULT]\nworkers = 1\n' | ini /etc/glance/glance-api.conf
printf '[conductor]\nworkers = 1\n[scheduler]\nworkers = 1\n[DEFAULT]\nosapi_compute_workers = 1\nmetadata_workers = 1\n' | ini /etc/nova/nova.conf
printf '[DEFAULT]\napi_workers = 1\nrpc_workers = 1\nrpc_state_report_workers = 1\n' | ini /etc/neutron/neutron.conf

# Debian's configs name the region regionOne (keystonemiddleware then looks
# for an identity endpoint there); ours is RegionOne, as keystone-manage
# bootstrap and most clouds spell it.
sed -i 's/^\(os_\)\?region_name = regionOne$/\1region_name = RegionOne/' \
  /etc/nova/nova.conf /etc/neutron/neutron.conf /etc/glance/glance-api.conf /etc/placement/placement.conf

say "mariadb, rabbitmq"
# mariadb-server's postinst leaves the data directory empty when it cannot
# start the server (policy-rc.d in install.sh): make the system tables.
if [[ ! -d /var/lib/mysql/mysql ]]; then
  systemctl stop mariadb 2>/dev/null || true
  mariadb-install-db --user=mysql --datadir=/var/lib/mysql --skip-test-db >/dev/null
fi
# No AMQP heartbeats, on either side. The APIs run under uwsgi, where
# oslo.messaging's heartbeat green thread does not run while a worker is
# idle: RabbitMQ then closes nova-api's connection after 60 s ("missed
# heartbeats from client") and the next server create hangs in nova-api
# until the client gives up. A client asking for 0 is not enough: RabbitMQ
# takes the greater of two values when one is 0.
printf 'heartbeat = 0\n' >/etc/rabbitmq/rabbitmq.conf
systemctl restart mariadb rabbitmq-server
mysql <<SQL
CREATE USER IF NOT EXISTS 'os'@'localhost' IDENTIFIED BY '$DBPW';
CREATE USER IF NOT EXISTS 'os'@'127.0.0.1' IDENTIFIED BY '$DBPW';
$(for db in keystone glance placement nova_api nova nova_cell0 neutron; do
  echo "CREATE DATABASE IF NOT EXISTS $db;"
  echo "GRANT ALL ON $db.* TO 'os'@'localhost';"
  echo "GRANT ALL ON $db.* TO 'os'@'127.0.0.1';"
done)
SQL
db() { echo "mysql+pymysql://os:$DBPW@127.0.0.1/$1"; }
RABBIT=rabbit://guest:guest@127.0.0.1:5672/
authtoken() { # service user name
  cat <<INI
[keystone_authtoken]
www_authenticate_uri = http://$IP:5000
auth_url = http://$IP:5000
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $1
password = $SVCPW
INI
}

say keystone
ini /etc/keystone/keystone.conf <<INI
[database]
connection = $(db keystone)
[token]
provider = fernet
INI
su -s /bin/sh keystone -c 'keystone-manage db_sync'
keystone-manage fernet_setup --keystone-user keystone --keystone-group keystone
keystone-manage credential_setup --keystone-user keystone --keystone-group keystone
OS_BOOTSTRAP_PASSWORD=$ADMINPW keystone-manage bootstrap \
  --bootstrap-admin-url "http://$IP:5000/v3/" --bootstrap-internal-url "http://$IP:5000/v3/" \
  --bootstrap-public-url "http://$IP:5000/v3/" --bootstrap-region-id RegionOne
systemctl restart keystone
wait_http "http://$IP:5000/v3"

export OS_AUTH_URL=http://$IP:5000/v3 OS_IDENTITY_API_VERSION=3 OS_USERNAME=admin OS_PASSWORD=$ADMINPW \
  OS_PROJECT_NAME=admin OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default OS_REGION_NAME=RegionOne
# mkuser NAME PROJECT ROLE PASSWORD-VAR: the password goes through the
# environment, never argv.
mkuser() {
  PW=${!4} python3 - "$1" "$2" "$3" <<'PY'
import os, sys, openstack
name, project, role = sys.argv[1:]
c = openstack.connect()
u = c.identity.find_user(name, domain_id="default") or c.identity.create_user(name=name, domain_id="default", password=os.environ["PW"])
p = c.identity.find_project(project, domain_id="default")
r = c.identity.find_role(role)
c.identity.assign_project_role_to_user(p, u, r)
PY
}
openstack project create --domain default service -f value -c id >/dev/null
openstack project create --domain default pallet -f value -c id >/dev/null
openstack project create --domain default pallet-quota -f value -c id >/dev/null
for s in glance placement nova neutron; do mkuser "$s" service admin SVCPW; done
mkuser pallet pallet member USERPW
mkuser pallet-quota pallet-quota member QUOTAPW
endpoints() { # type name url
  openstack service create --name "$2" "$1" -f value -c id >/dev/null
  for i in public internal admin; do openstack endpoint create --region RegionOne "$1" "$i" "$3" -f value -c id >/dev/null; done
}
endpoints image glance "http://$IP:9292"
endpoints placement placement "http://$IP:8778"
endpoints compute nova "http://$IP:8774/v2.1"
endpoints network neutron "http://$IP:9696"

say glance
{ cat <<INI
[database]
connection = $(db glance)
[paste_deploy]
flavor = keystone
[DEFAULT]
enabled_backends = fs:file
[glance_store]
default_backend = fs
[fs]
filesystem_store_datadir = /var/lib/glance/images/
INI
authtoken glance; } | ini /etc/glance/glance-api.conf
su -s /bin/sh glance -c 'glance-manage db_sync' >/dev/null

say placement
{ cat <<INI
[placement_database]
connection = $(db placement)
[api]
auth_strategy = keystone
INI
authtoken placement; } | ini /etc/placement/placement.conf
su -s /bin/sh placement -c 'placement-manage db sync'

say nova
svc() { # section user
  cat <<INI
[$1]
auth_url = http://$IP:5000/v3
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $2
password = $SVCPW
region_name = RegionOne
INI
}
{ cat <<INI
[DEFAULT]
transport_url = $RABBIT
my_ip = $IP
compute_driver = fake.FakeDriver
[oslo_messaging_rabbit]
heartbeat_timeout_threshold = 0
[api]
auth_strategy = keystone
[api_database]
connection = $(db nova_api)
[database]
connection = $(db nova)
[oslo_concurrency]
lock_path = /var/lib/nova/tmp
[scheduler]
discover_hosts_in_cells_interval = 5
[vnc]
enabled = false
[glance]
region_name = RegionOne
INI
authtoken nova; svc placement placement; svc neutron neutron; } | ini /etc/nova/nova.conf
# nova-compute reads nova-compute.conf after nova.conf: the hypervisor
# package's driver there would win.
if [[ -f /etc/nova/nova-compute.conf ]]; then
  printf '[DEFAULT]\ncompute_driver = fake.FakeDriver\n' | ini /etc/nova/nova-compute.conf
fi
su -s /bin/sh nova -c 'nova-manage api_db sync'
su -s /bin/sh nova -c 'nova-manage cell_v2 map_cell0'
su -s /bin/sh nova -c 'nova-manage cell_v2 list_cells' | grep -q ' cell1 ' || su -s /bin/sh nova -c 'nova-manage cell_v2 create_cell --name=cell1' >/dev/null
su -s /bin/sh nova -c 'nova-manage db sync'

say neutron
{ cat <<INI
[DEFAULT]
core_plugin = ml2
service_plugins =
auth_strategy = keystone
transport_url = $RABBIT
notify_nova_on_port_status_changes = false
notify_nova_on_port_data_changes = false
dhcp_agent_notification = false
[oslo_messaging_rabbit]
heartbeat_timeout_threshold = 0
[database]
connection = $(db neutron)
[oslo_concurrency]
lock_path = /var/lib/neutron/tmp
INI
# Credentials for Placement and Nova: deleting a network deletes its
# segments, which tells Placement; without them that answers 500 ("Auth
# plugin requires parameters which were not given: auth_url").
authtoken neutron; svc placement neutron; svc nova neutron; } | ini /etc/neutron/neutron.conf
ini /etc/neutron/plugins/ml2/ml2_conf.ini <<INI
[ml2]
type_drivers = flat
tenant_network_types =
mechanism_drivers = pallet_fake
extension_drivers = port_security
[ml2_type_flat]
flat_networks = *
INI
site=$(python3 -c 'import neutron, os; print(os.path.dirname(os.path.dirname(neutron.__file__)))')
cp /root/pallet_fake_mech.py "$site/pallet_fake_mech.py"
mkdir -p "$site/pallet_fake_mech-1.0.dist-info"
printf 'Metadata-Version: 2.1\nName: pallet-fake-mech\nVersion: 1.0\n' >"$site/pallet_fake_mech-1.0.dist-info/METADATA"
printf '[neutron.ml2.mechanism_drivers]\npallet_fake = pallet_fake_mech:FakeMechanismDriver\n' >"$site/pallet_fake_mech-1.0.dist-info/entry_points.txt"
su -s /bin/sh neutron -c 'neutron-db-manage --config-file /etc/neutron/neutron.conf --config-file /etc/neutron/plugins/ml2/ml2_conf.ini upgrade heads' >/dev/null

say "starting the services"
# nova-api-metadata serves VMs' metadata requests: there are no VMs.
systemctl disable --now nova-api-metadata 2>/dev/null || true
# Enabled as well as started: some of Debian's units (placement-api,
# neutron-api, neutron-rpc-server) are installed disabled, and aio.sh up
# boots this layer again, where a service that is only started now would
# be down (and nova-conductor, finding no placement, in a restart loop).
services=(glance-api placement-api nova-api nova-conductor nova-scheduler nova-compute neutron-api neutron-rpc-server)
systemctl enable "${services[@]}" 2>/dev/null
systemctl restart "${services[@]}"
for s in "${services[@]}"; do
  [[ $(systemctl is-enabled "$s") == enabled ]] || { echo "init: $s is not enabled: it would not start when aio.sh up boots" >&2; exit 1; }
done
for u in "http://$IP:9292" "http://$IP:8778" "http://$IP:8774" "http://$IP:9696"; do wait_http "$u"; done
for _ in $(seq 1 120); do
  su -s /bin/sh nova -c 'nova-manage cell_v2 discover_hosts' >/dev/null
  if openstack hypervisor list -f value -c 'Hypervisor Hostname' | grep -q .; then break; fi
  sleep 2
done
openstack hypervisor list -f value -c 'Hypervisor Hostname' | grep -q . || { echo "init: nova-compute never registered" >&2; exit 1; }

say "images, flavors, network, quota"
head -c 1048576 /dev/zero >/root/fake.img
image() { # name distro version arch [more options]
  local name=$1 distro=$2 version=$3 arch=$4; shift 4
  openstack image create --public --disk-format raw --container-format bare --file /root/fake.img \
    --property os_distro="$distro" --property os_version="$version" --property architecture="$arch" \
    "$@" "$name" -f value -c id >/dev/null
}
image debian-12-fake debian 12 x86_64 --property description="Debian 12 (bookworm), fake bytes for nova's fake driver"
image ubuntu-22.04-fake ubuntu 22.04 x86_64 --property default_user=ubuntu
image debian-12-arm64-fake debian 12 aarch64
openstack flavor create --public --vcpus 1 --ram 512 --disk 1 pallet.tiny -f value -c id >/dev/null
openstack flavor create --public --vcpus 2 --ram 2048 --disk 10 pallet.small -f value -c id >/dev/null
# No compute host has this trait, so placement finds no candidate and the
# server goes to ERROR with "No valid host was found". The largest, so that
# smallest-size selection never picks it.
openstack flavor create --public --vcpus 4 --ram 4096 --disk 20 --property trait:CUSTOM_PALLET_NOWHERE=required pallet.unplaceable -f value -c id >/dev/null
openstack quota set --instances 1 pallet-quota
openstack network create --share --provider-network-type flat --provider-physical-network physnet pallet-net -f value -c id >/dev/null
# The fixed addresses are loopback ones, so that whatever listens there on
# the test machine (an nspawn node's sshd, a test's banner) is what pallet
# reaches at a server's address. Tests narrow the pool with their own subnets.
openstack subnet create --network pallet-net --subnet-range 127.0.0.0/16 --gateway none --no-dhcp \
  --allocation-pool start=127.0.250.2,end=127.0.250.254 pallet-subnet -f value -c id >/dev/null

say "clouds.yaml"
mkdir -p /root/pallet-aio
cloud() { # name user project
  cat <<YAML
  $1:
    auth:
      auth_url: http://$IP:5000/v3
      username: $2
      project_name: $3
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
    identity_api_version: 3
YAML
}
{ echo clouds:; cloud pallet pallet pallet; cloud pallet-admin admin admin; cloud pallet-quota pallet-quota pallet-quota; } >/root/pallet-aio/clouds.yaml
( umask 077
  printf 'clouds:\n  pallet:\n    auth:\n      password: %s\n  pallet-admin:\n    auth:\n      password: %s\n  pallet-quota:\n    auth:\n      password: %s\n' \
    "$USERPW" "$ADMINPW" "$QUOTAPW" >/root/pallet-aio/secure.yaml
  env | grep '^OS_' | sed 's/^/export /' >/root/pallet-aio/admin-openrc )
say "done"

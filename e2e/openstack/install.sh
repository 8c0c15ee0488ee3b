#!/bin/bash
# Stage 1 of the all-in-one, run inside the root filesystem by
# systemd-nspawn (not booted, host network, so apt reaches the mirror):
# install the packages, configure nothing. Services are kept from starting
# (policy-rc.d) and every dbconfig-common/debconf question is answered "no":
# init.sh configures by hand, where each step can be read.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
chmod 755 /usr/sbin/policy-rc.d
{
  for p in keystone glance nova neutron placement; do
    echo "$p-common $p/configure_db boolean false"
    echo "$p $p/configure_db boolean false"
  done
  echo "keystone keystone/create-admin-tenant boolean false"
  echo "keystone keystone/register-endpoint boolean false"
  for p in glance nova neutron placement; do
    echo "$p-common $p/configure_ksat boolean false"
    echo "$p-common $p/configure_rabbit boolean false"
  done
  echo "nova-common nova/configure_neutron boolean false"
  echo "nova-common nova/configure_placement boolean false"
  echo "neutron-common neutron/configure_nova boolean false"
  echo "dbconfig-common dbconfig-common/dbconfig-install boolean false"
} | debconf-set-selections
apt-get update -qq
# nova-compute needs one hypervisor package; ironic's is the small one (no
# qemu, no libvirt daemon). nova.conf then says compute_driver=fake.FakeDriver.
PKGS=(mariadb-server python3-pymysql rabbitmq-server keystone glance placement-api
  nova-api nova-conductor nova-scheduler nova-compute nova-compute-ironic
  neutron-server python3-openstackclient crudini curl)
apt-get install -y -q --no-install-recommends -o Dpkg::Options::=--force-confold "${PKGS[@]}"
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}\n' "$p" | grep -q 'install ok installed' || { echo "install.sh: package $p is not installed" >&2; exit 1; }
done
apt-get clean
rm -f /usr/sbin/policy-rc.d

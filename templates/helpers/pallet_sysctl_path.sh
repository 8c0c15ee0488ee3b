# pallet_sysctl_path KEY prints the /proc/sys file of the sysctl KEY, as
# sysctl(8) names it: a dot separates directories, and a slash within a
# part stands for a dot (net.ipv4.conf.eth0/100.rp_filter is the file
# /proc/sys/net/ipv4/conf/eth0.100/rp_filter). KEY is already checked by
# the crate's pattern, so no part is empty, . or ..
pallet_sysctl_path() {
  local key=${1//./$'\001'}
  key=${key//\//.}
  printf '/proc/sys/%s\n' "${key//$'\001'//}"
}

# shellcheck shell=bash disable=SC2034 # sourced: the names are for the scripts that source it
# The benchmark's workload, sourced by run.sh, bench/forks and bench/noop-200:
# the content it writes, pallet's project for it (workload_yaml) and the
# hand-written floor (floor_script). See README.md, "The workload".

app_conf='# written by the pallet vs ansible benchmark
listen = 127.0.0.1:8080
workers = 4
'
readme='This node was configured by the benchmark.
'
sudoers_rule='deploy ALL=(ALL:ALL) NOPASSWD: ALL
'

# workload_yaml PUBKEY prints pallet.yaml's groups (the ten steps); the
# admin key is key.pub beside it.
workload_yaml() {
	local indent='              '
	cat <<EOF
admin:
  user: deploy
  public_key_file: key.pub
groups:
  bench:
    phases:
      configure:
        - user: {name: deploy, shell: /bin/bash}
        - ssh-key: {user: deploy, key: "$1"}
        - sudoers: {name: deploy, user: deploy, nopasswd: true}
        - directory: {path: /srv/bench, mode: "0755"}
        - directory: {path: /srv/bench/conf, group: deploy, mode: "0750"}
        - directory: {path: /srv/bench/data, owner: deploy, group: deploy, mode: "0700"}
        - file:
            path: /srv/bench/conf/app.conf
            group: deploy
            mode: "0640"
            content: |
$(printf %s "$app_conf" | sed "s/^/$indent/")
        - file:
            path: /srv/bench/README
            content: |
$(printf %s "$readme" | sed "s/^/$indent/")
        - line-in-file: {path: /etc/ssh/sshd_config, line: "ClientAliveInterval 300", match: "^#?ClientAliveInterval "}
        - package: {packages: [sudo]}
EOF
}

# floor_script PUBKEY prints floor.sh with deploy's key in front.
floor_script() {
	echo '#!/usr/bin/env bash'
	printf 'key=%q\n' "$1"
	cat "$(dirname "${BASH_SOURCE[0]}")/floor.sh"
}

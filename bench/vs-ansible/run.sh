#!/usr/bin/env bash
# Benchmark: pallet-run lift vs ansible-playbook vs a bare-ssh floor, on N
# local nspawn nodes, same workload, first run and no-op re-run. See README.md.
#
#   sudo ./bench/vs-ansible/run.sh          # N=20 nodes, 3 repetitions
#   N=5 REPS=1 ./bench/vs-ansible/run.sh    # quick
#   TOOLS="ansible floor" ./bench/vs-ansible/run.sh
#
# Results go to bench/out/vs-ansible-<timestamp>/ (results.tsv, results.md,
# every run's log). Needs root, systemd-nspawn, Go and ansible-playbook
# (apt-get install systemd-container ansible-core).
set -euo pipefail

N=${N:-20}
REPS=${REPS:-3}
TOOLS=${TOOLS:-"pallet ansible floor"}
LOGIN_USER=${LOGIN_USER:-ops}
# The key exchange pallet-run (Go's x/crypto/ssh) gets from Debian 12's
# OpenSSH 9.2. OpenSSH's own default there, sntrup761x25519, costs about a
# second of CPU more for 20 connections on 2 cores: the floor and Ansible use
# the same kex as pallet so that the comparison is about the tools.
kex=${KEX:-curve25519-sha256}


here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${OUT:-$root/bench/out/vs-ansible-$(date +%Y%m%d-%H%M%S)}
state=${BENCH_STATE:-/var/cache/pallet-bench/nspawn}
# Nodes get 127.0.$block.x: a second benchmark running beside this one needs
# a BENCH_STATE and a BENCH_BLOCK of its own.
block=${BENCH_BLOCK:-200}

die() {
	echo "run.sh: $*" >&2
	exit 1
}
say() { echo "== $*" >&2; }

[[ $(id -u) == 0 ]] || die "needs root (nspawn nodes): run it with sudo"
for bin in go ssh ssh-keygen systemd-nspawn awk; do
	command -v "$bin" >/dev/null || die "$bin not found"
done
[[ $N =~ ^[1-9][0-9]*$ && $N -le 200 ]] || die "N must be 1..200"
[[ $REPS =~ ^[1-9][0-9]*$ ]] || die "REPS must be a positive number"
for t in $TOOLS; do
	case $t in
	pallet | ansible | floor) ;;
	*) die "unknown tool '$t' in TOOLS: use pallet, ansible, floor" ;;
	esac
done

mkdir -p "$out"/{bin,logs}
say "results and logs in $out"

# --- build (untimed) ---------------------------------------------------------
(cd "$root" && go build -o "$out/bin/palletc" ./cmd/palletc &&
	go build -o "$out/bin/nodes" ./bench/vs-ansible/nodes)
nodes() { "$out/bin/nodes" "$1" -state "$state" -block "$block" "${@:2}"; }
have_pallet_run=false
if [[ -n ${PALLET_RUN:-} ]]; then
	cp "$PALLET_RUN" "$out/bin/pallet-run"
	have_pallet_run=true
elif (cd "$root" && go build -o "$out/bin/pallet-run" ./cmd/pallet-run) 2>"$out/logs/pallet-run-build.log"; then
	have_pallet_run=true
fi
tools=()
for t in $TOOLS; do
	if [[ $t == pallet && $have_pallet_run == false ]]; then
		say "cmd/pallet-run does not build (yet): pallet skipped; see $out/logs/pallet-run-build.log"
		continue
	fi
	if [[ $t == ansible ]] && ! command -v ansible-playbook >/dev/null; then
		die "ansible-playbook not found: apt-get install ansible-core (or TOOLS without ansible)"
	fi
	tools+=("$t")
done
((${#tools[@]} > 0)) || die "no tool to run"

# Every node made from here on is destroyed on the way out, however we exit.
cleanup() {
	nodes destroy || echo "run.sh: destroying nodes failed: see 'nodes destroy -state $state'" >&2
}
trap cleanup EXIT
trap 'exit 130' INT TERM
nodes destroy # leftovers of an interrupted run
nodes prepare

# --- the workload, once per tool's language -------------------------------------
key=$out/key
rm -f "$key" "$key.pub"
ssh-keygen -q -t ed25519 -N '' -C pallet-bench -f "$key"
pubkey=$(<"$key.pub")

# shellcheck source=bench/vs-ansible/workload.sh
source "$here/workload.sh" # app_conf, readme, sudoers_rule, workload_yaml, floor_script
workload_yaml "$pubkey" >"$out/workload.yaml"

cat >"$out/playbook.yml" <<EOF
- hosts: bench
  gather_facts: false
  become: true
  tasks:
    - ansible.builtin.user: {name: deploy, shell: /bin/bash, create_home: true}
    # authorized_key lives in ansible.posix, not ansible-core: two core tasks instead.
    - ansible.builtin.file: {path: /home/deploy/.ssh, state: directory, owner: deploy, group: deploy, mode: "0700"}
    - ansible.builtin.lineinfile: {path: /home/deploy/.ssh/authorized_keys, line: "$pubkey", create: true, owner: deploy, group: deploy, mode: "0600"}
    - ansible.builtin.copy:
        dest: /etc/sudoers.d/deploy
        owner: root
        group: root
        mode: "0440"
        validate: visudo -cf %s
        content: |
$(printf %s "$sudoers_rule" | sed 's/^/          /')
    - ansible.builtin.file: {path: /srv/bench, state: directory, owner: root, group: root, mode: "0755"}
    - ansible.builtin.file: {path: /srv/bench/conf, state: directory, owner: root, group: deploy, mode: "0750"}
    - ansible.builtin.file: {path: /srv/bench/data, state: directory, owner: deploy, group: deploy, mode: "0700"}
    - ansible.builtin.copy:
        dest: /srv/bench/conf/app.conf
        owner: root
        group: deploy
        mode: "0640"
        content: |
$(printf %s "$app_conf" | sed 's/^/          /')
    - ansible.builtin.copy:
        dest: /srv/bench/README
        owner: root
        group: root
        mode: "0644"
        content: |
$(printf %s "$readme" | sed 's/^/          /')
    - ansible.builtin.lineinfile: {path: /etc/ssh/sshd_config, regexp: "^#?ClientAliveInterval ", line: "ClientAliveInterval 300"}
    - ansible.builtin.apt: {name: sudo, state: present}
EOF

cat >"$out/ansible.cfg" <<EOF
[defaults]
inventory = $out/inventory.ini
forks = $N
host_key_checking = False
gathering = explicit
interpreter_python = /usr/bin/python3
retry_files_enabled = False
deprecation_warnings = False
[ssh_connection]
pipelining = True
# Ansible's defaults less -C (compression only costs CPU on loopback), with
# no ssh_config and no known_hosts: host key checking is off for Ansible.
ssh_args = -F /dev/null -o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes -o KexAlgorithms=$kex
control_path_dir = $out/ansible-cp
EOF

# pallet's script, for reading (bench/forks counts its processes per step).
"$out/bin/palletc" render -f "$out/workload.yaml" --group bench --phase configure >"$out/configure.sh"
# The floor: the same work written by hand (floor.sh), deploy's key in front.
floor_script "$pubkey" >"$out/floor.sh"

# What the spot-check must read on a node: as deploy (so the user, its key
# and the sudoers drop-in all work), through sudo.
sha() { printf %s "$1" | sha256sum | cut -c1-64; }
expected="0
/srv/bench 755 root:root
/srv/bench/conf 750 root:deploy
/srv/bench/data 700 deploy:deploy
/srv/bench/conf/app.conf 640 root:deploy $(sha "$app_conf")
/srv/bench/README 644 root:root $(sha "$readme")
/etc/sudoers.d/deploy 440 root:root $(sha "$sudoers_rule")
/home/deploy/.ssh/authorized_keys 600 deploy:deploy
ClientAliveInterval 300
install ok installed"
# shellcheck disable=SC2016 # expanded on the node
probe='id -u
for p in /srv/bench /srv/bench/conf /srv/bench/data; do stat -c "%n %a %U:%G" "$p"; done
for p in /srv/bench/conf/app.conf /srv/bench/README /etc/sudoers.d/deploy; do
  echo "$(stat -c "%n %a %U:%G" "$p") $(sha256sum <"$p" | cut -c1-64)"
done
stat -c "%n %a %U:%G" /home/deploy/.ssh/authorized_keys
grep -x "ClientAliveInterval 300" /etc/ssh/sshd_config
dpkg-query -W -f="\${Status}\n" sudo'

# --- nodes ------------------------------------------------------------------
names=() hosts=()
ssh_opts() {
	printf '%s\n' -F /dev/null -i "$key" -o IdentitiesOnly=yes -o BatchMode=yes \
		-o ControlMaster=no -o ControlPath=none -o ConnectTimeout=10 \
		-o UserKnownHostsFile="$out/known_hosts" -o StrictHostKeyChecking=yes \
		-o KexAlgorithms="$kex"
}
mapfile -t SSH_OPTS < <(ssh_opts)

settle() { # host
	local try err
	for ((try = 0; try < 120; try++)); do
		if err=$(ssh "${SSH_OPTS[@]}" "$LOGIN_USER@$1" 'systemctl is-system-running --wait >/dev/null; true' 2>&1); then
			return 0
		fi
		sleep 0.5
	done
	echo "run.sh: $1 did not let $LOGIN_USER in within a minute: $err" >&2
	return 1
}

fresh_nodes() {
	nodes destroy
	names=() hosts=()
	local name host
	while read -r name host _; do
		names+=("$name") hosts+=("$host")
	done < <(nodes create -group bench -count "$N" -user "$LOGIN_USER" \
		-pubkey "$key.pub" -known-hosts "$out/known_hosts" 2>>"$out/logs/nodes.log")
	((${#names[@]} == N)) || die "made ${#names[@]} of $N nodes: see $out/logs/nodes.log"
	rm -rf "$out/.pallet/state" # node-list bootstrap records of the last nodes

	# Untimed: wait until every node has finished booting, so the first run
	# does not compete with 20 systemds starting up.
	# sshd answers before systemd-user-sessions lets non-root users in
	# (pam_nologin: "System is booting up"), so retry for up to a minute.
	local i pids=()
	for i in "${!hosts[@]}"; do
		settle "${hosts[i]}" &
		pids+=($!)
	done
	local ok=true
	for i in "${pids[@]}"; do wait "$i" || ok=false; done
	[[ $ok == true ]] || return 1

	{
		cat "$out/workload.yaml"
		echo "providers:"
		echo "  bench:"
		echo "    kind: node-list"
		echo "    nodes:"
		for i in "${!hosts[@]}"; do
			echo "      - {name: ${names[i]}, host: ${hosts[i]}, port: 22, user: $LOGIN_USER, group: bench, os: debian-12}"
		done
	} >"$out/pallet.yaml"
	{
		echo "[bench]"
		for i in "${!hosts[@]}"; do
			echo "${names[i]} ansible_host=${hosts[i]} ansible_user=$LOGIN_USER ansible_ssh_private_key_file=$key"
		done
	} >"$out/inventory.ini"
}

# --- the three tools; each prints "changed=<total changed steps>" ----------------
run_pallet() { # log
	(cd "$out" && env SSH_AUTH_SOCK= "$out/bin/pallet-run" lift -f "$out/pallet.yaml" \
		--provider bench --identity "$key" --known-hosts "$out/known_hosts" --ssh-config none \
		--parallel "$N" --json bench) >"$1" 2>"$1.stderr"
}
count_pallet() { # log
	# Changed steps over all nodes from the --json document: totals.steps,
	# else the sum of the nodes' counts.
	python3 - "$1" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
steps = (doc.get("totals") or {}).get("steps")
if isinstance(steps, dict) and "changed" in steps:
    print(steps["changed"])
else:
    print(sum(n.get("counts", {}).get("changed", 0) for n in doc.get("nodes", [])))
PY
}

run_ansible() { # log
	local rc=0
	ANSIBLE_CONFIG=$out/ansible.cfg ansible-playbook "$out/playbook.yml" >"$1" 2>&1 || rc=$?
	# Close the ControlPersist masters, so no later run reuses a connection.
	local s
	for s in "$out"/ansible-cp/*; do
		[[ -S $s ]] && ssh -o ControlPath="$s" -O exit x >/dev/null 2>&1
	done
	return "$rc"
}
count_ansible() { # log
	grep -o 'changed=[0-9]*' "$1" | awk -F= '{s += $2} END {print s + 0}'
}

run_floor() { # log
	local i pids=() rc=0
	for i in "${!hosts[@]}"; do
		ssh "${SSH_OPTS[@]}" "$LOGIN_USER@${hosts[i]}" 'sudo -n bash -s' \
			<"$out/floor.sh" >"$1.${names[i]}" 2>&1 &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || rc=1; done
	cat "$1".* >"$1"
	rm -f "$1".*
	return "$rc"
}
count_floor() { # log
	# "floor: changed N of 10", one per node
	local finished
	finished=$(grep -c '^floor: changed [0-9]* of 10$' "$1" || true)
	((finished == N)) || {
		echo "incomplete"
		return
	}
	grep '^floor: changed ' "$1" | awk '{s += $3} END {print s + 0}'
}

spot_check() { # tool label
	local i=$((RANDOM % N)) got
	got=$(ssh "${SSH_OPTS[@]}" "deploy@${hosts[i]}" 'sudo -n bash -s' <<<"$probe" 2>&1) || true
	if [[ $got != "$expected" ]]; then
		echo "SPOT-CHECK FAILED after $1 $2 on ${names[i]}:" >&2
		diff <(echo "$expected") <(echo "$got") >&2 || true
		return 1
	fi
	echo "${names[i]}"
}

now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", b - a}'; }

# PROFILE=1: every run is also sampled machine-wide by perf (1 kHz per CPU:
# one sample is a millisecond of CPU) and each program's share lands in
# profile.tsv (tool, run, program, samples), so the report can say which
# programs a tool's CPU goes to, per node: nodes, sshd, sudo and the
# scripts all run on this machine.
profile_pid=
profile_start() {
	[[ ${PROFILE:-} == 1 ]] || return 0
	perf record -q -a -e cpu-clock -F 1000 -o "$out/perf.data" -- sleep 600 >/dev/null 2>&1 &
	profile_pid=$!
	sleep 0.5 # perf is recording before the run starts
}
profile_stop() { # tool run
	[[ -n $profile_pid ]] || return 0
	kill -INT "$profile_pid"
	wait "$profile_pid" || true
	profile_pid=
	perf report -i "$out/perf.data" --no-children --sort comm --stdio -g none -n 2>/dev/null |
		awk -v t="$1" -v r="$2" '!/^#/ && NF >= 3 && $3 != "swapper" {print t "\t" r "\t" $3 "\t" $2}' >>"$out/profile.tsv"
}
if [[ ${PROFILE:-} == 1 ]]; then
	command -v perf >/dev/null || die "PROFILE=1 needs perf: apt-get install linux-perf"
	: >"$out/profile.tsv"
fi

printf 'tool\trep\trun\tseconds\tchanged\tchecked\tload1\n' >"$out/results.tsv"
measure() { # tool rep run
	local tool=$1 rep=$2 run=$3 log="$out/logs/$1-$2-$3.log" t0 t1 secs changed checked load1
	# The 1-minute load before the run: shows when something else was busy.
	load1=$(cut -d' ' -f1 /proc/loadavg)
	profile_start
	t0=$(now)
	if ! "run_$tool" "$log"; then
		echo "run.sh: $tool $run (rep $rep) failed: see $log" >&2
		tail -n 20 "$log" >&2
		[[ -f $log.stderr ]] && tail -n 20 "$log.stderr" >&2
		exit 1
	fi
	t1=$(now)
	profile_stop "$tool" "$run"
	secs=$(elapsed "$t0" "$t1")
	changed=$("count_$tool" "$log")
	checked=$(spot_check "$tool" "$run") || exit 1
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$rep" "$run" "$secs" "$changed" "$checked" "$load1" >>"$out/results.tsv"
	say "$tool rep $rep $run: ${secs}s, $changed changed, spot-check ok on $checked (load before: $load1)"
}

# --- run: each repetition rotates the tools' order, each tool gets fresh nodes --
for ((rep = 1; rep <= REPS; rep++)); do
	k=$(((rep - 1) % ${#tools[@]}))
	order=("${tools[@]:k}" "${tools[@]:0:k}")
	for tool in "${order[@]}"; do
		say "rep $rep/$REPS: $tool on $N fresh nodes"
		# A node now and then never finishes booting (pam_nologin keeps
		# refusing users); start over with new nodes rather than give up.
		for attempt in 1 2 3; do
			fresh_nodes && break
			((attempt < 3)) || die "nodes did not boot three times in a row: see $out/logs/nodes.log"
			say "a node did not finish booting: new nodes (attempt $((attempt + 1)))"
		done
		measure "$tool" "$rep" first
		measure "$tool" "$rep" noop
	done
done
nodes destroy

# --- report ------------------------------------------------------------------
median() { # tool run
	awk -F'\t' -v t="$1" -v r="$2" '$1 == t && $3 == r {print $4}' "$out/results.tsv" | sort -n |
		awk '{v[NR] = $1} END {if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b}'; }
changed_of() { awk -F'\t' -v t="$1" -v r="$2" '$1 == t && $3 == r {print $5}' "$out/results.tsv" | sort -u | paste -sd/; }

profile_table() {
	awk -F'\t' -v n="$N" -v reps="$REPS" -v tools="${tools[*]}" '
		{ ms[$3, $1 " " $2] += $4; prog[$3] = 1; tot[$1 " " $2] += $4 }
		END {
			nt = split(tools, t, " ")
			hdr = "| program |"; sep = "|---|"
			for (i = 1; i <= nt; i++) for (r = 1; r <= 2; r++) {
				run = r == 1 ? "first" : "noop"
				col[++nc] = t[i] " " run; hdr = hdr " " t[i] " " run " |"; sep = sep "---:|"
			}
			print hdr; print sep
			line = "| all |"
			for (c = 1; c <= nc; c++) line = line sprintf(" %.1f |", tot[col[c]] / n / reps)
			print line
			for (p in prog) {
				big = 0; line = "| " p " |"
				for (c = 1; c <= nc; c++) {
					v = ms[p, col[c]] / n / reps
					if (v >= 1) big = 1
					line = line sprintf(" %.1f |", v)
				}
				if (big) rows[p] = line
				key[p] = ms[p, col[1]]
			}
			# biggest first, by the first column
			k = 0
			for (p in rows) order[++k] = p
			for (i = 2; i <= k; i++) for (j = i; j > 1 && key[order[j]] > key[order[j - 1]]; j--) {
				x = order[j]; order[j] = order[j - 1]; order[j - 1] = x
			}
			for (i = 1; i <= k; i++) print rows[order[i]]
		}' "$out/profile.tsv"
}

cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
{
	echo "pallet vs Ansible vs bare ssh: $N nodes, median of $REPS, $(date -u +%Y-%m-%d)"
	echo "machine: $(nproc) cores ($cpu), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), Linux $(uname -r)"
	echo "ansible: $(ansible-playbook --version 2>/dev/null | awk "NR == 1" || echo -), login user: $LOGIN_USER (NOPASSWD sudo)"
	echo
	echo "| tool | first run (s) | no-op re-run (s) | steps changed first / no-op |"
	echo "|---|---:|---:|---|"
	for t in "${tools[@]}"; do
		case $t in
		pallet) label="pallet-run lift" ;;
		ansible) label="ansible-playbook" ;;
		floor) label="floor: floor.sh over ssh + sudo bash -s" ;;
		esac
		echo "| $label | $(median "$t" first) | $(median "$t" noop) | $(changed_of "$t" first) / $(changed_of "$t" noop) |"
	done
	echo
	for run in first noop; do
		p=$(median pallet $run) a=$(median ansible $run) f=$(median floor $run)
		echo "- $run: Ansible / pallet = $(ratio "$a" "$p")x, pallet / floor = $(ratio "$p" "$f")x, Ansible / floor = $(ratio "$a" "$f")x"
	done
	echo
	echo "goals (no-op): Ansible / pallet >= 15x, pallet / floor <= 1.3x"
	if [[ -s $out/profile.tsv ]]; then
		echo
		echo "CPU per node by program (PROFILE=1; ms, the mean over $REPS repetitions; programs under 1 ms left out):"
		echo
		profile_table
	fi
} | tee "$out/results.md"

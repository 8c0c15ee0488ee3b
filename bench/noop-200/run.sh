#!/usr/bin/env bash
# Benchmark: a no-op lift on 200 nodes, pallet-run vs the hand-written floor
# (bench/vs-ansible/floor.sh over ssh + sudo bash -s), with pallet-run's
# peak memory. See README.md.
#
#   sudo ./bench/noop-200/run.sh            # 200 nodes, 1 repetition
#   sudo N=50 REPS=3 ./bench/noop-200/run.sh
#
# The nodes are made once, the workload applied once by pallet-run
# (untimed), then each repetition times a no-op run of each tool. Results
# go to bench/out/noop-200-<timestamp>/ (results.tsv, results.md, logs).
set -euo pipefail

N=${N:-200}
REPS=${REPS:-1}
LOGIN_USER=ops
kex=${KEX:-curve25519-sha256}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${OUT:-$root/bench/out/noop-200-$(date +%Y%m%d-%H%M%S)}
state=${BENCH_STATE:-/var/cache/pallet-bench/noop-200}
block=${BENCH_BLOCK:-202}

die() {
	echo "run.sh: $*" >&2
	exit 1
}
say() { echo "== $*" >&2; }
[[ $(id -u) == 0 ]] || die "needs root (nspawn nodes): run it with sudo"
for bin in go ssh ssh-keygen systemd-nspawn python3; do
	command -v "$bin" >/dev/null || die "$bin not found"
done
[[ $N =~ ^[1-9][0-9]*$ && $N -le 250 ]] || die "N must be 1..250 (one address block)"
# 200 ssh clients, 200 sshds and their sudo at once
ulimit -n 65536 2>/dev/null || true
# each node's systemd takes several inotify instances: 200 of them need
# more than the 1,024 .ci/run sets (or Debian's 128), else they stop
# booting with "Too many open files"
if (($(sysctl -n fs.inotify.max_user_instances) < 8192)); then
	sysctl -q -w fs.inotify.max_user_instances=8192 || die "cannot raise fs.inotify.max_user_instances to 8192"
fi

mkdir -p "$out"/{bin,logs}
say "results and logs in $out"
(cd "$root" && go build -o "$out/bin/pallet-run" ./cmd/pallet-run &&
	go build -o "$out/bin/nodes" ./bench/vs-ansible/nodes)
nodes() { "$out/bin/nodes" "$1" -state "$state" -block "$block" "${@:2}"; }
trap 'nodes destroy || echo "run.sh: destroying nodes failed: see nodes destroy -state $state" >&2' EXIT
trap 'exit 130' INT TERM
nodes destroy

key=$out/key
ssh-keygen -q -t ed25519 -N '' -C pallet-noop-200 -f "$key"
pubkey=$(<"$key.pub")
# shellcheck source=bench/vs-ansible/workload.sh
source "$root/bench/vs-ansible/workload.sh"
floor_script "$pubkey" >"$out/floor.sh"

say "making $N nodes"
names=() hosts=()
while read -r name host _; do
	names+=("$name") hosts+=("$host")
done < <(nodes create -group bench -count "$N" -user "$LOGIN_USER" \
	-pubkey "$key.pub" -known-hosts "$out/known_hosts" 2>>"$out/logs/nodes.log")
((${#names[@]} == N)) || die "made ${#names[@]} of $N nodes: see $out/logs/nodes.log"

SSH_OPTS=(-F /dev/null -i "$key" -o IdentitiesOnly=yes -o BatchMode=yes
	-o ControlMaster=no -o ControlPath=none -o ConnectTimeout=30
	-o UserKnownHostsFile="$out/known_hosts" -o StrictHostKeyChecking=yes
	-o KexAlgorithms="$kex")
settle() { # host: until systemd has booted and lets the login user in
	local try
	for ((try = 0; try < 240; try++)); do
		ssh "${SSH_OPTS[@]}" "$LOGIN_USER@$1" 'systemctl is-system-running --wait >/dev/null; true' 2>/dev/null && return 0
		sleep 0.5
	done
	echo "run.sh: $1 did not let $LOGIN_USER in within two minutes" >&2
	return 1
}
say "waiting for $N nodes to finish booting"
pids=()
for h in "${hosts[@]}"; do
	settle "$h" &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || die "a node did not boot"; done

{
	workload_yaml "$pubkey"
	echo "providers:"
	echo "  bench:"
	echo "    kind: node-list"
	echo "    nodes:"
	for i in "${!hosts[@]}"; do
		echo "      - {name: ${names[i]}, host: ${hosts[i]}, port: 22, user: $LOGIN_USER, group: bench, os: debian-12}"
	done
} >"$out/pallet.yaml"

# peak RUN-LOG RSS-FILE CMD...: runs CMD with its output in RUN-LOG and
# writes the peak resident memory of CMD (KiB, getrusage of the children)
# to RSS-FILE.
peak() {
	python3 - "$@" <<'PY'
import resource, subprocess, sys
log, rss, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(log, "w") as out, open(log + ".stderr", "w") as err:
    rc = subprocess.call(cmd, stdout=out, stderr=err)
open(rss, "w").write("%d\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(rc)
PY
}
run_pallet() { # log
	(cd "$out" && unset SSH_AUTH_SOCK && peak "$1" "$1.rss" "$out/bin/pallet-run" lift -f "$out/pallet.yaml" \
		--provider bench --identity "$key" --known-hosts "$out/known_hosts" --ssh-config none \
		--parallel "$N" --json bench)
}
changed_pallet() { # log
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(n.get("counts",{}).get("changed",0) for n in d.get("nodes",[])), sum(1 for n in d.get("nodes",[]) if n.get("status")=="ok"))' "$1"
}
run_floor() { # log
	local i pids=() rc=0
	for i in "${!hosts[@]}"; do
		ssh "${SSH_OPTS[@]}" "$LOGIN_USER@${hosts[i]}" 'sudo -n bash -s' <"$out/floor.sh" >"$1.$i" 2>&1 &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || rc=1; done
	cat "$1".[0-9]* >"$1"
	rm -f "$1".[0-9]*
	return "$rc"
}
changed_floor() { # log
	awk '/^floor: changed [0-9]+ of 10$/ {s += $3; n++} END {print s + 0, n + 0}' "$1"
}

say "first run (untimed): pallet-run applies the workload"
run_pallet "$out/logs/apply.log" || die "the first run failed: see $out/logs/apply.log"
read -r changed ok < <(changed_pallet "$out/logs/apply.log")
((ok == N)) || die "the first run finished on $ok of $N nodes"

now() { echo "$EPOCHREALTIME"; }
printf 'tool\trep\tseconds\tchanged\tnodes_ok\tpeak_rss_kib\tload1\n' >"$out/results.tsv"
for ((rep = 1; rep <= REPS; rep++)); do
	order=(pallet floor)
	((rep % 2)) || order=(floor pallet)
	for tool in "${order[@]}"; do
		log=$out/logs/$tool-$rep.log load1=$(cut -d' ' -f1 /proc/loadavg)
		t0=$(now)
		"run_$tool" "$log" || die "$tool no-op run $rep failed: see $log"
		t1=$(now)
		secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
		read -r changed ok < <("changed_$tool" "$log")
		rss=-
		[[ -f $log.rss ]] && rss=$(<"$log.rss")
		((changed == 0 && ok == N)) || die "$tool no-op run $rep: $changed changed, $ok of $N nodes finished"
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$rep" "$secs" "$changed" "$ok" "$rss" "$load1" >>"$out/results.tsv"
		say "$tool no-op rep $rep: ${secs}s on $ok nodes, peak RSS ${rss} KiB (load before: $load1)"
	done
done

median() { awk -F'\t' -v t="$1" -v c="$2" '$1 == t {print $c}' "$out/results.tsv" | sort -n |
	awk '{v[NR] = $1} END {if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
p=$(median pallet 3) f=$(median floor 3) rss=$(median pallet 6)
{
	echo "no-op lift on $N nodes, median of $REPS, $(date -u +%Y-%m-%d), $(nproc) cores, load before: $(awk -F'\t' 'NR > 1 {print $7}' "$out/results.tsv" | paste -sd/)"
	echo
	echo "| tool | no-op (s) | peak RSS |"
	echo "|---|---:|---:|"
	echo "| pallet-run lift --parallel $N | $p | $(awk -v k="$rss" 'BEGIN {printf "%.1f MiB", k / 1024}') |"
	echo "| floor.sh over ssh + sudo bash -s | $f | - |"
	echo
	echo "pallet / floor = $(awk -v a="$p" -v b="$f" 'BEGIN {printf "%.2f", a / b}')x"
} | tee "$out/results.md"

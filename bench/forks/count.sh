#!/usr/bin/env bash
# Counts the processes a script starts on a node, per pallet step: where a
# run's time goes on the node, since on 2 cores a fork and exec costs about
# a millisecond and the work itself costs less. See README.md.
#
#   sudo ./bench/forks/count.sh                 # the vs-ansible workload: pallet's script and floor.sh
#   sudo ./bench/forks/count.sh SCRIPT...       # any bash scripts, each on a fresh node
#
# Each script runs twice as root on a fresh nspawn node (first run, then the
# no-op re-run), under the host's strace; the tables are printed and kept in
# bench/out/forks-<timestamp>/.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${OUT:-$root/bench/out/forks-$(date +%Y%m%d-%H%M%S)}
state=${BENCH_STATE:-/var/cache/pallet-bench/forks}
block=${BENCH_BLOCK:-201}

die() {
	echo "count.sh: $*" >&2
	exit 1
}
[[ $(id -u) == 0 ]] || die "needs root (nspawn nodes, strace): run it with sudo"
for bin in go strace nsenter ssh-keygen awk; do
	command -v "$bin" >/dev/null || die "$bin not found"
done
mkdir -p "$out/bin"
(cd "$root" && go build -o "$out/bin/palletc" ./cmd/palletc &&
	go build -o "$out/bin/nodes" ./bench/vs-ansible/nodes)
nodes() { "$out/bin/nodes" "$1" -state "$state" -block "$block" "${@:2}"; }
trap 'nodes destroy >/dev/null || echo "count.sh: destroying nodes failed: see nodes destroy -state $state" >&2' EXIT
trap 'exit 130' INT TERM
nodes destroy

rm -f "$out/key" "$out/key.pub"
ssh-keygen -q -t ed25519 -N '' -C pallet-forks -f "$out/key"
scripts=("$@")
if ((${#scripts[@]} == 0)); then
	# shellcheck source=bench/vs-ansible/workload.sh
	source "$root/bench/vs-ansible/workload.sh"
	pubkey=$(<"$out/key.pub")
	workload_yaml "$pubkey" >"$out/workload.yaml"
	(cd "$out" && "$out/bin/palletc" render -f workload.yaml --group bench --phase configure) >"$out/pallet.sh"
	floor_script "$pubkey" >"$out/floor.sh"
	scripts=("$out/pallet.sh" "$out/floor.sh")
fi

# init PID: the node's systemd, child of the systemd-nspawn in its record
node_init() {
	local rec pid
	rec=$(echo "$state"/nodes/*/node.json)
	[[ -f $rec ]] || die "no node record in $state/nodes"
	pid=$(awk -F'[:,]' '/"pid"/ {gsub(/ /, "", $2); print $2}' "$rec")
	read -r pid _ <"/proc/$pid/task/$pid/children"
	echo "$pid"
}

for script in "${scripts[@]}"; do
	[[ -f $script ]] || die "no script $script"
	nodes destroy
	nodes create -group bench -count 1 -user ops -pubkey "$out/key.pub" \
		-known-hosts "$out/known_hosts" >/dev/null 2>>"$out/nodes.log"
	init=$(node_init)
	nsenter -t "$init" -a systemctl is-system-running --wait >/dev/null || true
	name=$(basename "$script" .sh)
	for run in first noop; do
		log=$out/$name-$run.strace
		strace -f -qq -e trace=process,write -e signal=none -s 200 -o "$log" \
			nsenter -t "$init" -a env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LC_ALL=C bash -s <"$script" >"$out/$name-$run.out" 2>&1 ||
			die "$script failed on its $run run: see $out/$name-$run.out"
		{
			echo "== $script, $run run"
			awk -f "$here/tally.awk" "$log"
			echo
		} | tee "$out/$name-$run.txt"
	done
done

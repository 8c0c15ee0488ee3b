# tally.awk reads an `strace -f -e trace=process,write -s 200` log of one
# run of a script and prints the processes it started, per pallet step
# (the status line "begin N/TOTAL CRATE NAME" a step writes opens it; what
# runs before the first step or after the last is "script"). A process is
# counted once, in the step where it first shows (every process at least
# exits, which trace=process shows); "execs" are the programs that process
# ran (execve that returned 0), with the commonest named.
# Counting starts at the first execve of bash (what ran it, nsenter or env,
# is not the script's).
function prog(line,  p) {
	if (match(line, /execve\("[^"]*"/) == 0) return "?"
	p = substr(line, RSTART + 8, RLENGTH - 9)
	sub(/.*\//, "", p)
	return p
}
function close_step(  k, names, n, i, j, t, s) {
	if (cur == "") return
	order[++nsteps] = cur
	n = 0
	for (k in execby) if (index(k, cur SUBSEP) == 1) { names[++n] = substr(k, length(cur) + 2) }
	# sort by count, descending (insertion sort: few names)
	for (i = 2; i <= n; i++) {
		t = names[i]
		for (j = i - 1; j >= 1 && execby[cur, names[j]] < execby[cur, t]; j--) names[j + 1] = names[j]
		names[j + 1] = t
	}
	s = ""
	for (i = 1; i <= n && i <= 8; i++) s = s (i > 1 ? " " : "") names[i] (execby[cur, names[i]] > 1 ? "x" execby[cur, names[i]] : "")
	if (n > 8) s = s " ..."
	progs[cur] = s
}
{
	pid = $1
	if (!started) {
		if ($0 ~ /execve\("[^"]*\/bash"/ && $0 ~ /= 0$/) { started = 1; main = pid; cur = "script"; seen[pid] = 1 }
		else next
	}
	if (pid == main && match($0, /write\(1, "::pallet::v1 ([A-Za-z0-9]+ )?begin /)) {
		s = substr($0, RSTART + RLENGTH)
		sub(/\\n".*/, "", s)
		close_step()
		cur = s
	}
	if (!(pid in seen)) { seen[pid] = 1; procs[cur]++; total_procs++ }
	if ($0 ~ /execve\(/ && $0 ~ /<unfinished \.\.\.>$/) { pending[pid] = prog($0); next }
	if ($0 ~ /execve\(/ && $0 ~ / = 0$/) { p = prog($0) }
	else if ($0 ~ /<\.\.\. execve resumed>/ && $0 ~ / = 0$/) { p = pending[pid] }
	else next
	execs[cur]++; total_execs++; execby[cur, p]++
}
END {
	close_step()
	printf "%-44s %6s %6s  %s\n", "step", "procs", "execs", "programs run"
	for (i = 1; i <= nsteps; i++) {
		k = order[i]
		if (k in done) continue
		done[k] = 1
		printf "%-44s %6d %6d  %s\n", substr(k, 1, 44), procs[k], execs[k], progs[k]
	}
	printf "%-44s %6d %6d\n", "total", total_procs, total_execs
}

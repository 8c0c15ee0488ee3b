package lift

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/palletops/pallet/project"
	"github.com/palletops/pallet/provider"
	"github.com/palletops/pallet/runner"
)

// StatusNotRun is a node that was to run but did not, because of a
// failure elsewhere: a group it runs after failed, or its group's rollout
// stopped past its failure limit. Its Err says which.
const StatusNotRun Status = "not run"

// Schedule is the order a run goes in: which groups wait for which, and
// how each group's nodes are rolled out. The zero Schedule runs every node
// at once (up to Options.Parallelism).
type Schedule struct {
	// RunsAfter lists the groups a group waits for (project.RunsAfter);
	// nil: no group waits.
	RunsAfter func(group string) []string
	// Rollout is a group's rollout (project.Group.Rollout); nil: none.
	Rollout func(group string) project.Rollout
	// Batch and MaxFailed, when set, replace every group's own
	// (--batch, --max-failed).
	Batch, MaxFailed *project.Amount
}

// ProjectSchedule is the schedule pallet.yaml declares: order:, after:
// and each group's rollout:.
func ProjectSchedule(p *project.Project) Schedule {
	return Schedule{
		RunsAfter: p.RunsAfter,
		Rollout: func(group string) project.Rollout {
			if g, err := p.Group(group); err == nil {
				return g.Rollout
			}
			return project.Rollout{}
		},
	}
}

// rollout is group's rollout with the flags' overrides.
func (s Schedule) rollout(group string) project.Rollout {
	var r project.Rollout
	if s.Rollout != nil {
		r = s.Rollout(group)
	}
	if s.Batch != nil {
		r.Batch = s.Batch
	}
	if s.MaxFailed != nil {
		r.MaxFailed = s.MaxFailed
	}
	return r
}

// LimitNodes keeps the nodes whose name matches one of patterns (names or
// path.Match globs; an item may itself be a comma list, as --limit takes
// it). No patterns keeps every node; patterns matching none of the nodes
// is an error naming them, as is a malformed glob.
func LimitNodes(nodes []provider.Node, patterns []string) ([]provider.Node, error) {
	var pats []string
	for _, p := range patterns {
		for _, item := range strings.Split(p, ",") {
			if item = strings.TrimSpace(item); item != "" {
				pats = append(pats, item)
			}
		}
	}
	if len(pats) == 0 {
		return nodes, nil
	}
	for _, p := range pats {
		if _, err := path.Match(p, ""); err != nil {
			return nil, fmt.Errorf("--limit %s: not a valid pattern (%v): use names, or globs with * ? and [...]", p, err)
		}
	}
	var out []provider.Node
	for _, n := range nodes {
		for _, p := range pats {
			if ok, _ := path.Match(p, n.Name); ok {
				out = append(out, n)
				break
			}
		}
	}
	if len(out) == 0 {
		var names []string
		for _, n := range nodes {
			names = append(names, n.Name)
		}
		return nil, fmt.Errorf("--limit %s matches none of the nodes (%s)", strings.Join(pats, ","), strings.Join(names, ", "))
	}
	return out, nil
}

// schedJob is one job to schedule: its index among the run's jobs and its
// group.
type schedJob struct {
	job   runner.Job
	index int
	group string
}

// scheduler runs jobs group by group: a group starts when every group it
// runs after has finished, and only if none of them had a node fail (else
// its nodes are not run); within a group, nodes go in batches, and a batch
// starts only while the group's failures are within its limit. One
// semaphore bounds the nodes running at once across all groups.
type scheduler struct {
	sched  Schedule
	ro     runner.RunOptions // OnEvent and OnNodeDone get run-wide job indexes
	sem    chan struct{}
	notRun func(index int, reason string)
}

// runScheduled runs jobs (jobs[i] is of group groups[i]) as the schedule
// says, calling ro.OnNodeDone for every job that ran and notRun for every
// one that did not.
func runScheduled(ctx context.Context, jobs []runner.Job, groups []string, s Schedule, ro runner.RunOptions, notRun func(index int, reason string)) {
	par := ro.Parallelism
	if par <= 0 {
		par = runner.DefaultParallelism
	}
	sc := &scheduler{sched: s, ro: ro, sem: make(chan struct{}, par), notRun: notRun}
	byGroup := map[string][]schedJob{}
	var order []string
	for i, j := range jobs {
		g := groups[i]
		if _, ok := byGroup[g]; !ok {
			order = append(order, g)
		}
		byGroup[g] = append(byGroup[g], schedJob{job: j, index: i, group: g})
	}
	// A group's outcome, for the groups after it: "" when every node
	// succeeded, else why they must not run.
	outcome := map[string]string{}
	done := map[string]chan struct{}{}
	for _, g := range order {
		done[g] = make(chan struct{})
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, g := range order {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done[g])
			stop := ""
			for _, before := range s.waitsFor(g, done) {
				ch := done[before]
				<-ch
				mu.Lock()
				why := outcome[before]
				mu.Unlock()
				if why != "" && stop == "" {
					stop = fmt.Sprintf("group %s runs after group %s, which %s", g, before, why)
				}
			}
			var why string
			if stop != "" && ctx.Err() == nil {
				for _, j := range byGroup[g] {
					notRun(j.index, stop)
				}
				why = "did not run"
			} else {
				why = sc.runGroup(ctx, g, byGroup[g])
			}
			mu.Lock()
			outcome[g] = why
			mu.Unlock()
		}()
	}
	wg.Wait()
}

// waitsFor lists the groups of this run (those in inRun) that group
// waits for: those it runs after, and through groups with no node in this
// run, the ones those run after, so that leaving a group out of a run
// does not let the groups around it run together.
func (s Schedule) waitsFor(group string, inRun map[string]chan struct{}) []string {
	if s.RunsAfter == nil {
		return nil
	}
	var out []string
	seen := map[string]bool{group: true}
	var walk func(g string)
	walk = func(g string) {
		for _, b := range s.RunsAfter(g) {
			if seen[b] {
				continue
			}
			seen[b] = true
			if _, ok := inRun[b]; ok {
				out = append(out, b)
			} else {
				walk(b)
			}
		}
	}
	walk(group)
	return out
}

// failed reports whether a node result counts against a failure limit:
// failed or unreachable, not stopped by cancellation.
func failed(res runner.NodeResult) bool {
	return res.Err != nil && !errors.Is(res.Err, context.Canceled)
}

// runGroup runs one group's jobs in batches and says, for the groups
// after it, what went wrong ("" when nothing did).
func (sc *scheduler) runGroup(ctx context.Context, group string, jobs []schedJob) string {
	r := sc.sched.rollout(group)
	batch := len(jobs)
	if r.Batch != nil {
		batch = max(1, min(len(jobs), r.Batch.Of(len(jobs))))
	}
	limit := -1
	if r.MaxFailed != nil {
		limit = r.MaxFailed.Of(len(jobs))
	}
	var failedNodes []string
	var mu sync.Mutex
	for start := 0; start < len(jobs); start += batch {
		if limit >= 0 && len(failedNodes) > limit {
			reason := fmt.Sprintf("the rollout of group %s stopped after %d failed node(s) (%s), more than max_failed %d",
				group, len(failedNodes), strings.Join(failedNodes, ", "), limit)
			for _, j := range jobs[start:] {
				sc.notRun(j.index, reason)
			}
			break
		}
		var wg sync.WaitGroup
		for _, j := range jobs[start:min(start+batch, len(jobs))] {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res := sc.runOne(ctx, j)
				if failed(res) {
					mu.Lock()
					failedNodes = append(failedNodes, j.job.Target.Name)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
	}
	if len(failedNodes) > 0 {
		slices.Sort(failedNodes)
		return fmt.Sprintf("had %d failed node(s): %s", len(failedNodes), strings.Join(failedNodes, ", "))
	}
	return ""
}

// runOne runs one job once a slot is free, through runner.Run so that it
// connects, runs and reports exactly as every run does. When ctx is
// cancelled first, runner.Run reports the node as not started.
func (sc *scheduler) runOne(ctx context.Context, j schedJob) runner.NodeResult {
	select {
	case sc.sem <- struct{}{}:
		defer func() { <-sc.sem }()
	case <-ctx.Done():
	}
	ro := sc.ro
	ro.Parallelism = 1
	if sc.ro.OnEvent != nil {
		ro.OnEvent = func(e runner.Event) {
			e.Job = j.index
			sc.ro.OnEvent(e)
		}
	}
	ro.OnNodeDone = nil
	res := runner.Run(ctx, []runner.Job{j.job}, ro)[0]
	res.Job = j.index
	if sc.ro.OnNodeDone != nil {
		sc.ro.OnNodeDone(res)
	}
	return res
}

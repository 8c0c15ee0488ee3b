package runner

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// DefaultParallelism is how many nodes Run works on at once when not told.
const DefaultParallelism = 64

// Job is the work for one node: the phases to run, in order.
type Job struct {
	Target Target
	// Phases are run in order; a failed phase stops the rest of them.
	// Ignored when Prepare is set.
	Phases []Phase
	// Prepare, when set, produces the phases once the node is connected
	// and its OS probed, so scripts can be compiled for the OS the node
	// really runs. It is called from the node's own goroutine.
	Prepare func(ctx context.Context, t Target, os OSInfo) ([]Phase, error)
	// Options, when set, replaces RunOptions.Options for this node.
	Options *Options
}

// RunOptions configures Run.
type RunOptions struct {
	Options Options
	// Parallelism bounds how many nodes are worked on at once;
	// default DefaultParallelism.
	Parallelism int
	// OnEvent gets every node's events; it is called from many goroutines.
	// Event.Job says which job an event belongs to: node names need not
	// be unique.
	OnEvent EventFunc
	// OnNodeDone, when set, is called as each node finishes; it is called
	// from many goroutines.
	OnNodeDone func(NodeResult)
}

// NodeResult is what happened on one node.
type NodeResult struct {
	// Job is the index of the job in the slice given to Run: node names
	// need not be unique (two cloud servers may share one), so results
	// are matched to jobs by it.
	Job    int    `json:"job"`
	Target Target `json:"target"`
	// OS is set when Prepare asked for the OS probe.
	OS     OSInfo        `json:"os"`
	Phases []PhaseResult `json:"phases"`
	// Counts sums the step outcomes of every phase that ran.
	Counts Counts `json:"counts"`
	// Unreachable is true when the node could not be connected to; Err
	// says why.
	Unreachable bool `json:"unreachable"`
	// Err is the first error on this node: the connection, Prepare, or the
	// phase that failed (and stopped the phases after it).
	Err      error         `json:"-"`
	Duration time.Duration `json:"duration_ns"`
}

// OK reports whether every phase on the node succeeded.
func (r NodeResult) OK() bool { return r.Err == nil }

// Run works through jobs with at most Parallelism nodes at a time and returns
// one NodeResult per job, in the order of jobs. A failure on one node stops
// only that node's later phases. Cancelling ctx stops every node, reporting
// what ran.
func Run(ctx context.Context, jobs []Job, ro RunOptions) []NodeResult {
	par := ro.Parallelism
	if par <= 0 {
		par = DefaultParallelism
	}
	results := make([]NodeResult, len(jobs))
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	for i, job := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				results[i] = NodeResult{Job: i, Target: job.Target, Err: fmt.Errorf("node %s: not started: %w", job.Target.name(), ctx.Err())}
				if ro.OnNodeDone != nil {
					ro.OnNodeDone(results[i])
				}
				return
			}
			defer func() { <-sem }()
			jro := ro
			if ro.OnEvent != nil {
				jro.OnEvent = func(e Event) {
					e.Job = i
					ro.OnEvent(e)
				}
			}
			results[i] = runJob(ctx, job, jro)
			results[i].Job = i
			if ro.OnNodeDone != nil {
				ro.OnNodeDone(results[i])
			}
		}()
	}
	wg.Wait()
	return results
}

func runJob(ctx context.Context, job Job, ro RunOptions) NodeResult {
	start := time.Now()
	res := NodeResult{Target: job.Target}
	opts := ro.Options
	if job.Options != nil {
		opts = *job.Options
	}
	if err := ctx.Err(); err != nil {
		res.Err = fmt.Errorf("node %s: not started: %w", job.Target.name(), err)
		return res
	}
	conn, err := Dial(ctx, job.Target, opts)
	if err != nil {
		// A dial cut short by cancellation says nothing about the node.
		res.Unreachable, res.Err = ctx.Err() == nil, err
		res.Duration = time.Since(start)
		return res
	}
	defer conn.Close()

	phases := job.Phases
	if job.Prepare != nil {
		res.OS, err = conn.ProbeOS(ctx)
		if err == nil || res.OS.ID != "" {
			// An unmapped OS is for Prepare to judge: it may know the
			// node's OS from elsewhere.
			phases, err = job.Prepare(ctx, job.Target, res.OS)
		}
		if err != nil {
			res.Err = fmt.Errorf("node %s: prepare scripts: %w", job.Target.name(), err)
			res.Duration = time.Since(start)
			return res
		}
	}
	for _, p := range phases {
		pr, err := conn.RunPhase(ctx, p, ro.OnEvent)
		res.Phases = append(res.Phases, pr)
		res.Counts = res.Counts.Add(pr.Counts)
		if err != nil {
			res.Err = err
			break
		}
	}
	res.Duration = time.Since(start)
	return res
}

// Totals summarises a run for the recap line.
type Totals struct {
	Nodes       int    `json:"nodes"`
	OK          int    `json:"ok"`          // nodes with every phase successful
	Failed      int    `json:"failed"`      // nodes reached where something failed
	Unreachable int    `json:"unreachable"` // nodes not reached
	Steps       Counts `json:"steps"`
}

// Summarise totals node results.
func Summarise(results []NodeResult) Totals {
	t := Totals{Nodes: len(results)}
	for _, r := range results {
		t.Steps = t.Steps.Add(r.Counts)
		switch {
		case r.Unreachable:
			t.Unreachable++
		case r.Err != nil:
			t.Failed++
		default:
			t.OK++
		}
	}
	return t
}

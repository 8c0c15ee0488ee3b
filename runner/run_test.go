package runner

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunNodesIndependently(t *testing.T) {
	c := newClient(t)
	good := newTestServer(t, c.pub)
	bad := newTestServer(t, c.pub)
	c.trust(t, good)
	c.trust(t, bad)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	deadPort := ln.Addr().(*net.TCPAddr).Port
	ln.Close()

	okPhase := Phase{Name: "configure", Script: script(step{crate: "a", name: "one", status: "changed"}, step{crate: "a", name: "two", status: "ok"})}
	failPhase := Phase{Name: "bootstrap", Script: script(step{crate: "b", name: "breaks", body: "echo nope; false"})}
	var prepared atomic.Int32
	jobs := []Job{
		{Target: good.target("root"), Prepare: func(ctx context.Context, tg Target, os OSInfo) ([]Phase, error) {
			prepared.Add(1)
			if os.ID == "" {
				t.Errorf("Prepare got no OS: %+v", os)
			}
			return []Phase{okPhase, okPhase}, nil
		}},
		{Target: bad.target("root"), Phases: []Phase{failPhase, okPhase}},
		{Target: Target{Name: "dead", Host: "127.0.0.1", Port: deadPort, User: "root"}, Phases: []Phase{okPhase}},
	}
	var mu sync.Mutex
	nodesSeen := map[string]int{}
	var done atomic.Int32
	results := Run(t.Context(), jobs, RunOptions{
		Options:     c.options(t),
		Parallelism: 2,
		OnEvent: func(e Event) {
			mu.Lock()
			nodesSeen[e.Node]++
			mu.Unlock()
		},
		OnNodeDone: func(NodeResult) { done.Add(1) },
	})
	if len(results) != 3 || done.Load() != 3 || prepared.Load() != 1 {
		t.Fatalf("%d results, %d OnNodeDone, %d Prepare calls; want 3, 3, 1", len(results), done.Load(), prepared.Load())
	}
	g, b, d := results[0], results[1], results[2]
	if !g.OK() || len(g.Phases) != 2 || g.Counts != (Counts{OK: 2, Changed: 2}) {
		t.Errorf("good node: %+v", g)
	}
	var sf *StepFailedError
	if b.OK() || b.Unreachable || len(b.Phases) != 1 || !errors.As(b.Err, &sf) || b.Counts.Failed != 1 {
		t.Errorf("bad node should fail its first phase and skip the second: %+v", b)
	}
	if !d.Unreachable || !IsUnreachable(d.Err) || len(d.Phases) != 0 {
		t.Errorf("dead node: %+v", d)
	}
	if tot := Summarise(results); tot != (Totals{Nodes: 3, OK: 1, Failed: 1, Unreachable: 1, Steps: Counts{OK: 2, Changed: 2, Failed: 1}}) {
		t.Errorf("Summarise = %+v", tot)
	}
	if nodesSeen[g.Target.Name] == 0 || nodesSeen[b.Target.Name] == 0 {
		t.Errorf("events by node = %v", nodesSeen)
	}
}

func TestRunBoundsParallelism(t *testing.T) {
	c := newClient(t)
	s := newTestServer(t, c.pub)
	c.trust(t, s)
	var running, peak atomic.Int32
	jobs := make([]Job, 6)
	for i := range jobs {
		jobs[i] = Job{Target: s.target("root"), Prepare: func(ctx context.Context, _ Target, _ OSInfo) ([]Phase, error) {
			n := running.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(50 * time.Millisecond)
			running.Add(-1)
			return nil, nil
		}}
	}
	results := Run(t.Context(), jobs, RunOptions{Options: c.options(t), Parallelism: 2})
	for _, r := range results {
		if r.Err != nil {
			t.Errorf("node: %v", r.Err)
		}
	}
	if peak.Load() != 2 {
		t.Errorf("peak concurrency %d, want 2", peak.Load())
	}
}

func TestRunCancelled(t *testing.T) {
	c := newClient(t)
	s := newTestServer(t, c.pub)
	c.trust(t, s)
	ctx, cancel := context.WithCancel(t.Context())
	slow := Phase{Name: "configure", Script: script(step{crate: "a", name: "slow", body: "sleep 30"})}
	jobs := []Job{{Target: s.target("root"), Phases: []Phase{slow, slow}}, {Target: s.target("root"), Phases: []Phase{slow}}}
	start := time.Now()
	results := Run(ctx, jobs, RunOptions{Options: c.options(t), Parallelism: 1, OnEvent: func(e Event) {
		if e.Kind == EventBegin {
			cancel()
		}
	}})
	if time.Since(start) > 1500*time.Millisecond {
		t.Errorf("cancelled run took %v; the script should stop on SIGTERM, not wait for the grace period", time.Since(start))
	}
	// Which node got the one slot first is up to the scheduler.
	ran, other := results[0], results[1]
	if len(ran.Phases) == 0 {
		ran, other = other, ran
	}
	if !errors.Is(ran.Err, context.Canceled) || len(ran.Phases) != 1 || len(ran.Phases[0].Steps) != 1 {
		t.Errorf("node that started: %+v, want cancelled during its first phase", ran)
	}
	if !errors.Is(other.Err, context.Canceled) || len(other.Phases) != 0 {
		t.Errorf("other node: %+v, want not started", other)
	}
}

// TestRunJobIndex: events and results say which job they belong to, since
// node names need not be unique.
func TestRunJobIndex(t *testing.T) {
	c := newClient(t)
	s := newTestServer(t, c.pub)
	c.trust(t, s)
	okPhase := Phase{Name: "configure", Script: script(step{crate: "a", name: "one", status: "ok"})}
	failPhase := Phase{Name: "configure", Script: script(step{crate: "b", name: "breaks", body: "false"})}
	tg := s.target("root")
	tg.Name = "web-1"
	jobs := []Job{{Target: tg, Phases: []Phase{okPhase}}, {Target: tg, Phases: []Phase{failPhase}}}
	var mu sync.Mutex
	ended := map[int]StepStatus{}
	var doneJobs []int
	results := Run(t.Context(), jobs, RunOptions{
		Options: c.options(t),
		OnEvent: func(e Event) {
			if e.Kind == EventEnd {
				mu.Lock()
				ended[e.Job] = e.Step.Status
				mu.Unlock()
			}
		},
		OnNodeDone: func(r NodeResult) {
			mu.Lock()
			doneJobs = append(doneJobs, r.Job)
			mu.Unlock()
		},
	})
	for i, r := range results {
		if r.Job != i {
			t.Errorf("results[%d].Job = %d", i, r.Job)
		}
	}
	if !results[0].OK() || results[1].OK() {
		t.Errorf("job 0 should succeed and job 1 fail: %v, %v", results[0].Err, results[1].Err)
	}
	if ended[0] != StatusOK || ended[1] != StatusFailed {
		t.Errorf("end events by job = %v, want 0: ok, 1: failed", ended)
	}
	if len(doneJobs) != 2 || doneJobs[0]+doneJobs[1] != 1 {
		t.Errorf("OnNodeDone jobs = %v, want 0 and 1", doneJobs)
	}
}

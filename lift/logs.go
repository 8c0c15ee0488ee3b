package lift

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/palletops/pallet/runner"
)

// nodeLogs holds one log file per node. Everything a node's phases print
// goes there in full (the report keeps only tails), so a failure can be
// read after the run.
type nodeLogs struct {
	dir   string
	files []*nodeLog // by plan index (names need not be unique); read-only once opened
}

// nodeLog is one node's log. A nil *nodeLog discards everything, so
// callers need not check whether logging is on.
type nodeLog struct {
	mu   sync.Mutex
	path string
	f    *os.File
	w    *bufio.Writer
}

func openLogs(dir, command string, plans []*plan) (*nodeLogs, error) {
	l := &nodeLogs{dir: dir, files: make([]*nodeLog, len(plans))}
	if dir == "" {
		return l, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create the run log directory: %w", err)
	}
	names := logFileNames(plans)
	for i, pl := range plans {
		path := filepath.Join(dir, names[i])
		// 0600: output of configuration scripts may include things only
		// root on the node should read.
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			l.closeAll()
			return nil, fmt.Errorf("create node log: %w", err)
		}
		nl := &nodeLog{path: path, f: f, w: bufio.NewWriter(f)}
		l.files[i] = nl
		n := pl.node
		addr := n.Host
		if n.Port != 0 {
			addr = fmt.Sprintf("%s:%d", n.Host, n.Port)
		}
		nl.printf("pallet-run %s: node %s (group %s) at %s@%s, os %s, started %s",
			command, n.Name, n.Group, n.User, addr, n.OS, time.Now().UTC().Format(time.RFC3339))
		nl.printf("phases to run: %s", strings.Join(pl.phases, ", "))
		for _, s := range pl.skipped {
			nl.printf("skipped phase %s: %s", s.Phase, s.Reason)
		}
	}
	return l, nil
}

// logFileNames names each plan's log: <name>.log, and <name>-<id>.log
// for nodes whose names clash (two servers may share a name), with a
// counter added should even that clash, so no log overwrites another.
func logFileNames(plans []*plan) []string {
	count := map[string]int{}
	for _, pl := range plans {
		count[safeFileName(pl.node.Name)]++
	}
	names := make([]string, len(plans))
	used := map[string]bool{}
	for i, pl := range plans {
		base := safeFileName(pl.node.Name)
		if count[base] > 1 && pl.node.ID != "" {
			base = safeFileName(pl.node.Name + "-" + pl.node.ID)
		}
		if base == "" {
			base = "node"
		}
		name := base
		for k := 2; used[strings.ToLower(name)]; k++ {
			name = fmt.Sprintf("%s-%d", base, k)
		}
		used[strings.ToLower(name)] = true
		names[i] = name + ".log"
	}
	return names
}

// safeFileName keeps letters, digits, '-', '_' and '.', not leading dots.
func safeFileName(node string) string {
	var b strings.Builder
	for _, r := range node {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return strings.TrimLeft(b.String(), ".")
}

// get returns plan i's log, nil (discard) when logging is off.
func (l *nodeLogs) get(i int) *nodeLog {
	if i < 0 || i >= len(l.files) {
		return nil
	}
	return l.files[i]
}

func (l *nodeLogs) path(i int) string {
	if nl := l.get(i); nl != nil {
		return nl.path
	}
	return ""
}

func (l *nodeLogs) closeAll() {
	for _, nl := range l.files {
		nl.close()
	}
}

func (nl *nodeLog) printf(format string, args ...any) {
	if nl == nil {
		return
	}
	nl.mu.Lock()
	defer nl.mu.Unlock()
	if nl.w != nil {
		fmt.Fprintf(nl.w, format+"\n", args...)
	}
}

func (nl *nodeLog) event(e runner.Event) {
	switch e.Kind {
	case runner.EventBegin:
		nl.printf("[%s] begin %d/%d %s: %s", e.Phase, e.Step.N, e.Step.Total, e.Step.Crate, e.Step.Name)
	case runner.EventOutput:
		nl.printf("[%s]   %s", e.Phase, e.Line)
	case runner.EventEnd:
		msg := ""
		if e.Step.Message != "" {
			msg = ": " + e.Step.Message
		}
		nl.printf("[%s] end %d/%d %s: %s in %s%s", e.Phase, e.Step.N, e.Step.Total, e.Step.Crate, e.Step.Status, e.Step.Duration.Round(time.Millisecond), msg)
	case runner.EventDone:
		c := e.Counts
		nl.printf("[%s] done: ok=%d changed=%d would-change=%d ran=%d skipped=%d failed=%d", e.Phase, c.OK, c.Changed, c.WouldChange, c.Ran, c.Skipped, c.Failed)
	}
}

func (nl *nodeLog) result(nr NodeReport) {
	if nr.Probed != nil {
		nl.printf("os-release: %s %s (%s) -> %s", nr.Probed.ID, nr.Probed.VersionID, nr.Probed.PrettyName, nr.Probed.PalletOS)
	}
	for _, ph := range nr.Phases {
		nl.printf("phase %s: exit %d in %s", ph.Phase, ph.ExitCode, ph.Duration.Round(time.Millisecond))
	}
	if nr.Bootstrapped {
		nl.printf("recorded as bootstrapped")
	}
	if nr.Err != nil {
		nl.printf("error: %v", nr.Err)
	}
	c := nr.Counts
	nl.printf("result: %s in %s: ok=%d changed=%d would-change=%d ran=%d skipped=%d failed=%d", nr.Status, nr.Duration.Round(time.Millisecond), c.OK, c.Changed, c.WouldChange, c.Ran, c.Skipped, c.Failed)
}

func (nl *nodeLog) close() {
	if nl == nil {
		return
	}
	nl.mu.Lock()
	defer nl.mu.Unlock()
	if nl.w != nil {
		nl.w.Flush()
		nl.f.Close()
		nl.w = nil
	}
}

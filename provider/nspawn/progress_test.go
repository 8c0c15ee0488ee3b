package nspawn

import (
	"fmt"
	"strings"
	"testing"
)

// TestBuildProgressQuiet: debootstrap's ~600 lines reach the log file, not
// the progress writer, and the tail is still there for an error message.
func TestBuildProgressQuiet(t *testing.T) {
	var progress, log strings.Builder
	p := &Provider{progress: &progress}
	bp := p.newBuildProgress("bookworm", &log)
	var want strings.Builder
	for i := range 600 {
		fmt.Fprintf(&want, "I: Retrieving pkg%d 1.0\n", i)
	}
	fmt.Fprint(&want, "E: Couldn't download packages: pkg599\n")
	// in pieces that split lines, as a pipe delivers them
	all := want.String()
	for len(all) > 0 {
		n := min(37, len(all))
		bp.Write([]byte(all[:n]))
		all = all[n:]
	}
	bp.done()
	if progress.Len() != 0 {
		t.Errorf("progress got debootstrap output (%d bytes), want none:\n%.300s", progress.Len(), progress.String())
	}
	if log.String() != want.String() {
		t.Errorf("log has %d bytes, want all %d", log.Len(), want.Len())
	}
	if tail := bp.tail(); !strings.Contains(tail, "E: Couldn't download packages: pkg599") || strings.Count(tail, "\n") > 16 {
		t.Errorf("tail = %q, want the last lines only, the error among them", tail)
	}
}

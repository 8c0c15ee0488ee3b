package nspawn

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"golang.org/x/term"
)

// buildProgress takes debootstrap's output (some 600 "I: Retrieving ...",
// "I: Validating ..." lines): all of it goes to the log file, none of it to
// the user, who sees one line — redrawn with a count on a terminal, else
// only the lines the provider prints before and after. The last lines are
// kept for an error message, so a failed debootstrap explains itself even
// when nobody watched.
type buildProgress struct {
	release string
	log     io.Writer
	tty     io.Writer // the terminal to redraw a count on, or nil

	mu    sync.Mutex
	buf   []byte
	last  []string
	steps int
	drawn bool
}

func (p *Provider) newBuildProgress(release string, log io.Writer) *buildProgress {
	bp := &buildProgress{release: release, log: log}
	if f, ok := p.progress.(interface{ Fd() uintptr }); ok && term.IsTerminal(int(f.Fd())) {
		bp.tty = p.progress
	}
	return bp
}

func (bp *buildProgress) Write(b []byte) (int, error) {
	bp.mu.Lock()
	defer bp.mu.Unlock()
	if bp.log != nil {
		bp.log.Write(b) // a full disk must not fail the build over its log
	}
	bp.buf = append(bp.buf, b...)
	for {
		i := strings.IndexByte(string(bp.buf), '\n')
		if i < 0 {
			break
		}
		line := string(bp.buf[:i])
		bp.buf = bp.buf[i+1:]
		bp.last = append(bp.last, line)
		if len(bp.last) > 15 {
			bp.last = bp.last[1:]
		}
		if strings.HasPrefix(line, "I: ") {
			bp.steps++
			if bp.tty != nil {
				what, _, _ := strings.Cut(strings.TrimPrefix(line, "I: "), " ")
				fmt.Fprintf(bp.tty, "\r\033[Knspawn: debootstrap %s: %d steps (%s)", bp.release, bp.steps, what)
				bp.drawn = true
			}
		}
	}
	return len(b), nil
}

// done ends the redrawn line, so what is printed next starts on its own.
func (bp *buildProgress) done() {
	bp.mu.Lock()
	defer bp.mu.Unlock()
	if bp.drawn {
		fmt.Fprint(bp.tty, "\r\033[K")
		bp.drawn = false
	}
}

func (bp *buildProgress) tail() string {
	bp.mu.Lock()
	defer bp.mu.Unlock()
	return strings.Join(append(bp.last, string(bp.buf)), "\n")
}

package cliflag

import (
	"io"

	"github.com/palletops/pallet/compiler"
)

// Redacting is w with the project's secrets redacted out of every write,
// once a compile has read them (compiler.Project.Redactor, asked at each
// write: until a template file reads .secrets nothing is decrypted and
// nothing is redacted). Each write is redacted whole: the commands write
// their reports, progress lines and JSON document a line or a document at
// a time, so a secret never spans two writes.
func Redacting(p *compiler.Project, w io.Writer) io.Writer {
	return &redacting{p: p, w: w}
}

type redacting struct {
	p *compiler.Project
	w io.Writer
}

func (r *redacting) Write(b []byte) (int, error) {
	red := r.p.Redactor()
	if red == nil {
		return r.w.Write(b)
	}
	if _, err := r.w.Write(red.RedactBytes(b)); err != nil {
		return 0, err
	}
	return len(b), nil
}

// Fd is the descriptor of the file underneath, so that code asking
// whether it writes to a terminal (the live progress display, a redrawn
// debootstrap count) gets the same answer through the redactor; ^0 (no
// descriptor, never a terminal) when w is not a file.
func (r *redacting) Fd() uintptr {
	if f, ok := r.w.(interface{ Fd() uintptr }); ok {
		return f.Fd()
	}
	return ^uintptr(0)
}

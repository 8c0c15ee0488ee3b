package project

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/palletops/pallet/internal/suggest"
)

// Pos is a place in an input file, for error messages.
type Pos struct {
	File      string
	Line, Col int
}

// String is file:line:col, leaving out what is unknown.
func (p Pos) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// PosOf is where node n is in file.
func PosOf(file string, n *yaml.Node) Pos {
	if n == nil {
		return Pos{File: file}
	}
	return Pos{File: file, Line: n.Line, Col: n.Column}
}

// Error is an input error at a place: one line, saying what is wrong and,
// where it can, what to do.
type Error struct {
	Pos Pos
	Msg string
	Err error // the cause, if any, for errors.Is/As
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }
func (e *Error) Unwrap() error { return e.Err }

// ErrorList is every input error found, in file order. Loading goes on
// after an error so that `palletc check` can report them all at once.
type ErrorList []*Error

func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Add adds an error at pos.
func (l *ErrorList) Add(pos Pos, format string, args ...any) {
	*l = append(*l, &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// AddErr adds err, keeping its own place if it is an *Error or ErrorList,
// else at pos.
func (l *ErrorList) AddErr(pos Pos, err error) {
	var list ErrorList
	var one *Error
	switch {
	case errors.As(err, &list):
		*l = append(*l, list...)
	case errors.As(err, &one):
		*l = append(*l, one)
	default:
		*l = append(*l, &Error{Pos: pos, Msg: err.Error(), Err: err})
	}
}

// Err is the list sorted by place (file, line, column; stable, so errors
// at one place keep the order they were found in) as an error, or nil when
// it is empty.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i].Pos, l[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	return l
}

// maxPlainKey is yaml.v3's limit on a key written without a block
// (a "simple key"): past it the parser says only "mapping values are not
// allowed in this context".
const maxPlainKey = 1024

// yamlErrorIn is yamlError knowing the text, so that it can say what a
// parser message means where that is not plain: a key past YAML's length
// limit.
func yamlErrorIn(file string, data []byte, err error) *Error {
	e := yamlError(file, err)
	if e.Pos.Line > 0 && strings.Contains(e.Msg, "mapping values are not allowed in this context") {
		lines := strings.SplitN(string(data), "\n", e.Pos.Line+1)
		if e.Pos.Line <= len(lines) {
			if key, _, ok := strings.Cut(lines[e.Pos.Line-1], ":"); ok && len(strings.TrimSpace(key)) > maxPlainKey {
				e.Msg = fmt.Sprintf("a key %d characters long: YAML allows at most %d; group, phase, crate and param names are short, so shorten it", len(strings.TrimSpace(key)), maxPlainKey)
			}
		}
	}
	return e
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError turns yaml.v3's "yaml: line 3: ..." into "file:3: ...".
func yamlError(file string, err error) *Error {
	msg := strings.TrimSpace(err.Error())
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{Pos: Pos{File: file, Line: line}, Msg: "malformed YAML: " + m[2] + " (check indentation and quoting)", Err: err}
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	return &Error{Pos: Pos{File: file}, Msg: "malformed YAML: " + msg, Err: err}
}

// didYouMean returns ` (did you mean "x"?)` for the nearest of names, or "".
func didYouMean(name string, names []string) string { return suggest.DidYouMean(name, names) }

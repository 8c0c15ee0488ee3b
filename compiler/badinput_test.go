package compiler

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/palletops/pallet/project"
)

// TestBadInput runs the bad-input corpus, testdata/badinput/*.txtar: each
// case is a project (pallet.yaml and any crate files) that must be refused,
// and the first line of the error it must be refused with. The project is
// loaded and, when it loads, checked (every phase compiled, as for a node
// named node-1), as `palletc check` does. No case may panic or take long.
//
// The comment part of a case holds its directives, one a line:
//
//	want: <first line of the error>   required; the temp dir prefix is cut
//	symlink NAME TARGET               NAME becomes a symlink to TARGET
//	fifo NAME                         NAME becomes a FIFO
//	mkdir NAME                        an empty directory
//	big NAME BYTES                    NAME filled with BYTES bytes of '#'
//
// Lines starting with # describe the case.
func TestBadInput(t *testing.T) {
	cases, err := filepath.Glob("testdata/badinput/*.txtar")
	if err != nil || len(cases) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	for _, file := range cases {
		name := strings.TrimSuffix(filepath.Base(file), ".txtar")
		t.Run(name, func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			want := setupBadInput(t, dir, ar)
			got, _, _ := strings.Cut(strings.ReplaceAll(loadAndCheck(t, dir), dir+"/", ""), "\n")
			if got != want {
				t.Errorf("first line of the error:\n got: %s\nwant: %s", got, want)
			}
		})
	}
}

// setupBadInput writes a case's files and carries out its directives,
// returning the error line it wants.
func setupBadInput(t *testing.T, dir string, ar *txtar.Archive) string {
	t.Helper()
	for _, f := range ar.Files {
		writeTestFile(t, filepath.Join(dir, f.Name), string(f.Data))
	}
	want := ""
	for _, line := range strings.Split(string(ar.Comment), "\n") {
		fields := strings.Fields(line)
		switch {
		case len(fields) == 0 || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "want: "):
			want = strings.TrimPrefix(line, "want: ")
		case fields[0] == "symlink" && len(fields) == 3:
			target := fields[2]
			mkParent(t, dir, fields[1])
			if err := os.Symlink(target, filepath.Join(dir, fields[1])); err != nil {
				t.Fatal(err)
			}
		case fields[0] == "fifo" && len(fields) == 2:
			mkParent(t, dir, fields[1])
			if err := syscall.Mkfifo(filepath.Join(dir, fields[1]), 0o644); err != nil {
				t.Fatal(err)
			}
		case fields[0] == "mkdir" && len(fields) == 2:
			if err := os.MkdirAll(filepath.Join(dir, fields[1]), 0o755); err != nil {
				t.Fatal(err)
			}
		case fields[0] == "big" && len(fields) == 3:
			n, err := strconv.Atoi(fields[2])
			if err != nil {
				t.Fatal(err)
			}
			writeTestFile(t, filepath.Join(dir, fields[1]), string(bytes.Repeat([]byte("#"), n)))
		default:
			t.Fatalf("bad directive %q", line)
		}
	}
	if want == "" {
		t.Fatal("case has no want: line")
	}
	return want
}

func mkParent(t *testing.T, dir, name string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
		t.Fatal(err)
	}
}

// loadAndCheck loads dir/pallet.yaml and checks it as palletc check does,
// returning the error's text, failing the test if it panics, takes more
// than 10 seconds or finds nothing wrong.
func loadAndCheck(t *testing.T, dir string) string {
	t.Helper()
	msg, err := boundedLoad(filepath.Join(dir, "pallet.yaml"), nil, &project.Env{User: "deploy", Home: dir}, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if msg == "" {
		t.Fatal("loaded and checked without an error")
	}
	return msg
}

// boundedLoad loads a project (from data when it is not nil, else from
// the file) and checks it, returning the error text ("" when there is
// none), or an error when that panics or takes longer than limit.
func boundedLoad(file string, data []byte, env *project.Env, limit time.Duration) (string, error) {
	type result struct {
		msg   string
		panic any
		stack []byte
	}
	done := make(chan result, 1)
	go func() {
		var res result
		defer func() {
			if r := recover(); r != nil {
				res.panic, res.stack = r, debug.Stack()
			}
			done <- res
		}()
		var p *Project
		var err error
		if data != nil {
			p, err = Parse(file, data, env)
		} else {
			p, err = LoadEnv(file, env)
		}
		if err == nil {
			_, err = p.Check()
		}
		if err != nil {
			res.msg = err.Error()
		}
	}()
	select {
	case res := <-done:
		if res.panic != nil {
			return "", fmt.Errorf("panic: %v\n%s", res.panic, res.stack)
		}
		return res.msg, nil
	case <-time.After(limit):
		return "", fmt.Errorf("still loading after %v", limit)
	}
}

package cratetest

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestNewFileRefuses: pallet_new_file makes its file only where nothing
// is. bash's noclobber opens a name that is not a regular file without
// O_EXCL (a symlink to /dev/null, or to a FIFO, whose open would wait for
// a writer for ever): each of those is refused at once, and nothing at
// the name is opened or changed.
func TestNewFileRefuses(t *testing.T) {
	helper := helperSource(t, "pallet_new_file")
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("keep\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	newFile := func(path string) (string, error) {
		cmd := exec.Command("bash", "-c", helper+"\nset -euo pipefail\npallet_new_file \"$1\"", "bash", path)
		done := make(chan struct{})
		var out []byte
		var err error
		go func() { out, err = cmd.CombinedOutput(); close(done) }()
		select {
		case <-done:
			return string(out), err
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Fatalf("pallet_new_file %s hung", path)
			return "", nil
		}
	}
	for name, target := range map[string]string{"to a FIFO": fifo, "to the null device": "/dev/null", "to a file": victim} {
		link := filepath.Join(dir, "link "+name)
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
		if out, err := newFile(link); err == nil {
			t.Errorf("a symlink %s: pallet_new_file succeeded (%s), want a refusal", name, out)
		}
	}
	if out, err := newFile(victim); err == nil {
		t.Errorf("a regular file: pallet_new_file succeeded (%s), want a refusal", out)
	}
	if got := readFile(t, victim); got != "keep\n" {
		t.Errorf("the file behind the names holds %q, want %q", got, "keep\n")
	}
	made := filepath.Join(dir, "new")
	if out, err := newFile(made); err != nil {
		t.Fatalf("a free name: %v\n%s", err, out)
	}
	if st, err := os.Lstat(made); err != nil || !st.Mode().IsRegular() || st.Mode().Perm() != 0o600 {
		t.Errorf("the file made: %v %v, want a regular file 0600", st.Mode(), err)
	}
}

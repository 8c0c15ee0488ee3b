package cliflag

import (
	"bytes"
	"os"
	"testing"
)

// TestRedactingKeepsTheDescriptor: wrapping stdout in the redactor must
// not hide that it is a terminal, or the live display never shows.
func TestRedactingKeepsTheDescriptor(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fd, ok := Redacting(nil, f).(interface{ Fd() uintptr })
	if !ok || fd.Fd() != f.Fd() {
		t.Fatalf("Redacting(file) does not give the file's descriptor")
	}
	if got := Redacting(nil, &bytes.Buffer{}).(interface{ Fd() uintptr }).Fd(); got != ^uintptr(0) {
		t.Errorf("Redacting(buffer).Fd() = %d, want no descriptor", got)
	}
}

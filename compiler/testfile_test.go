package compiler

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/palletops/pallet/osfamily"
)

func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// mustOS parses an OS id the test knows is valid.
func mustOS(id string) osfamily.OS {
	os, err := osfamily.Parse(id)
	if err != nil {
		panic(err)
	}
	return os
}

package compiler

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/palletops/pallet/project"
)

// FuzzLoad feeds random YAML to project loading and checking: whatever
// the input, Parse and Check must return (an error is fine) without a
// panic, within a bounded time. Seeds: every pallet.yaml of the bad-input
// corpus and the example project.
func FuzzLoad(f *testing.F) {
	cases, _ := filepath.Glob("testdata/badinput/*.txtar")
	for _, c := range cases {
		ar, err := txtar.ParseFile(c)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range ar.Files {
			if file.Name == "pallet.yaml" {
				f.Add(file.Data)
			}
		}
	}
	if data, err := os.ReadFile("../examples/quickstart/pallet.yaml"); err == nil {
		f.Add(data)
	}
	dir := f.TempDir()
	env := &project.Env{User: "deploy", Home: dir}
	file := filepath.Join(dir, "pallet.yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		if data == nil {
			data = []byte{}
		}
		if _, err := boundedLoad(file, data, env, 10*time.Second); err != nil {
			t.Fatalf("%v\ninput:\n%s", err, data)
		}
	})
}

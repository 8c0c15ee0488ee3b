package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"palletc": func() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

// TestScript runs the CLI cases in testdata/script: each is a txtar file
// with the commands, their expected output and the files they read.
func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("USER", "deploy")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"nofileholds": noFileHolds,
		},
	})
}

// noFileHolds TEXT DIR...: no file under any DIR holds TEXT. It is how a
// script proves that a secret never lands on disk in plain text.
func noFileHolds(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: nofileholds TEXT DIR...")
	}
	text := []byte(args[0])
	files := 0
	for _, dir := range args[1:] {
		err := filepath.WalkDir(ts.MkAbs(dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.Type().IsRegular() {
				return nil
			}
			files++
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if bytes.Contains(data, text) {
				ts.Fatalf("%s holds %q", path, text)
			}
			return nil
		})
		if err != nil {
			ts.Fatalf("%v", err)
		}
	}
	ts.Logf("%d files, none holds the text", files)
}

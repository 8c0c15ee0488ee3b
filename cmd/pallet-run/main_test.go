package main

import (
	"context"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"pallet-run": func() { os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

// TestScript runs the CLI cases in testdata/script: each is a txtar file
// with the commands, their expected output and the files they read. None
// needs root or a real node: unreachable nodes are 127.0.0.1 on a closed
// port.
func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("USER", "deploy")
			env.Setenv("SSH_AUTH_SOCK", "")
			return nil
		},
	})
}

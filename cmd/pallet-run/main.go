// Command pallet-run runs a pallet project's compiled scripts on nodes over
// SSH: one connection per node, the script uploaded by SFTP and run with
// sudo, results as a recap or one JSON document.
//
//	pallet-run lift  [-f pallet.yaml] [--provider NAME] GROUP... [--phase P]... [flags]
//	pallet-run apply DIR [GROUP...] [--provider NAME] [--phase P]... [flags]
//	pallet-run nodes [--provider NAME] [--group G] [--json]
//	pallet-run nodes create  [--provider NAME] --group G --count N
//	pallet-run nodes destroy [--provider NAME] (--group G | NODE...)
//
// Exit status: 0 every node succeeded, 1 errors in the input, 2 wrong
// usage, 3 some nodes failed or were unreachable, 130 interrupted.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first Ctrl-C the run stops cleanly and reports; a
		// second one gets the default behaviour and kills the process.
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

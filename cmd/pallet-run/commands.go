package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/palletops/pallet/cmd/internal/cliflag"
	"github.com/palletops/pallet/compiler"
)

const (
	exitOK          = cliflag.ExitOK
	exitInput       = cliflag.ExitInput
	exitUsage       = cliflag.ExitUsage
	exitNodesFailed = 3
	exitInterrupted = 130
)

const usage = `pallet-run runs a pallet project's compiled scripts on nodes over SSH (one connection per node, SFTP, sudo).

Usage:
  pallet-run lift  [-f pallet.yaml] [--provider NAME] GROUP... [--phase P]... [flags]   compile and run phases on a group's nodes
  pallet-run apply DIR [GROUP...] [--provider NAME] [--phase P]... [flags]             run a palletc build output verbatim
  pallet-run converge [-f pallet.yaml] [--provider NAME] GROUP=COUNT... [--phase P]... [--plan] [flags]
                                                      create/destroy nodes to match the counts, bootstrap new ones, run phases
  pallet-run exec [-f pallet.yaml] [--provider NAME] GROUP... [--limit N] [--sudo=false] -- COMMAND [ARG...]
                                                      run one command on every node of the groups, output prefixed by node
  pallet-run nodes [-f pallet.yaml] [--provider NAME] [--group G] [--json]             list a provider's nodes
  pallet-run nodes create  [--provider NAME] --group G --count N                       make nodes (providers that can: nspawn)
  pallet-run nodes destroy [--provider NAME] (--group G | NODE...)                     remove nodes
  pallet-run version

--provider may be left out when pallet.yaml declares only one provider.
Run 'pallet-run COMMAND --help' for a command's flags.
Exit status: 0 every node succeeded, 1 errors in the input, 2 wrong usage,
3 some nodes failed or were unreachable, 130 interrupted.
`

type command struct {
	usage   string
	summary string
	run     func(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) int
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	case "version", "--version":
		fmt.Fprintln(stdout, "pallet-run", compiler.Version)
		return exitOK
	}
	name := args[0]
	args = args[1:]
	if name == "nodes" && len(args) > 0 && (args[0] == "create" || args[0] == "destroy" || args[0] == "list") {
		name, args = "nodes "+args[0], args[1:]
	}
	cmds := map[string]command{
		"lift": {"pallet-run lift [-f pallet.yaml] [--provider NAME] GROUP... [--phase P]... [flags]",
			"compile the phases (default configure) of each GROUP for each node's OS and run them on the provider's nodes of those groups; bootstrap runs once per node unless --force-bootstrap", cmdLift},
		"apply": {"pallet-run apply DIR [GROUP...] [-f pallet.yaml] [--provider NAME] [--phase P]... [flags]",
			"run the scripts of a `palletc build -o DIR` verbatim on the provider's nodes (default: every group in DIR, phase configure), refusing any script whose sha256 differs from DIR/manifest.json", cmdApply},
		"converge": {"pallet-run converge [-f pallet.yaml] [--provider NAME] GROUP=COUNT... [--phase P]... [--plan] [--json] [--keep-failed] [flags]",
			"make the provider's node count of each named GROUP equal COUNT (the newest nodes go first, after their destroy-server phase; missing ones are created in parallel), bootstrap nodes not yet bootstrapped as the image's login user, then run the phases (default configure) on every node of those groups as the admin user; groups not named are never touched", cmdConverge},
		"exec": {"pallet-run exec [-f pallet.yaml] [--provider NAME] GROUP... [--limit PATTERN] [--sudo=false] [flags] -- COMMAND [ARG...]  or  ... GROUP... --shell 'COMMAND LINE'",
			"run one command on every node of the groups, logged in and through sudo as lift runs scripts; each argument arrives as it is written (no shell splits or expands it again; --shell is the one form a shell interprets); every output line is printed with its node's name in front, then a recap", cmdExec},
		"nodes":         {"pallet-run nodes [-f pallet.yaml] [--provider NAME] [--group G] [--json]", "list the provider's nodes", cmdNodes},
		"nodes list":    {"pallet-run nodes list [-f pallet.yaml] [--provider NAME] [--group G] [--json]", "list the provider's nodes", cmdNodes},
		"nodes create":  {"pallet-run nodes create [-f pallet.yaml] [--provider NAME] --group G --count N [--image IMAGE]", "make N nodes for group G that accept the admin public key (providers that can: nspawn)", cmdCreate},
		"nodes destroy": {"pallet-run nodes destroy [-f pallet.yaml] [--provider NAME] (--group G | NODE...)", "stop and remove nodes, by group or by name", cmdDestroy},
	}
	c, ok := cmds[name]
	if !ok {
		fmt.Fprintf(stderr, "pallet-run: unknown command %q (commands: apply, converge, exec, lift, nodes, version; see pallet-run --help)\n", name)
		return exitUsage
	}
	fs := flag.NewFlagSet("pallet-run "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: %s\n\n%s.\n\nFlags:\n", c.usage, c.summary)
		fs.PrintDefaults()
		fmt.Fprint(fs.Output(), "\nExit status: 0 ok, 1 errors in the input, 2 wrong usage, 3 some nodes failed or were unreachable, 130 interrupted.\n")
	}
	code := c.run(ctx, fs, args, stdout, stderr)
	if code == exitInput && ctx.Err() != nil {
		// Interrupted before the run started (opening the provider,
		// listing its nodes, planning): that is why it failed.
		return exitInterrupted
	}
	return code
}

package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/palletops/pallet/cmd/internal/cliflag"
	"github.com/palletops/pallet/lift"
	"github.com/palletops/pallet/runner"
)

// cmdExec is `pallet-run exec GROUP... [flags] -- COMMAND [ARG...]`: one
// command on every node of the groups, through lift.Exec (the same
// connections, sudo and report as lift), each output line streamed with
// its node's name in front.
func cmdExec(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) int {
	f := addRunFlagsExcept(fs, "phase", "check", "force-bootstrap")
	sudo := fs.Bool("sudo", true, "run the command as root through sudo, as lift runs scripts; --sudo=false runs it as the login user")
	shell := fs.String("shell", "", "a command line for bash -c on the node instead of COMMAND [ARG...]: the only form whose words the node's shell splits and expands")
	var argv []string
	dashes := slices.Index(args, "--")
	if dashes >= 0 {
		args, argv = args[:dashes], args[dashes+1:]
	}
	groups, code, ok := cliflag.Parse(fs, args, stdout)
	if !ok {
		return code
	}
	switch {
	case len(groups) == 0:
		fmt.Fprintln(stderr, "pallet-run exec: name at least one GROUP, then -- COMMAND [ARG...] (see --help)")
		return exitUsage
	case *shell != "" && dashes >= 0:
		fmt.Fprintln(stderr, "pallet-run exec: give -- COMMAND [ARG...] or --shell 'COMMAND LINE', not both")
		return exitUsage
	case *shell == "" && len(argv) == 0:
		fmt.Fprintln(stderr, "pallet-run exec: no command: write it after --, as in pallet-run exec web -- uptime (or give --shell 'COMMAND LINE')")
		return exitUsage
	}
	if err := f.validate(); err != nil {
		fmt.Fprintf(stderr, "pallet-run exec: %v\n", err)
		return exitInput
	}
	r, code, ok := f.open(ctx, "exec", *f.file, groups, stdout, stderr)
	if !ok {
		return code
	}
	r.opts.Runner.NoSudo = !*sudo
	cmd := lift.Command{Argv: argv, Shell: *shell}
	outs := newExecOutputs()
	// Output lines as they come, and nothing else of the step machinery
	// (one step, named "command"): the recap says how each node ended.
	show := r.opts.OnEvent != nil
	var mu sync.Mutex
	r.opts.OnEvent = func(e runner.Event) {
		if e.Kind != runner.EventOutput {
			return
		}
		outs.add(e.Node, e.Line)
		if show {
			mu.Lock()
			fmt.Fprintf(stdout, "%s: %s\n", clean(e.Node), clean(e.Line))
			mu.Unlock()
		}
	}
	if show {
		r.opts.OnNodeDone = func(nr lift.NodeReport) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintf(stdout, "%s: %s\n", clean(nr.Node.Name), execStatusText(nr))
		}
	}
	// The live, redrawn display is for phases of many steps; exec's
	// output is lines, so it is never used here.
	r.out.stop()
	rep, err := lift.Exec(ctx, r.p, r.prov, r.name, groups, cmd, r.opts)
	if err != nil {
		fmt.Fprintf(stderr, "pallet-run exec: %v\n", err)
		return exitInput
	}
	if r.out.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(execDocument(rep, cmd, *sudo, outs))
	} else {
		recapTitled(stdout, rep, "exec "+cmd.Line())
	}
	switch {
	case rep.Interrupted:
		return exitInterrupted
	case !rep.OK():
		return exitNodesFailed
	}
	return exitOK
}

// execOutputs keeps every node's output lines, for --json.
type execOutputs struct {
	mu    sync.Mutex
	lines map[string][]string
}

func newExecOutputs() *execOutputs { return &execOutputs{lines: map[string][]string{}} }

func (o *execOutputs) add(node, line string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.lines[node] = append(o.lines[node], line)
}

// exitStatus is the command's exit status on a node: 0 when it
// succeeded, the status the script reported when it failed, and nil when
// it did not run or its status is not known.
func exitStatus(nr lift.NodeReport) *int {
	for _, ph := range nr.Phases {
		if ph.Phase != lift.ExecPhase {
			continue
		}
		if ph.OK() {
			zero := 0
			return &zero
		}
		if s := ph.FailedStep(); s != nil {
			if rest, ok := strings.CutPrefix(s.Message, "exit status "); ok {
				if n, err := strconv.Atoi(strings.Fields(rest + " ")[0]); err == nil {
					return &n
				}
			}
		}
	}
	return nil
}

func execStatusText(nr lift.NodeReport) string {
	switch nr.Status {
	case lift.StatusOK:
		return "ok (exit status 0)"
	case lift.StatusFailed:
		if st := exitStatus(nr); st != nil {
			return fmt.Sprintf("FAILED (exit status %d)", *st)
		}
	}
	return nodeStatusText(nr)
}

// execNode is one node's command outcome in exec's --json document.
type execNode struct {
	Name       string   `json:"name"`
	Group      string   `json:"group"`
	Status     string   `json:"status"`
	ExitStatus *int     `json:"exit_status"`
	Output     []string `json:"output"`
}

// execDoc is exec's --json document: lift's (schema pallet-run/v1,
// command "exec", phase "exec") with the command and each node's output
// (stdout and stderr merged, in order) and exit status.
type execDoc struct {
	lift.Document
	Exec struct {
		Argv  []string   `json:"argv,omitempty"`
		Shell string     `json:"shell,omitempty"`
		Sudo  bool       `json:"sudo"`
		Nodes []execNode `json:"nodes"`
	} `json:"exec"`
}

func execDocument(rep *lift.Report, cmd lift.Command, sudo bool, outs *execOutputs) execDoc {
	d := execDoc{Document: rep.Document()}
	d.Exec.Argv, d.Exec.Shell, d.Exec.Sudo = cmd.Argv, cmd.Shell, sudo
	d.Exec.Nodes = []execNode{}
	for _, nr := range rep.Nodes {
		lines := outs.lines[nr.Node.Name]
		if lines == nil {
			lines = []string{}
		}
		d.Exec.Nodes = append(d.Exec.Nodes, execNode{Name: nr.Node.Name, Group: nr.Node.Group, Status: string(nr.Status), ExitStatus: exitStatus(nr), Output: lines})
	}
	return d
}

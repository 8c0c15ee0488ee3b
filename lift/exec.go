package lift

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/palletops/pallet/compiler"
	"github.com/palletops/pallet/project"
	"github.com/palletops/pallet/provider"
)

// ExecPhase is the phase an ad-hoc command runs as (pallet-run exec).
const ExecPhase = "exec"

// Command is an ad-hoc command for Exec: Argv run as it is, every word
// shell-quoted so that nothing in it is split or expanded again, or Shell,
// a command line that bash -c interprets.
type Command struct {
	Argv  []string
	Shell string
}

// Line is the command as bash runs it.
func (c Command) Line() string {
	if c.Shell != "" {
		return "bash -c " + compiler.Quote(c.Shell)
	}
	words := make([]string, len(c.Argv))
	for i, a := range c.Argv {
		words[i] = compiler.Quote(a)
	}
	return strings.Join(words, " ")
}

// Exec runs one command on every node of groups (opts.Limit and
// opts.Schedule apply), the way Lift runs a phase: it is compiled into a
// one-step script (the exec-script crate, the command as Line quotes it)
// that goes through the same runner path, so logging in, sudo, host keys,
// timeouts and interruption behave exactly as for lift. The report's one
// phase is ExecPhase; the command's output is in the events
// (runner.EventOutput) and in the step's tail.
func Exec(ctx context.Context, p *compiler.Project, prov provider.Provider, providerName string, groups []string, cmd Command, opts Options) (*Report, error) {
	if len(groups) == 0 {
		return nil, errors.New("no group given: name at least one group to run the command on")
	}
	if len(cmd.Argv) == 0 && cmd.Shell == "" {
		return nil, errors.New("no command given")
	}
	for _, g := range groups {
		if _, err := p.Group(g); err != nil {
			return nil, err
		}
	}
	src, err := newExecScripts(p, groups, cmd)
	if err != nil {
		return nil, err
	}
	_, nodes, err := groupNodes(ctx, prov, providerName, groups)
	if err != nil {
		return nil, err
	}
	opts.Provider, opts.ProviderName = prov, providerName
	opts.Groups, opts.Phases = groups, []string{ExecPhase}
	return run(ctx, "exec", p.File, nodes, src, opts)
}

// execScripts is the one-step project an ad-hoc command compiles from,
// answering for the real project's groups.
type execScripts struct {
	real   *compiler.Project
	groups []string
	c      *compiler.Project
}

func newExecScripts(p *compiler.Project, groups []string, cmd Command) (*execScripts, error) {
	doc := map[string]any{"groups": map[string]any{"exec": map[string]any{"phases": map[string]any{
		ExecPhase: []any{map[string]any{"exec-script": map[string]any{"name": "command", "script": cmd.Line()}}},
	}}}}
	data, err := yaml.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("exec: %w", err)
	}
	c, err := compiler.Parse("(exec)", data, &project.Env{User: p.AdminUser()})
	if err != nil {
		return nil, fmt.Errorf("exec: %w", err)
	}
	return &execScripts{real: p, groups: groups, c: c}, nil
}

// has answers ExecPhase for the groups the command is for, and bootstrap
// as the real project does, so that nodes are logged into as lift would
// (the admin user on bootstrapped nodes of groups that bootstrap).
func (e *execScripts) has(group, phase string) bool {
	switch phase {
	case ExecPhase:
		for _, g := range e.groups {
			if g == group {
				return true
			}
		}
		return false
	case BootstrapPhase:
		g, err := e.real.Group(group)
		return err == nil && g.Phase(BootstrapPhase) != nil
	}
	return false
}

func (e *execScripts) script(node provider.Node, phase, osID string) (*compiler.Script, error) {
	return e.c.Compile(compiler.Target{Group: "exec", Phase: ExecPhase, OS: osID, Node: node.Name})
}

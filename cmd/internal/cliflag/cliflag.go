// Package cliflag holds what palletc and pallet-run parse and report the
// same way: flags mixed with arguments, and a project's load errors.
package cliflag

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/palletops/pallet/compiler"
	"github.com/palletops/pallet/project"
)

// Exit statuses shared by both commands.
const (
	ExitOK    = 0
	ExitInput = 1
	ExitUsage = 2
)

// Parse parses flags that may come before, between or after positional
// arguments (`lift web --phase backup`), and returns the arguments. With
// ok false the command returns code: ExitOK after --help (printed on
// stdout), ExitUsage after a bad flag (the flag package said why).
func Parse(fs *flag.FlagSet, args []string, stdout io.Writer) (pos []string, code int, ok bool) {
	// The flag package prints the usage itself, to the set's output
	// (stderr), before it returns ErrHelp; help is printed here instead,
	// once, on stdout.
	usage := fs.Usage
	if usage == nil {
		usage = func() {
			fmt.Fprintf(fs.Output(), "Usage of %s:\n", fs.Name())
			fs.PrintDefaults()
		}
	}
	fs.Usage = func() {}
	defer func() { fs.Usage = usage }()
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(stdout)
				usage()
				return nil, ExitOK, false
			}
			usage() // after the flag package's line saying what was wrong
			return nil, ExitUsage, false
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, 0, true
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// Load loads a project, printing its errors one per line (and how many,
// when there are several) to stderr.
func Load(file string, stderr io.Writer) (*compiler.Project, bool) {
	p, err := compiler.Load(file)
	if err != nil {
		Report(stderr, err)
		return nil, false
	}
	return p, true
}

// Report prints an error, one line per input error, and a count when
// there are several.
func Report(stderr io.Writer, err error) {
	fmt.Fprintln(stderr, err)
	var list project.ErrorList
	if errors.As(err, &list) && len(list) > 1 {
		fmt.Fprintf(stderr, "%d errors\n", len(list))
	}
}

// VarFlags are the repeatable --var key=value flags.
type VarFlags []string

func (v *VarFlags) String() string     { return strings.Join(*v, " ") }
func (v *VarFlags) Set(s string) error { *v = append(*v, s); return nil }

// AddVars defines --var on fs.
func AddVars(fs *flag.FlagSet) *VarFlags {
	v := &VarFlags{}
	fs.Var(v, "var", "set a var, above every other level: key=value, the value read as YAML (8080 an int, '[a, b]' a list); top-level keys only; repeat for more")
	return v
}

// LoadWithVars is Load, then the --var flags set on the project. A --var
// that is not key=value is a one-line input error.
func LoadWithVars(file string, vars VarFlags, stderr io.Writer) (*compiler.Project, bool) {
	overrides, err := project.ParseVarFlags(vars)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, false
	}
	p, ok := Load(file, stderr)
	if !ok {
		return nil, false
	}
	p.SetVars(overrides)
	return p, true
}

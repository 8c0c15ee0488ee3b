package lift

import (
	"time"

	"github.com/palletops/pallet/runner"
)

// SchemaVersion names the JSON document's schema. It changes only when a
// field is removed or changes meaning; new fields may be added within it.
const SchemaVersion = "pallet-run/v1"

// Document is the stable JSON form of a Report, what `pallet-run --json`
// prints. Durations are milliseconds; absent things are empty, not null,
// except the optional fields marked omitempty.
type Document struct {
	Schema      string         `json:"schema"`
	Command     string         `json:"command"`
	Project     string         `json:"project"`
	Provider    string         `json:"provider"`
	Groups      []string       `json:"groups"`
	Phases      []string       `json:"phases"`
	Check       bool           `json:"check"`
	Started     time.Time      `json:"started"`
	DurationMS  int64          `json:"duration_ms"`
	LogDir      string         `json:"log_dir,omitempty"`
	Interrupted bool           `json:"interrupted"`
	OK          bool           `json:"ok"`
	Totals      Totals         `json:"totals"`
	Nodes       []NodeDocument `json:"nodes"`
	// Warnings are one line each, as stderr had them (without
	// "warning: "): nodes that run another OS than their group's image
	// asks for.
	Warnings []string `json:"warnings"`
}

// NodeDocument is one node in a Document.
type NodeDocument struct {
	Name         string          `json:"name"`
	Group        string          `json:"group"`
	Host         string          `json:"host"`
	Port         int             `json:"port"`
	User         string          `json:"user"`
	OS           string          `json:"os"`
	Status       Status          `json:"status"`
	Error        string          `json:"error,omitempty"`
	Counts       runner.Counts   `json:"counts"`
	DurationMS   int64           `json:"duration_ms"`
	Bootstrapped bool            `json:"bootstrapped"`
	Skipped      []SkippedPhase  `json:"skipped"`
	Phases       []PhaseDocument `json:"phases"`
	FailedStep   *StepDocument   `json:"failed_step,omitempty"`
	Log          string          `json:"log,omitempty"`
}

// PhaseDocument is one phase that ran on a node.
type PhaseDocument struct {
	Phase      string         `json:"phase"`
	OK         bool           `json:"ok"`
	ExitCode   int            `json:"exit_code"`
	DurationMS int64          `json:"duration_ms"`
	Counts     runner.Counts  `json:"counts"`
	Steps      []StepDocument `json:"steps"`
	ScriptPath string         `json:"script_path,omitempty"`
	Output     []string       `json:"output,omitempty"`
}

// StepDocument is one step of a phase.
type StepDocument struct {
	Phase string `json:"phase,omitempty"` // set in failed_step only
	N     int    `json:"n"`
	Total int    `json:"total"`
	Crate string `json:"crate"`
	Name  string `json:"name"`
	// Status is ok, changed, would-change, ran, failed, or "" when the
	// script died during the step.
	Status     string   `json:"status"`
	DurationMS int64    `json:"duration_ms"`
	Message    string   `json:"message,omitempty"`
	Tail       []string `json:"tail,omitempty"`
	// Diff is what the step changed or would change in a file, with
	// --diff (added within pallet-run/v1).
	Diff string `json:"diff,omitempty"`
}

// Document returns the report's JSON form.
func (r *Report) Document() Document {
	d := Document{
		Schema: SchemaVersion, Command: r.Command, Project: r.Project, Provider: r.Provider,
		Groups: nonNil(r.Groups), Phases: nonNil(r.Phases), Check: r.Check,
		Started: r.Started.UTC(), DurationMS: r.Duration.Milliseconds(), LogDir: r.LogDir,
		Interrupted: r.Interrupted, OK: r.OK(), Totals: r.Totals(), Nodes: []NodeDocument{},
		Warnings: []string{},
	}
	for _, w := range r.Warnings {
		d.Warnings = append(d.Warnings, w.String())
	}
	for _, n := range r.Nodes {
		nd := NodeDocument{
			Name: n.Node.Name, Group: n.Node.Group, Host: n.Node.Host, Port: n.Node.Port, User: n.Node.User,
			OS: n.OS, Status: n.Status, Counts: n.Counts, DurationMS: n.Duration.Milliseconds(),
			Bootstrapped: n.Bootstrapped, Skipped: n.Skipped, Phases: []PhaseDocument{}, Log: n.Log,
		}
		if nd.Skipped == nil {
			nd.Skipped = []SkippedPhase{}
		}
		if n.Err != nil {
			nd.Error = n.Err.Error()
		}
		for _, ph := range n.Phases {
			pd := PhaseDocument{
				Phase: ph.Phase, OK: ph.OK(), ExitCode: ph.ExitCode, DurationMS: ph.Duration.Milliseconds(),
				Counts: ph.Counts, Steps: []StepDocument{}, ScriptPath: ph.ScriptPath, Output: ph.Output,
			}
			for _, s := range ph.Steps {
				pd.Steps = append(pd.Steps, stepDocument(s))
			}
			if fs := ph.FailedStep(); fs != nil && nd.FailedStep == nil {
				sd := stepDocument(*fs)
				sd.Phase = ph.Phase
				nd.FailedStep = &sd
			}
			nd.Phases = append(nd.Phases, pd)
		}
		d.Nodes = append(d.Nodes, nd)
	}
	return d
}

func stepDocument(s runner.StepResult) StepDocument {
	return StepDocument{
		N: s.N, Total: s.Total, Crate: s.Crate, Name: s.Name, Status: string(s.Status),
		DurationMS: s.Duration.Milliseconds(), Message: s.Message, Tail: s.Tail, Diff: s.Diff,
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

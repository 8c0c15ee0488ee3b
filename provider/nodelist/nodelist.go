// Package nodelist is the provider for machines that already exist: the
// nodes are declared in pallet.yaml and pallet only logs in to them.
//
//	providers:
//	  lab:
//	    kind: node-list
//	    nodes:
//	      - {name: web-1, host: 10.0.0.5, user: root, group: web}
//	      - {name: web-2, host: 10.0.0.6, port: 2222, user: deploy, group: web, os: debian-12}
//	      - name: db-1
//	        host: db.example.com
//	        address: 10.0.1.7         # .node.address (default: host)
//	        tags: {rack: r1}          # .node.tags
//	        vars: {pg_role: primary}  # above the group's vars, below --var
//	        user: root
//	        group: db
//
// os is a pallet OS id or auto (the default): the runner then reads
// /etc/os-release over the same connection and compiles for what it finds.
//
// The node list itself never changes, so the provider is no
// provider.Creator. What does change is which nodes have run their
// bootstrap phase; that is kept in a small JSON state file (by default
// .pallet/state/<provider>.json next to pallet.yaml), written atomically
// so a crash never leaves it half-written.
package nodelist

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/palletops/pallet/internal/atomicfile"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/palletops/pallet/internal/suggest"
	"github.com/palletops/pallet/osfamily"
	"github.com/palletops/pallet/project"
	"github.com/palletops/pallet/provider"
)

// Kind is the provider kind in pallet.yaml.
const Kind = "node-list"

// Config is a node-list provider's block in pallet.yaml.
type Config struct {
	Kind  string       `yaml:"kind"`
	Nodes []NodeConfig `yaml:"nodes"`
}

// NodeConfig is one declared node.
type NodeConfig struct {
	Name  string `yaml:"name"`
	Host  string `yaml:"host"`
	Port  int    `yaml:"port"`
	User  string `yaml:"user"`
	Group string `yaml:"group"`
	OS    string `yaml:"os"`
	// Address is the node's private address, when it is not Host
	// (templates read it as .node.address); Tags are free labels
	// (.node.tags).
	Address string            `yaml:"address"`
	Tags    map[string]string `yaml:"tags"`
	// VarsNode is vars: as written; Vars the node's vars, which rank
	// above its group's.
	VarsNode yaml.Node      `yaml:"vars"`
	Vars     map[string]any `yaml:"-"`
}

// AutoOS is the OS value that asks the runner to probe the node.
const AutoOS = "auto"

var nodeNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// FromProject is FromYAML for the provider spec of project p, which also
// checks each node's group against the project's groups: a node in a group
// that does not exist (a typo) would otherwise be silently left out of
// every lift.
func FromProject(p *project.Project, spec *project.ProviderSpec) (*Config, error) {
	groups := make([]string, 0, len(p.Groups))
	for _, g := range p.Groups {
		groups = append(groups, g.Name)
	}
	return fromYAML(p.File, spec.Node, groups)
}

// FromYAML decodes and validates a node-list block strictly: unknown keys,
// missing names or hosts, duplicate names and unknown OS ids are errors
// reported at their line in file (a project.ErrorList). It does not know
// the project's groups; FromProject checks those too.
func FromYAML(file string, node *yaml.Node) (*Config, error) {
	return fromYAML(file, node, nil)
}

// fromYAML is FromYAML; groups, when not nil, are the groups nodes may be in.
func fromYAML(file string, node *yaml.Node, groups []string) (*Config, error) {
	// Decoded in two steps because DecodeStrict checks the keys of one
	// mapping: each node entry is checked on its own, at its own line.
	var raw struct {
		Kind  string    `yaml:"kind"`
		Nodes yaml.Node `yaml:"nodes"`
	}
	var errs project.ErrorList
	if !project.DecodeStrict(file, node, &raw, &errs) {
		return nil, errs
	}
	if raw.Kind != Kind {
		return nil, fmt.Errorf("%s:%d: provider kind is %q, not %q", file, node.Line, raw.Kind, Kind)
	}
	cfg := &Config{Kind: raw.Kind}
	var problems []string
	items := raw.Nodes.Content
	switch {
	case raw.Nodes.Kind == 0 || raw.Nodes.Tag == "!!null" || raw.Nodes.Kind == yaml.SequenceNode && len(items) == 0:
		return nil, fmt.Errorf("%s:%d: node-list provider has no nodes: add nodes: [{name, host, user, group}]", file, node.Line)
	case raw.Nodes.Kind != yaml.SequenceNode:
		return nil, fmt.Errorf("%s:%d:%d: nodes must be a list of {name, host, port, user, group, os}", file, raw.Nodes.Line, raw.Nodes.Column)
	}
	seen := map[string]bool{}
	for _, item := range items {
		at := fmt.Sprintf("%s:%d:%d", file, item.Line, item.Column)
		var n NodeConfig
		var itemErrs project.ErrorList
		if !project.DecodeStrict(file, item, &n, &itemErrs) {
			for _, e := range itemErrs {
				problems = append(problems, e.Error())
			}
			continue
		}
		switch {
		case n.Name == "":
			problems = append(problems, at+": node needs a name (it labels results and log files)")
		case !nodeNameRE.MatchString(n.Name):
			problems = append(problems, fmt.Sprintf("%s: node name %q: use letters, digits, '.', '-' and '_'", at, n.Name))
		case seen[n.Name]:
			problems = append(problems, fmt.Sprintf("%s: node name %q is used twice: names must be unique", at, n.Name))
		}
		seen[n.Name] = true
		if n.Host == "" {
			problems = append(problems, fmt.Sprintf("%s: node %s needs a host (an address or a Host alias from ~/.ssh/config)", at, n.Name))
		}
		if n.Group == "" {
			problems = append(problems, fmt.Sprintf("%s: node %s needs a group (one of the groups in pallet.yaml)", at, n.Name))
		} else if groups != nil && !slices.Contains(groups, n.Group) {
			problems = append(problems, fmt.Sprintf("%s: node %s: no group %q in pallet.yaml%s (groups: %s)",
				at, n.Name, n.Group, suggest.DidYouMean(n.Group, groups), groupList(groups)))
		}
		if n.Port < 0 || n.Port > 65535 {
			problems = append(problems, fmt.Sprintf("%s: node %s: port %d out of range 1..65535", at, n.Name, n.Port))
		}
		var varErrs project.ErrorList
		if n.Vars = project.DecodeVars(file, &n.VarsNode, &varErrs); len(varErrs) > 0 {
			for _, e := range varErrs {
				problems = append(problems, e.Error())
			}
		}
		if n.OS == "" {
			n.OS = AutoOS
		}
		if n.OS != AutoOS {
			if _, err := osfamily.ParseKnown(n.OS); err != nil {
				problems = append(problems, fmt.Sprintf("%s: node %s: os: %v (or use auto to detect it)", at, n.Name, err))
			}
		}
		cfg.Nodes = append(cfg.Nodes, n)
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	return cfg, nil
}

func groupList(groups []string) string {
	if len(groups) == 0 {
		return "none"
	}
	s := slices.Clone(groups)
	sort.Strings(s)
	return strings.Join(s, ", ")
}

// Options configure a Provider.
type Options struct {
	// StateFile records which nodes are bootstrapped. Required.
	StateFile string
}

// Provider serves a fixed list of nodes. It is safe for concurrent use
// within one process; state writes are atomic renames, so another process
// sees either the old or the new file.
type Provider struct {
	nodes     []NodeConfig
	stateFile string
	mu        sync.Mutex // serialises read-modify-write of the state file
}

var _ provider.Provider = (*Provider)(nil)

// New returns a provider for the nodes in cfg.
func New(cfg *Config, opts Options) (*Provider, error) {
	if opts.StateFile == "" {
		return nil, errors.New("node-list: no state file given")
	}
	return &Provider{nodes: cfg.Nodes, stateFile: opts.StateFile}, nil
}

// StateFile is where bootstrap state is kept.
func (p *Provider) StateFile() string { return p.stateFile }

// state is the state file's content.
type state struct {
	// Bootstrapped maps node name to when its bootstrap succeeded, and to
	// which host it was then: a node re-pointed at another machine is not
	// bootstrapped any more.
	Bootstrapped map[string]bootstrapRecord `json:"bootstrapped"`
}

type bootstrapRecord struct {
	Host string    `json:"host"`
	Port int       `json:"port"`
	At   time.Time `json:"at"`
}

func (p *Provider) readState() (state, error) {
	st := state{Bootstrapped: map[string]bootstrapRecord{}}
	b, err := os.ReadFile(p.stateFile)
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("node-list: read state: %w", err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("node-list: %s is corrupt (delete it to forget which nodes are bootstrapped): %w", p.stateFile, err)
	}
	if st.Bootstrapped == nil {
		st.Bootstrapped = map[string]bootstrapRecord{}
	}
	return st, nil
}

// statePort is the port that identifies a node in the state file: 22 when
// the list gives none, as it always has been, so that leaving the port out
// or writing 22 keeps a node bootstrapped. It is never what is dialled: a
// node without a port is given to the runner with port 0, which takes the
// Port of its ~/.ssh/config Host entry, else 22.
func statePort(n NodeConfig) int {
	if n.Port == 0 {
		return 22
	}
	return n.Port
}

// Nodes lists the declared nodes in file order.
func (p *Provider) Nodes(ctx context.Context) ([]provider.Node, error) {
	p.mu.Lock()
	st, err := p.readState()
	p.mu.Unlock()
	if err != nil {
		return nil, err
	}
	out := make([]provider.Node, 0, len(p.nodes))
	for _, n := range p.nodes {
		rec, ok := st.Bootstrapped[n.Name]
		out = append(out, provider.Node{
			ID:           n.Name,
			Name:         n.Name,
			Group:        n.Group,
			Host:         n.Host,
			Port:         n.Port, // 0: the SSH config's, else 22
			User:         n.User,
			OS:           n.OS,
			Address:      n.Address,
			Tags:         n.Tags,
			Vars:         n.Vars,
			Bootstrapped: ok && rec.Host == n.Host && rec.Port == statePort(n),
		})
	}
	return out, nil
}

// MarkBootstrapped records n as bootstrapped in the state file.
func (p *Provider) MarkBootstrapped(ctx context.Context, n provider.Node) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	st, err := p.readState()
	if err != nil {
		return err
	}
	found := false
	port := 0
	for _, c := range p.nodes {
		if c.Name == n.ID {
			found, port = true, statePort(c)
		}
	}
	if !found {
		return fmt.Errorf("node-list: node %q is not in the list", n.ID)
	}
	if n.Port != 0 {
		port = n.Port
	}
	st.Bootstrapped[n.ID] = bootstrapRecord{Host: n.Host, Port: port, At: time.Now().UTC().Truncate(time.Second)}
	// Forget nodes no longer declared, so the file does not grow forever.
	names := make([]string, 0, len(st.Bootstrapped))
	for name := range st.Bootstrapped {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		declared := false
		for _, c := range p.nodes {
			declared = declared || c.Name == name
		}
		if !declared {
			delete(st.Bootstrapped, name)
		}
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteDirs(p.stateFile, append(b, '\n'), 0o644, 0o755); err != nil {
		return fmt.Errorf("node-list: save state: %w (is %s writable?)", err, filepath.Dir(p.stateFile))
	}
	return nil
}

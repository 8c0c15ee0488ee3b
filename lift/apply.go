package lift

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/palletops/pallet/compiler"
	"github.com/palletops/pallet/internal/regularfile"
	"github.com/palletops/pallet/internal/suggest"
	"github.com/palletops/pallet/provider"
)

// Build is a `palletc build` output directory whose scripts all match
// their manifest.
type Build struct {
	Dir     string
	Palletc string
	Project string
	scripts map[[2]string]builtScript // by group, phase
	groups  []string                  // in manifest order
}

type builtScript struct {
	os       string
	text     []byte
	payloads []*compiler.Payload // with their data, checked
}

// TamperedError lists the scripts of a build that do not match their
// manifest: edited, truncated or replaced after palletc wrote them.
type TamperedError struct {
	Dir      string
	Problems []string // "web/configure.sh: sha256 is ..., manifest says ..."
}

func (e *TamperedError) Error() string {
	return fmt.Sprintf("%s: refusing to run: %s; rebuild with palletc build", e.Dir, strings.Join(e.Problems, "; "))
}

// LoadBuild reads dir/manifest.json and every script it lists, and checks
// each script's sha256 against the manifest. Any mismatch or missing script
// is a *TamperedError naming them all: apply runs a build verbatim or not
// at all.
func LoadBuild(dir string) (*Build, error) {
	m, err := compiler.ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	if len(m.Scripts) == 0 {
		return nil, fmt.Errorf("%s: manifest.json lists no scripts", dir)
	}
	b := &Build{Dir: dir, Palletc: m.Palletc, Project: m.Project, scripts: map[[2]string]builtScript{}}
	tampered := &TamperedError{Dir: dir}
	for _, s := range m.Scripts {
		if s.Group == "" || s.Phase == "" || strings.ContainsAny(s.Group+s.Phase, `/\`) || strings.HasPrefix(s.Group, ".") || strings.HasPrefix(s.Phase, ".") {
			return nil, fmt.Errorf("%s: manifest.json has a script with group %q phase %q, which palletc does not write", dir, s.Group, s.Phase)
		}
		rel := s.Group + "/" + s.Phase + ".sh"
		text, err := os.ReadFile(filepath.Join(dir, compiler.ScriptPath(s.Group, s.Phase)))
		if err != nil {
			tampered.Problems = append(tampered.Problems, fmt.Sprintf("%s: %v", rel, unwrapPath(err)))
			continue
		}
		sum := sha256.Sum256(text)
		if got := hex.EncodeToString(sum[:]); got != s.SHA256 {
			tampered.Problems = append(tampered.Problems, fmt.Sprintf("%s: sha256 is %s, manifest says %s", rel, got, s.SHA256))
			continue
		}
		payloads, problems := loadPayloads(dir, s)
		if len(problems) > 0 {
			tampered.Problems = append(tampered.Problems, problems...)
			continue
		}
		b.scripts[[2]string{s.Group, s.Phase}] = builtScript{os: s.OS, text: text, payloads: payloads}
		if !slices.Contains(b.groups, s.Group) {
			b.groups = append(b.groups, s.Group)
		}
	}
	if len(tampered.Problems) > 0 {
		return nil, tampered
	}
	return b, nil
}

// loadPayloads reads the payloads a built script lists, beside it, and
// checks each against the manifest's sha256 and size. The script checks
// them again on the node; checking here refuses a tampered build before
// anything is uploaded.
func loadPayloads(dir string, s *compiler.Script) ([]*compiler.Payload, []string) {
	var out []*compiler.Payload
	var problems []string
	for _, p := range s.Payloads {
		if p == nil || !compiler.IsSHA256(p.SHA256) {
			problems = append(problems, fmt.Sprintf("%s/%s.sh: manifest.json lists a payload whose sha256 is not 64 lower-case hex digits", s.Group, s.Phase))
			continue
		}
		rel := s.Group + "/" + p.FileName()
		data, err := regularfile.Read(filepath.Join(dir, s.Group, p.FileName()), compiler.MaxSourceBytes)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", rel, unwrapPath(err)))
			continue
		}
		if got := compiler.PayloadPin(p.Salt, data); got != p.SHA256 || int64(len(data)) != p.Size {
			problems = append(problems, fmt.Sprintf("%s: sha256 is %s (%d bytes), manifest says %s (%d bytes)", rel, got, len(data), p.SHA256, p.Size))
			continue
		}
		out = append(out, &compiler.Payload{SHA256: p.SHA256, Salt: p.Salt, Size: p.Size, Secret: p.Secret, Data: data})
	}
	return out, problems
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Groups lists the build's groups in manifest order.
func (b *Build) Groups() []string { return append([]string(nil), b.groups...) }

func (b *Build) has(group, phase string) bool {
	_, ok := b.scripts[[2]string{group, phase}]
	return ok
}

func (b *Build) phasesOf(group string) []string {
	var out []string
	for k := range b.scripts {
		if k[0] == group {
			out = append(out, k[1])
		}
	}
	slices.Sort(out)
	return out
}

// script returns the built script as it is: it cannot be recompiled, so a
// node running another OS than it was built for is refused.
func (b *Build) script(node provider.Node, phase, osID string) (*compiler.Script, error) {
	s := b.scripts[[2]string{node.Group, phase}]
	if osID != "" && osID != s.os {
		return nil, fmt.Errorf("%s/%s.sh was built for %s but the node runs %s: build for it (palletc build --os %s) or use pallet-run lift",
			node.Group, phase, s.os, osID, osID)
	}
	return &compiler.Script{Group: node.Group, Phase: phase, OS: s.os, Text: compiler.Text{s.text}, Payloads: s.payloads}, nil
}

// Apply runs a build's scripts verbatim on the provider's nodes, like Lift
// (same options, bootstrap and report), with opts.Groups defaulting to every
// group in the build.
func Apply(ctx context.Context, b *Build, projectFile string, prov provider.Provider, providerName string, opts Options) (*Report, error) {
	if len(opts.Groups) == 0 {
		opts.Groups = b.Groups()
	}
	if len(opts.Phases) == 0 {
		opts.Phases = []string{DefaultPhase}
	}
	for _, g := range opts.Groups {
		if !slices.Contains(b.groups, g) {
			return nil, fmt.Errorf("%s: no scripts for group %q%s (groups: %s)", b.Dir, g, suggest.DidYouMean(g, b.groups), strings.Join(b.groups, ", "))
		}
	}
	if err := checkPhases(opts, b, b.phasesOf); err != nil {
		return nil, fmt.Errorf("%s: %w", b.Dir, err)
	}
	_, nodes, err := groupNodes(ctx, prov, providerName, opts.Groups)
	if err != nil {
		return nil, err
	}
	opts.Provider, opts.ProviderName = prov, providerName
	return run(ctx, "apply", projectFile, nodes, b, opts)
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"golang.org/x/mod/semver"
	"golang.org/x/mod/sumdb/dirhash"
	"gopkg.in/yaml.v3"

	"github.com/palletops/pallet/cmd/internal/cliflag"
	"github.com/palletops/pallet/internal/atomicfile"
	"github.com/palletops/pallet/internal/regularfile"
	"github.com/palletops/pallet/packs"
	"github.com/palletops/pallet/project"
)

const packsUsage = `palletc packs manages a project's crate packs (crate_packs: in pallet.yaml, hashes in pallet.sum).

Usage:
  palletc packs get PATH@VERSION [-f pallet.yaml]   fetch a pack, add it to crate_packs: and pallet.sum (PATH or PATH@latest: the newest release)
  palletc packs update [PATH] [-f pallet.yaml]      move every pack (or PATH) to its newest release
  palletc packs verify [-f pallet.yaml]             check every pack in the cache against pallet.sum, fetching missing ones
  palletc packs list [-f pallet.yaml]               list the packs, their versions, hashes and crates

Packs are fetched through GOPROXY (https:// and file:// entries) and checked
against GOSUMDB, as the go command does (GONOSUMDB, GONOPROXY, GOPRIVATE);
they are cached under $XDG_CACHE_HOME/pallet/mod. See docs/crates.md.
`

// offlineCommands take --offline: they never fetch a pack then.
var offlineCommands = map[string]bool{"render": true, "build": true, "check": true, "crates": true, "crate": true}

// takeOffline removes --offline from a command's arguments (before any
// "--") and says whether it was there. The flag is taken here, ahead of
// each command's own flags, because it reaches the pack cache through
// the environment (packs.OfflineEnv), not through the command.
func takeOffline(args []string) ([]string, bool) {
	out := make([]string, 0, len(args))
	offline := false
	for i, a := range args {
		if a == "--" {
			out = append(out, args[i:]...)
			break
		}
		if a == "--offline" || a == "-offline" {
			offline = true
			continue
		}
		out = append(out, a)
	}
	return out, offline
}

func cmdPacks(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, packsUsage)
		return exitUsage
	}
	sub := map[string]func(*flag.FlagSet, []string, io.Writer, io.Writer) int{
		"get": cmdPacksGet, "update": cmdPacksUpdate, "verify": cmdPacksVerify, "list": cmdPacksList,
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, packsUsage)
		return exitOK
	}
	run, ok := sub[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "palletc packs: unknown command %q (get, update, verify, list; see palletc packs --help)\n", args[0])
		return exitUsage
	}
	fs := flag.NewFlagSet("palletc packs "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	return run(fs, args[1:], stdout, stderr)
}

// packsProject is pallet.yaml as far as packs go: its crate_packs and
// pallet.sum, and a client for the cache.
type packsProject struct {
	file   string
	p      *project.Project
	sums   packs.Sums
	client *packs.Client
}

func openPacksProject(file string, stderr io.Writer) (*packsProject, bool) {
	// The project's own errors (a crate call of a pack not yet added)
	// must not stop packs get: only crate_packs must read.
	p, err := project.Load(file)
	if p == nil {
		cliflag.Report(stderr, err)
		return nil, false
	}
	var list project.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			if strings.Contains(e.Msg, "crate_packs") {
				cliflag.Report(stderr, err)
				return nil, false
			}
		}
	}
	sums, err := packs.ReadSums(p.SumFile())
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, false
	}
	cfg, err := p.PackConfig()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, false
	}
	cfg.Log = func(msg string) { fmt.Fprintln(stderr, "palletc:", msg) }
	return &packsProject{file: file, p: p, sums: sums, client: packs.NewClient(cfg)}, true
}

func cmdPacksGet(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) int {
	file := fileFlag(fs)
	pos, code, ok := cliflag.Parse(fs, args, stdout)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		fmt.Fprintln(stderr, "palletc packs get: want one PATH@VERSION (example.com/acme/pallet-web@v1.4.2)")
		return exitUsage
	}
	ref, err := packs.ParseRef(pos[0], true)
	if err != nil {
		fmt.Fprintf(stderr, "palletc packs get: %v\n", err)
		return exitUsage
	}
	pp, ok := openPacksProject(*file, stderr)
	if !ok {
		return exitInput
	}
	if err := pp.add(ref, stdout); err != nil {
		fmt.Fprintf(stderr, "palletc packs get: %v\n", err)
		return exitInput
	}
	return exitOK
}

// add fetches ref (resolving latest), checks it is a pack, and records
// it in pallet.yaml and pallet.sum, in place of another version of it.
func (pp *packsProject) add(ref packs.Ref, stdout io.Writer) error {
	ctx := context.Background()
	if ref.Version == "latest" {
		v, err := pp.client.Latest(ctx, ref.Path)
		if err != nil {
			return err
		}
		ref.Version = v
	}
	pk, err := pp.client.Get(ctx, ref, pp.sums[ref])
	if err != nil {
		return err
	}
	dir, err := pk.CratesDir()
	if err != nil {
		return err
	}
	var old *project.CratePack
	for i := range pp.p.CratePacks {
		if pp.p.CratePacks[i].Path == ref.Path {
			old = &pp.p.CratePacks[i]
		}
	}
	if old != nil && old.Version == ref.Version && pp.sums[ref] == pk.Sum {
		fmt.Fprintf(stdout, "%s: already at %s\n", ref.Path, ref.Version)
		return nil
	}
	if err := editCratePacks(pp.file, ref); err != nil {
		return err
	}
	if old != nil && old.Version != ref.Version {
		delete(pp.sums, old.Ref)
	}
	pp.sums[ref] = pk.Sum
	if err := pp.sums.Write(pp.p.SumFile()); err != nil {
		return err
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	was := ""
	if old != nil && old.Version != ref.Version {
		was = " (was " + old.Version + ")"
	}
	fmt.Fprintf(stdout, "%s %s%s: crates %s\n", ref, pk.Sum, was, strings.Join(names, ", "))
	return nil
}

// editCratePacks writes ref into pallet.yaml's crate_packs:, replacing
// another version of the same pack or adding it, and leaves every other
// byte of the file (comments, layout) as it was.
func editCratePacks(file string, ref packs.Ref) error {
	data, err := regularfile.Read(file, 16<<20)
	if err != nil {
		return err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return fmt.Errorf("%s: not a YAML mapping: fix it before adding a pack", file)
	}
	lines := strings.SplitAfter(string(data), "\n")
	root := doc.Content[0]
	var seq *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "crate_packs" {
			seq = root.Content[i+1]
		}
	}
	entry := ref.String()
	switch {
	case seq == nil || seq.Kind == yaml.ScalarNode && seq.Tag == "!!null":
		text := string(data)
		if seq != nil { // crate_packs: with nothing: give it the list
			l := lines[seq.Line-1]
			lines[seq.Line-1] = strings.TrimRight(l[:strings.Index(l, "crate_packs:")+len("crate_packs:")], " ") + " [" + entry + "]\n"
			text = strings.Join(lines, "")
		} else {
			if text != "" && !strings.HasSuffix(text, "\n") {
				text += "\n"
			}
			text += "crate_packs:\n  - " + entry + "\n"
		}
		return writeKeepingMode(file, []byte(text))
	case seq.Kind != yaml.SequenceNode:
		return fmt.Errorf("%s:%d:%d: crate_packs must be a list", file, seq.Line, seq.Column)
	}
	for _, item := range seq.Content {
		r, err := packs.ParseRef(item.Value, true)
		if err != nil || r.Path != ref.Path {
			continue
		}
		l := lines[item.Line-1]
		at := item.Column - 1
		i := strings.Index(l[at:], item.Value)
		if i < 0 {
			return fmt.Errorf("%s:%d:%d: cannot find %s to replace it: edit crate_packs by hand", file, item.Line, item.Column, item.Value)
		}
		lines[item.Line-1] = l[:at+i] + entry + l[at+i+len(item.Value):]
		return writeKeepingMode(file, []byte(strings.Join(lines, "")))
	}
	if seq.Style&yaml.FlowStyle != 0 {
		l := lines[seq.Line-1]
		if len(seq.Content) == 0 {
			i := strings.Index(l[seq.Column-1:], "[")
			lines[seq.Line-1] = l[:seq.Column+i] + entry + l[seq.Column+i:]
		} else {
			last := seq.Content[len(seq.Content)-1]
			ll := lines[last.Line-1]
			i := strings.Index(ll[last.Column-1:], last.Value)
			if i < 0 {
				return fmt.Errorf("%s:%d:%d: cannot place the new pack: edit crate_packs by hand", file, last.Line, last.Column)
			}
			end := last.Column - 1 + i + len(last.Value)
			if q := ll[end:]; strings.HasPrefix(q, `"`) || strings.HasPrefix(q, `'`) {
				end++
			}
			lines[last.Line-1] = ll[:end] + ", " + entry + ll[end:]
		}
		return writeKeepingMode(file, []byte(strings.Join(lines, "")))
	}
	last := seq.Content[len(seq.Content)-1]
	ll := lines[last.Line-1]
	indent := ll[:last.Column-1] // "  - "
	insert := indent + entry + "\n"
	lines = append(lines[:last.Line], append([]string{insert}, lines[last.Line:]...)...)
	return writeKeepingMode(file, []byte(strings.Join(lines, "")))
}

func writeKeepingMode(file string, data []byte) error {
	mode := os.FileMode(0o644)
	if st, err := os.Stat(file); err == nil {
		mode = st.Mode().Perm()
	}
	return atomicfile.Write(file, data, mode)
}

func cmdPacksUpdate(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) int {
	file := fileFlag(fs)
	pos, code, ok := cliflag.Parse(fs, args, stdout)
	if !ok {
		return code
	}
	if len(pos) > 1 {
		fmt.Fprintln(stderr, "palletc packs update: want at most one PATH (or PATH@latest)")
		return exitUsage
	}
	pp, ok := openPacksProject(*file, stderr)
	if !ok {
		return exitInput
	}
	only := ""
	if len(pos) == 1 {
		only = strings.TrimSuffix(pos[0], "@latest")
		found := false
		for _, cp := range pp.p.CratePacks {
			found = found || cp.Path == only
		}
		if !found {
			fmt.Fprintf(stderr, "palletc packs update: %s is not in crate_packs: of %s (palletc packs get %s adds it)\n", only, *file, pos[0])
			return exitInput
		}
	}
	failed := false
	for _, cp := range pp.p.CratePacks {
		if only != "" && cp.Path != only {
			continue
		}
		v, err := pp.client.Latest(context.Background(), cp.Path)
		if err != nil {
			fmt.Fprintf(stderr, "palletc packs update: %v\n", err)
			failed = true
			continue
		}
		if semver.Compare(v, cp.Version) <= 0 {
			fmt.Fprintf(stdout, "%s: %s is the newest\n", cp.Path, cp.Version)
			continue
		}
		if err := pp.add(packs.Ref{Path: cp.Path, Version: v}, stdout); err != nil {
			fmt.Fprintf(stderr, "palletc packs update: %v\n", err)
			failed = true
		}
	}
	if failed {
		return exitInput
	}
	return exitOK
}

func cmdPacksVerify(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) int {
	file := fileFlag(fs)
	if code, ok := parseNoArgs(fs, args, stdout, stderr); !ok {
		return code
	}
	pp, ok := openPacksProject(*file, stderr)
	if !ok {
		return exitInput
	}
	bad := 0
	for _, cp := range pp.p.CratePacks {
		if err := pp.verify(cp.Ref); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", cp.Pos, err)
			bad++
			continue
		}
		fmt.Fprintf(stdout, "%s %s: ok\n", cp.Ref, pp.sums[cp.Ref])
	}
	if bad > 0 {
		fmt.Fprintf(stderr, "%d of %d packs failed verification\n", bad, len(pp.p.CratePacks))
		return exitInput
	}
	return exitOK
}

// verify checks a pack against pallet.sum: fetched (and checked against
// the checksum database) when missing, else its cached zip and its
// extracted files hashed again, as go mod verify does.
func (pp *packsProject) verify(ref packs.Ref) error {
	want := pp.sums[ref]
	if want == "" {
		return fmt.Errorf("%s has no line in %s: run `palletc packs get %s`", ref, packs.SumFile, ref)
	}
	pk, err := pp.client.Cached(ref)
	if err != nil {
		_, err = pp.client.Get(context.Background(), ref, want)
		return err
	}
	if pk.Sum != want {
		return fmt.Errorf("pack %s: the cache has %s but %s has %s", ref, pk.Sum, packs.SumFile, want)
	}
	got, err := dirhash.HashDir(pk.Dir, ref.String(), dirhash.Hash1)
	if err != nil {
		return fmt.Errorf("pack %s: %v", ref, err)
	}
	if got != want {
		return fmt.Errorf("pack %s: its files in the cache (%s) were changed: they hash to %s but %s has %s (remove that directory and run palletc packs verify again)", ref, pk.Dir, got, packs.SumFile, want)
	}
	return nil
}

func cmdPacksList(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) int {
	file := fileFlag(fs)
	if code, ok := parseNoArgs(fs, args, stdout, stderr); !ok {
		return code
	}
	pp, ok := openPacksProject(*file, stderr)
	if !ok {
		return exitInput
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PACK\tVERSION\tSUM\tCRATES")
	for _, cp := range pp.p.CratePacks {
		sum := pp.sums[cp.Ref]
		if sum == "" {
			sum = "(none: palletc packs get " + cp.Ref.String() + ")"
		}
		crates := "(not cached: palletc packs verify)"
		if pk, err := pp.client.Cached(cp.Ref); err == nil {
			if dir, err := pk.CratesDir(); err == nil {
				entries, _ := os.ReadDir(dir)
				var names []string
				for _, e := range entries {
					if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
						names = append(names, e.Name())
					}
				}
				crates = strings.Join(names, ", ")
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", cp.Path, cp.Version, sum, crates)
	}
	tw.Flush()
	return exitOK
}

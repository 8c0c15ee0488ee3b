package compiler

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/palletops/pallet/osfamily"
	"github.com/palletops/pallet/project"
	"github.com/palletops/pallet/templates"
)

// Version is the palletc version written into every script header.
const Version = "0.1.0"

// Script is one compiled phase for one group (or node): a self-contained
// bash script.
type Script struct {
	Group string `json:"group"`
	Phase string `json:"phase"`
	OS    string `json:"os"`
	Node  string `json:"node,omitempty"`
	Steps int    `json:"steps"`
	// SHA256 is the text's sha256 as a build's manifest records it: set
	// by Manifest.Write (and read back by ReadManifest), not by Compile,
	// since lift and converge upload the text itself and never need it.
	// Sum computes it from Text.
	SHA256 string `json:"sha256"`
	// Payloads are the content the script's steps read from beside it
	// (see Payload), each once, in the order the script first names them.
	Payloads []*Payload `json:"payloads,omitempty"`
	Text     Text       `json:"-"`
}

// Sum is the sha256 of the script's text, in hex.
func (s *Script) Sum() string {
	h := sha256.New()
	for _, part := range s.Text {
		h.Write(part)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Text is a script's text in parts: the parts one after the other are the
// script. The middle part, the runtime and helpers (most of a script's
// bytes), is one slice shared by every script of a compile that calls
// the same helpers, so a fleet's scripts do not hold (and a compile does
// not copy) tens of kilobytes each of the same text. The parts are read
// only: nothing may write to them.
type Text [][]byte

// Len is the script's length in bytes.
func (t Text) Len() int {
	n := 0
	for _, part := range t {
		n += len(part)
	}
	return n
}

// Bytes is the script as one slice, a copy (a script of one part is
// returned as it is).
func (t Text) Bytes() []byte {
	if len(t) == 1 {
		return t[0]
	}
	b := make([]byte, 0, t.Len())
	for _, part := range t {
		b = append(b, part...)
	}
	return b
}

// WriteTo writes the script to w, part by part.
func (t Text) WriteTo(w io.Writer) (int64, error) {
	var n int64
	for _, part := range t {
		m, err := w.Write(part)
		n += int64(m)
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Target says what to compile: a group's phase, for an OS ("" = the
// group's own), optionally for one node.
type Target struct {
	Group string
	Phase string
	OS    string
	// Node names the node compiled for, when Data is nil: crates see only
	// its name (.node.name).
	Node string
	// Data is the node compiled for (.node, and its own vars); nil: Node's
	// name only, or no node.
	Data *NodeData
	// Cluster is every node the provider has (.groups, .group); nil: none,
	// and a param reading them is an error.
	Cluster *Cluster
}

// Compile renders a group's phase into one script.
func (p *Project) Compile(t Target) (*Script, error) {
	g, err := p.Group(t.Group)
	if err != nil {
		return nil, err
	}
	ph := g.Phase(t.Phase)
	if ph == nil {
		return nil, noPhase(g, p.File, t.Phase)
	}
	gos, err := p.groupOS(g, t.OS)
	if err != nil {
		return nil, &project.Error{Pos: g.Pos, Msg: fmt.Sprintf("group %s: %v", g.Name, err), Err: err}
	}
	os := gos.os
	nd := t.Data
	if nd == nil && t.Node != "" {
		nd = &NodeData{ID: t.Node, Name: t.Node, Group: g.Name}
		nd.finish()
	}
	vars, varsKey := p.groupVars[g.Name], g.Name
	if nd != nil && len(nd.Vars) > 0 {
		vars, varsKey = p.VarsFor(g, nd.Vars, p.overrides), g.Name+"\x00"+nd.key
	}
	if vars == nil {
		vars = map[string]any{}
	}
	r := &renderer{
		p:       p,
		os:      os,
		osMap:   gos.osMap,
		admin:   &adminData{user: p.AdminUser(), key: p.adminKey},
		nd:      nd,
		cluster: t.Cluster,
		group:   g.Name,
		vars:    vars,
		varsKey: varsKey,
	}
	// The steps are scratch: the script keeps their text and payloads,
	// the render cache its own copies. A slice of a script before grows
	// no more, where a fresh one doubled a few times per script.
	if buf, ok := p.stepBufs.Get().(*[]step); ok {
		r.steps = (*buf)[:0]
	}
	for i, c := range p.calls[ph] {
		first := len(r.steps)
		args, err := r.args(c)
		if err != nil {
			var pe *project.Error
			if errors.As(err, &pe) {
				return nil, &project.Error{Pos: pe.Pos, Msg: fmt.Sprintf("group %s, phase %s%s: %s", g.Name, ph.Name, forNode(nd), pe.Msg), Err: err}
			}
			return nil, err
		}
		if err := r.call(c.Crate, c.Crate.Name, args); err != nil {
			var pe *project.Error
			if errors.As(err, &pe) && pe.Pos.File != "" && pe.Pos.File != p.File {
				// A template file's error, at its own line.
				return nil, &project.Error{Pos: pe.Pos, Msg: fmt.Sprintf("group %s, phase %s%s, crate %s: %s", g.Name, ph.Name, forNode(nd), c.Crate.Name, pe.Msg), Err: err}
			}
			return nil, &project.Error{Pos: c.Pos, Msg: fmt.Sprintf("group %s, phase %s, for %s: %v", g.Name, ph.Name, os.ID, err), Err: err}
		}
		// r.steps holds copies of what the cache keeps, so marking them
		// leaves the cached rendering as it was.
		for j := first; j < len(r.steps); j++ {
			r.steps[j].Call, r.steps[j].Notify, r.steps[j].When = i+1, c.Notify, c.WhenNotified
		}
	}
	name := ""
	if nd != nil {
		name = nd.Name
	}
	text := assemble(&p.helperPlans, g.Name, ph.Name, os.ID, name, t.Cluster != nil && t.Cluster.Placeholder, r.steps)
	s := &Script{Group: g.Name, Phase: ph.Name, OS: os.ID, Node: name, Steps: len(r.steps), Payloads: stepPayloads(r.steps), Text: text}
	clear(r.steps) // keep no text alive through the pool
	buf := r.steps[:0]
	p.stepBufs.Put(&buf)
	return s, nil
}

// compileOS is the OS a group compiles for, and .os as templates read it.
type compileOS struct {
	os    osfamily.OS
	osMap map[string]string // read only: templates cannot change a map
}

// groupOS is OSFor, worked out once per group and override: it parses
// the OS id (a regexp) and matches images, the same for every node.
func (p *Project) groupOS(g *project.Group, override string) (*compileOS, error) {
	key := g.Name + "\x00" + override
	if v, ok := p.oses.Load(key); ok {
		return v.(*compileOS), nil
	}
	os, err := p.OSFor(g, override)
	if err != nil {
		return nil, err // not kept: errors are told every time
	}
	c := &compileOS{os: os, osMap: map[string]string{
		"id": os.ID, "name": os.Name, "version": os.Version, "family": os.Family,
		"pkg": os.Pkg, "init": os.Init, "admin_group": os.Admin,
	}}
	v, _ := p.oses.LoadOrStore(key, c)
	return v.(*compileOS), nil
}

func forNode(nd *NodeData) string {
	if nd == nil {
		return ""
	}
	return ", node " + sanitizeName(nd.Name)
}

// stepPayloads is every payload the steps read, each once.
func stepPayloads(steps []step) []*Payload {
	var out []*Payload
	var seen map[string]bool // made for the first payload: most scripts have none
	for _, s := range steps {
		for _, p := range s.Payloads {
			if seen == nil {
				seen = map[string]bool{}
			}
			if !seen[p.SHA256] {
				seen[p.SHA256] = true
				out = append(out, p)
			}
		}
	}
	return out
}

// CompileAll compiles every phase of every group (or only the given group
// and phase), for osOverride or each group's own OS, and returns the
// scripts in file order with every error found.
func (p *Project) CompileAll(group, phase, osOverride string) ([]*Script, error) {
	targets, err := p.Targets(group, phase, osOverride)
	if err != nil {
		return nil, err
	}
	return p.CompileTargets(targets)
}

// Check compiles every phase of every group for its placeholder node
// (PlaceholderCluster), so crates whose defaults come from the node
// (hostname) and params that read vars and node data are checked too, and
// returns every error found.
func (p *Project) Check() ([]*Script, error) {
	targets, _ := p.PlaceholderTargets("", "", "")
	return p.CompileTargets(targets)
}

// PlaceholderTargets is Targets, each for its group's placeholder node in
// the PlaceholderCluster: what to compile without a provider.
func (p *Project) PlaceholderTargets(group, phase, osOverride string) ([]Target, error) {
	targets, err := p.Targets(group, phase, osOverride)
	if err != nil {
		return nil, err
	}
	cl := p.PlaceholderCluster()
	for i := range targets {
		targets[i].Cluster = cl
		if nodes := cl.Nodes(targets[i].Group); len(nodes) > 0 {
			targets[i].Data = nodes[0]
		}
	}
	return targets, nil
}

// Targets lists the group × phase pairs to compile, in file order: all,
// or only the given group and phase.
func (p *Project) Targets(group, phase, osOverride string) ([]Target, error) {
	var targets []Target
	for _, g := range p.Groups {
		if group != "" && g.Name != group {
			continue
		}
		for _, ph := range g.Phases {
			if phase != "" && ph.Name != phase {
				continue
			}
			targets = append(targets, Target{Group: g.Name, Phase: ph.Name, OS: osOverride})
		}
	}
	if group != "" {
		g, err := p.Group(group)
		if err != nil {
			return nil, err
		}
		if phase != "" && g.Phase(phase) == nil {
			return nil, noPhase(g, p.File, phase)
		}
	}
	return targets, nil
}

// noPhase is the error for a phase the group does not have.
func noPhase(g *project.Group, file, phase string) error {
	return &project.Error{Pos: project.Pos{File: file}, Msg: fmt.Sprintf("group %s has no phase %q%s (phases: %s)", g.Name, phase, didYouMean(phase, g.PhaseNames()), strings.Join(g.PhaseNames(), ", "))}
}

// CompileTargets compiles targets in parallel (rendering holds no shared
// mutable state), keeping their order in the result.
//
// A few workers take the targets in turn, rather than a goroutine each:
// rendering runs deep in text/template, so a fresh goroutine's stack grows
// (and is copied) several times per script, while a worker's stays grown.
func (p *Project) CompileTargets(targets []Target) ([]*Script, error) {
	out := make([]*Script, len(targets))
	errs := make([]error, len(targets))
	workers := min(len(targets), 2*runtime.GOMAXPROCS(0))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(targets) {
					return
				}
				out[i], errs[i] = p.Compile(targets[i])
			}
		}()
	}
	wg.Wait()
	var list project.ErrorList
	for _, err := range errs {
		if err != nil {
			list.AddErr(project.Pos{File: p.File}, err)
		}
	}
	if len(list) > 0 {
		return out, list
	}
	return out, nil
}

// helpers is every helper in templates/helpers by function name, with
// the helpers each one calls, worked out once.
type helpers struct {
	src  map[string]string
	deps map[string][]string
	// closure is every helper each one calls, directly or in turn, sorted,
	// itself left out: what pallet_as_user must hand a helper it runs in a
	// fresh bash (see depsLines).
	closure map[string][]string
}

var helperSet = sync.OnceValue(func() *helpers {
	h := &helpers{src: map[string]string{}, deps: map[string][]string{}, closure: map[string][]string{}}
	entries, _ := fs.ReadDir(templates.Helpers, "helpers")
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".sh")
		if data, err := fs.ReadFile(templates.Helpers, "helpers/"+e.Name()); err == nil {
			h.src[name] = string(data)
		}
	}
	for name, src := range h.src {
		// Only code counts: a helper's comments name the helpers it is
		// used with, which it does not need.
		h.deps[name] = h.calls(withoutComments(src), nil)
	}
	for name := range h.src {
		seen := map[string]bool{name: true}
		queue := slices.Clone(h.deps[name])
		for len(queue) > 0 {
			d := queue[len(queue)-1]
			queue = queue[:len(queue)-1]
			if !seen[d] {
				seen[d] = true
				queue = append(queue, h.deps[d]...)
			}
		}
		delete(seen, name)
		h.closure[name] = sortedKeys(seen)
	}
	return h
})

// withoutComments is bash source without its comment lines (those whose
// first non-blank character is #).
func withoutComments(src string) string {
	var b strings.Builder
	for line := range strings.Lines(src) {
		if !strings.HasPrefix(strings.TrimLeft(line, " \t"), "#") {
			b.WriteString(line)
		}
	}
	return b.String()
}

// depsLines declares PALLET_DEPS, which holds for each helper of need
// that calls others the helpers it calls, directly or in turn.
// pallet_as_user runs a helper as another user in a fresh bash that holds
// only that helper and those, so the list comes from the same scan that
// chose which helper bodies the script holds, never from a hand-written
// list found short only at run time. Only a script with pallet_as_user
// needs it.
func depsLines(h *helpers, need []string) string {
	if !slices.Contains(need, "pallet_as_user") {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n# the helpers each helper calls, for pallet_as_user\ndeclare -A PALLET_DEPS=(\n")
	for _, name := range need {
		if deps := h.closure[name]; len(deps) > 0 {
			b.WriteString("  [" + name + "]='" + strings.Join(deps, " ") + "'\n")
		}
	}
	b.WriteString(")\n")
	return b.String()
}

// calls appends to out the helpers text names. A plain scan: this runs for
// every step of every script, and a regexp made it half of compile time.
func (h *helpers) calls(text string, out []string) []string {
	for {
		i := strings.Index(text, "pallet_")
		if i < 0 {
			return out
		}
		if i > 0 && isIdentByte(text[i-1]) {
			text = text[i+len("pallet_"):]
			continue
		}
		j := i + len("pallet_")
		for j < len(text) && isIdentByte(text[j]) {
			j++
		}
		if _, ok := h.src[text[i:j]]; ok {
			out = append(out, text[i:j])
		}
		text = text[j:]
	}
}

func isIdentByte(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// stepHelpers are the helpers a step's text calls itself (not those they
// call in turn), as split found them, or found now for a step split did
// not make.
func stepHelpers(h *helpers, s *step) []string {
	if s.Helpers != nil {
		return s.Helpers
	}
	return h.calls(s.Apply, h.calls(s.Diff, h.calls(s.Check, nil)))
}

// helperPlan is what a script holds of templates/helpers for one set of
// helpers its steps call: the helpers, with those they call in turn,
// sorted, and body, the text every script with that set holds after its
// header: the runtime, the helpers' sources and their PALLET_DEPS lines.
type helperPlan struct {
	need []string
	body []byte // read only: every script with this set shares it
}

// planHelpers is the helperPlan for the steps, worked out once per set of
// helpers the steps call (plans, by that set): scripts of a fleet call the
// same few sets.
func planHelpers(plans *sync.Map, steps []step) *helperPlan {
	h := helperSet()
	var direct []string
	for i := range steps {
		direct = append(direct, stepHelpers(h, &steps[i])...)
	}
	slices.Sort(direct)
	direct = slices.Compact(direct)
	key := strings.Join(direct, " ")
	if plans != nil {
		if v, ok := plans.Load(key); ok {
			return v.(*helperPlan)
		}
	}
	pl := &helperPlan{need: closeHelpers(h, direct)}
	// A script that looks at paths (pallet_stat_walk) starts the stat
	// server that answers root's looks without a process each, once,
	// after the helpers and before the first step.
	serve := slices.Contains(pl.need, "pallet_stat_walk")
	if serve {
		pl.need = closeHelpers(h, append(direct, "pallet_stat_serve"))
	}
	var b strings.Builder
	b.WriteString(templates.Runtime)
	for _, name := range pl.need {
		b.WriteString("\n")
		b.WriteString(h.src[name])
	}
	b.WriteString(depsLines(h, pl.need))
	if serve {
		b.WriteString("\npallet_stat_serve\n")
	}
	pl.body = []byte(b.String())
	if plans != nil {
		v, _ := plans.LoadOrStore(key, pl)
		return v.(*helperPlan)
	}
	return pl
}

// neededHelpers returns the helpers the steps call, and the helpers they
// call in turn, sorted so that output is deterministic.
func neededHelpers(steps []step) []string { return planHelpers(nil, steps).need }

// closeHelpers is the helpers queue names and those they call in turn,
// sorted.
func closeHelpers(h *helpers, queue []string) []string {
	queue = slices.Clone(queue)
	need := map[string]bool{}
	for len(queue) > 0 {
		name := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		if !need[name] {
			need[name] = true
			queue = append(queue, h.deps[name]...)
		}
	}
	return sortedKeys(need)
}

// applyPrefix names step n's apply function, less n: pallet_wait_N for a
// step that only waits, so the script (and a scenario) shows which steps
// change nothing.
func applyPrefix(s *step) string {
	if s.Wait {
		return "pallet_wait_"
	}
	return "pallet_apply_"
}

// writePackLines writes the header's "# pack: MODULE@VERSION (crates: a,
// b)" lines, one per pack the steps come from, sorted: a script says which
// published code it runs.
func writePackLines(b *strings.Builder, steps []step) {
	var crates map[string][]string
	for i := range steps {
		s := &steps[i]
		if s.Pack == "" {
			continue
		}
		if crates == nil {
			crates = map[string][]string{}
		}
		name := s.Crate[strings.LastIndexByte(s.Crate, '/')+1:]
		if !slices.Contains(crates[s.Pack], name) {
			crates[s.Pack] = append(crates[s.Pack], name)
		}
	}
	for _, pk := range sortedKeys(crates) {
		slices.Sort(crates[pk])
		b.WriteString("# pack: " + sanitizeName(pk) + " (crates: " + sanitizeName(strings.Join(crates[pk], ", ")) + ")\n")
	}
}

// writeFlags writes, before step i (or at the end, i == len(steps)), the
// runtime calls that bound calls with flags: pallet_lowered after the last
// step of a when_notified call, then, where a call starts, pallet_notify
// with its notify: flags (when it or the call before has any) and
// pallet_when_notified with its when_notified: flags.
func writeFlags(b *strings.Builder, steps []step, i int) {
	var prev, cur *step
	if i > 0 {
		prev = &steps[i-1]
	}
	if i < len(steps) {
		cur = &steps[i]
	}
	if prev != nil && cur != nil && prev.Call == cur.Call {
		return
	}
	if prev != nil && len(prev.When) > 0 {
		b.WriteString("pallet_lowered\n")
	}
	if cur == nil {
		return
	}
	if len(cur.Notify) > 0 || prev != nil && len(prev.Notify) > 0 {
		b.WriteString("pallet_notify")
		for _, f := range cur.Notify {
			b.WriteByte(' ')
			b.WriteString(Quote(f))
		}
		b.WriteByte('\n')
	}
	if len(cur.When) > 0 {
		b.WriteString("pallet_when_notified")
		for _, f := range cur.When {
			b.WriteByte(' ')
			b.WriteString(Quote(f))
		}
		b.WriteByte('\n')
	}
}

// assemble writes the script: header, runtime, helpers, step functions,
// then the steps in order.
//
// plans keeps the helper plans (see planHelpers); nil works them out anew.
func assemble(plans *sync.Map, group, phase, osID, node string, placeholder bool, steps []step) Text {
	pl := planHelpers(plans, steps)
	// Scripts are mostly runtime and helpers, tens of kilobytes each:
	// that part is the plan's, shared (see Text). The script's own
	// header and steps are written once, into one buffer sized up front,
	// with no piece put together first elsewhere. A strings.Builder, since
	// it alone grows without zeroing memory that is written over next.
	size := 1024 + len(group) + len(phase) + len(osID) + len(node)
	for i := range steps {
		s := &steps[i]
		size += 2*len(s.Crate) + 2*len(s.Name) + len(s.Pack) + len(s.Check) + len(s.Diff) + len(s.Apply) + 160
		for _, f := range s.Notify {
			size += len(f) + 3
		}
		for _, f := range s.When {
			size += len(f) + 3
		}
	}
	var b strings.Builder
	b.Grow(size)
	b.WriteString("#!/usr/bin/env bash\n")
	b.WriteString("# Compiled by palletc " + Version + ". Do not edit: change pallet.yaml or its crates and compile again.\n")
	b.WriteString("# group: ")
	b.WriteString(group)
	b.WriteString("\n# phase: ")
	b.WriteString(phase)
	b.WriteString("\n# os: ")
	b.WriteString(osID)
	b.WriteByte('\n')
	if node != "" {
		b.WriteString("# node: ")
		b.WriteString(sanitizeName(node))
		b.WriteByte('\n')
	}
	if placeholder {
		b.WriteString("# nodes: placeholders (no --provider given)\n")
	}
	for i := range steps {
		if note := steps[i].SecretsNote; note != "" {
			b.WriteString("# secrets: ")
			b.WriteString(note)
			b.WriteByte('\n')
			break
		}
	}
	writePackLines(&b, steps)
	total := strconv.Itoa(len(steps))
	b.WriteString("# steps: ")
	b.WriteString(total)
	b.WriteString("\n# shellcheck disable=SC2317,SC2016 # step functions are called through pallet_step; every $ in single quotes is quoted data\n")
	b.WriteString("set -euo pipefail\numask 022\nexport LC_ALL=C\n")
	b.WriteString("PALLET_TOTAL=")
	b.WriteString(total)
	b.WriteByte('\n')
	head := b.Len()
	// which parts run in the script's own process (inline.go): bit 1 the
	// check, bit 2 the apply, whose bodies are written with exit made
	// return
	inline := make([]uint8, len(steps))
	for i := range steps {
		s := &steps[i]
		n := strconv.Itoa(i + 1)
		b.WriteString("\n# step ")
		b.WriteString(n)
		b.WriteString(": ")
		b.WriteString(s.Crate)
		b.WriteString(": ")
		b.WriteString(s.Name)
		b.WriteByte('\n')
		check, ok := inlinePart(s.Check)
		if ok && check != "" {
			inline[i] |= 1
		}
		writeFunc(&b, "pallet_check_", n, check)
		writeFunc(&b, "pallet_diff_", n, s.Diff)
		apply, ok := inlinePart(s.Apply)
		if ok && apply != "" {
			inline[i] |= 2
		}
		writeFunc(&b, applyPrefix(s), n, apply)
	}
	b.WriteByte('\n')
	for i := range steps {
		s := &steps[i]
		n := strconv.Itoa(i + 1)
		writeFlags(&b, steps, i)
		b.WriteString("pallet_step ")
		b.WriteString(n)
		b.WriteByte(' ')
		b.WriteString(Quote(s.Crate))
		b.WriteByte(' ')
		b.WriteString(Quote(s.Name))
		b.WriteByte(' ')
		if s.Check != "" {
			b.WriteString("pallet_check_")
			b.WriteString(n)
		} else {
			b.WriteString("''")
		}
		b.WriteByte(' ')
		b.WriteString(applyPrefix(s))
		b.WriteString(n)
		if s.Wait {
			b.WriteString(" wait")
		}
		if s.Checked {
			b.WriteString(" checked")
		}
		if inline[i]&1 != 0 {
			b.WriteString(" inline-check")
		}
		if inline[i]&2 != 0 {
			b.WriteString(" inline-apply")
		}
		b.WriteByte('\n')
	}
	writeFlags(&b, steps, len(steps))
	b.WriteString("pallet_done 0\n")
	own := builderBytes(&b)
	return Text{own[:head:head], pl.body, own[head:]}
}

// writeFunc writes the bash function prefix+n holding body, if body is
// not empty.
func writeFunc(b *strings.Builder, prefix, n, body string) {
	if body == "" {
		return
	}
	b.WriteString(prefix)
	b.WriteString(n)
	b.WriteString("() {\n")
	b.WriteString(body)
	b.WriteString("\n}\n")
}

// builderBytes hands over what b holds as a []byte without copying it.
// The string's bytes are the builder's own buffer, which nothing else
// holds once b is dropped (it is, by every caller), so they are as
// writable as any []byte: the script's text is its only reference.
func builderBytes(b *strings.Builder) []byte {
	s := b.String()
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

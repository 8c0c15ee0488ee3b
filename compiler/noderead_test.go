package compiler

import (
	"fmt"
	"strings"
	"testing"
	"text/template"

	"github.com/palletops/pallet/project"
)

// nodeReaders are templates that print the node's name (or something
// holding it) in every way text/template allows: each must render per node.
var nodeReaders = map[string]string{
	"field":             `{{ .node.name }}`,
	"index":             `{{ (index . "node").name }}`,
	"index twice":       `{{ index . "node" "name" }}`,
	"dollar":            `{{ $.node.name }}`,
	"dollar in range":   `{{ range .raw.list }}{{ $.node.name }}{{ end }}`,
	"with dot":          `{{ with . }}{{ .node.name }}{{ end }}`,
	"with node":         `{{ with .node }}{{ .name }}{{ end }}`,
	"variable":          `{{ $d := . }}{{ $d.node.name }}`,
	"variable of $":     `{{ $d := $ }}{{ index $d "node" }}`,
	"variable later":    `{{ $d := .raw }}{{ range .raw.list }}{{ $d.node }}{{ $d = $ }}{{ end }}`,
	"template dot":      `{{ define "x" }}{{ .node.name }}{{ end }}{{ template "x" . }}`,
	"template node":     `{{ define "x" }}{{ .name }}{{ end }}{{ template "x" .node }}`,
	"block":             `{{ block "x" . }}{{ .node.name }}{{ end }}`,
	"template dollar":   `{{ define "x" }}{{ $.node.name }}{{ end }}{{ template "x" . }}`,
	"template nested":   `{{ define "y" }}{{ . }}{{ end }}{{ define "x" }}{{ template "y" . }}{{ end }}{{ template "x" . }}`,
	"range over dot":    `{{ range $k, $v := . }}{{ if eq $k "node" }}{{ $v.name }}{{ end }}{{ end }}`,
	"printf dot":        `{{ printf "%v" . }}`,
	"print dot":         `{{ . }}`,
	"print dollar":      `{{ $ }}`,
	"pipe dot":          `{{ . | printf "%v" }}`,
	"toJson":            `{{ toJson . }}`,
	"get":               `{{ (get . "node").name }}`,
	"dig":               `{{ dig "node" "name" "" . }}`,
	"pick":              `{{ pick . "node" }}`,
	"values":            `{{ values . }}`,
	"parenthesized dot": `{{ (.).node.name }}`,
	"chain":             `{{ (index . "node" | toJson) }}`,
	"if node":           `{{ if .node }}{{ index . "node" }}{{ end }}`,
	"use with node":     `{{ (index . "node").name }}{{ use "inner" (dict "v" .raw.list) }}{{ step "after" }}`,
	"else with":         `{{ with .raw.nothing }}x{{ else with . }}{{ .node.name }}{{ end }}`,
}

// TestReadsNode: the scan finds every way above to the node, and does not
// mistake what built-in crates do without it (the word "user", use with
// params, ranging over a list) for a read.
func TestReadsNode(t *testing.T) {
	funcs := templateFuncs()
	parse := func(src string) *template.Template {
		tm, err := template.New("t").Funcs(funcs).Parse(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		return tm
	}
	for name, src := range nodeReaders {
		if !readsNode(parse(src)) {
			t.Errorf("%s: %s: not seen to read the node", name, src)
		}
	}
	for _, src := range []string{
		`{{ step "user" .raw.name }}useradd {{ .name }}`,
		`{{ use "user" (dict "name" .raw.user "shell" "/bin/bash") }}`,
		`{{ range .packages }}{{ . }} {{ end }}`,
		`{{ with .raw.uid }}-u {{ . }}{{ end }}`,
		`{{ $n := .raw.name }}{{ if not $n }}{{ fail "no" }}{{ end }}{{ $n | q }}`,
		`{{ define "x" }}{{ .a }}{{ $ }}{{ end }}{{ template "x" (dict "a" .raw.a) }}`,
		`{{ .admin.User }} {{ .os.family }} {{ .raw.nodes }}`,
		`{{ define "line" }}url={{ .url }}{{ $.raw.suite }}{{ end }}{{ template "line" . }}`,
		`{{ if eq .os.family "debian" }}apt{{ else }}{{ .os.pkg }}{{ end }}`,
	} {
		if readsNode(parse(src)) {
			t.Errorf("%s: seen to read the node, and does not", src)
		}
	}
}

// TestPerNodeRendering: one project compiled for two nodes, with a crate
// that reads the node by each way there is, gives each node its own
// script. The render cache used to key on the node only when the template
// text held ".node" or "use": {{ (index . "node").name }} printed "I am
// alpha" on beta too.
func TestPerNodeRendering(t *testing.T) {
	for name, src := range nodeReaders {
		t.Run(name, func(t *testing.T) {
			p, err := testProject(t, "crate_paths: [crates]\ngroups:\n  g: {phases: {p: [{who: {list: [a]}}]}}\n", map[string]string{
				"crates/who/crate.yaml":        "summary: says who it is\nparams:\n  list: {type: list}\n",
				"crates/who/default.sh.tmpl":   "{{ step \"who\" }}\n# I am " + src + "\ntrue\n",
				"crates/inner/crate.yaml":      "summary: inner\nparams:\n  v: {type: list}\n",
				"crates/inner/default.sh.tmpl": "{{ step \"inner\" }}\ntrue\n",
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, node := range []string{"alpha", "beta", "alpha"} {
				s, err := p.Compile(Target{Group: "g", Phase: "p", Node: node})
				if err != nil {
					t.Fatal(err)
				}
				other := map[string]string{"alpha": "beta", "beta": "alpha"}[node]
				if !strings.Contains(string(s.Text.Bytes()), node) || strings.Contains(string(s.Text.Bytes()), other) {
					t.Fatalf("compiled for %s, the script says:\n%s", node, stepsOf(s.Text.Bytes()))
				}
			}
		})
	}
}

// TestNodeFreeCratesRenderOnce: of the built-in crates only hostname reads
// the node and only etc-hosts the cluster, so every other crate renders once for a whole fleet (the word
// "user" in a template used to make it render once per node).
func TestNodeFreeCratesRenderOnce(t *testing.T) {
	p, err := Builtin(&project.Env{User: "deploy", Home: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range p.Crates() {
		for _, vn := range c.VariantNames() {
			got := c.Variants[vn].readsNode
			if want := c.Name == "hostname" || c.Name == "etc-hosts"; got != want {
				t.Errorf("crate %s, variant %s: readsNode = %v, want %v", c.Name, vn, got, want)
			}
		}
	}
}

// stepsOf is a script without its runtime and helpers, for messages.
func stepsOf(text []byte) string {
	s := string(text)
	if i := strings.Index(s, "\n# step 1:"); i >= 0 {
		s = s[i:]
	}
	return fmt.Sprint(s)
}

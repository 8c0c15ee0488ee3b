package compiler

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"text/template"

	"github.com/palletops/pallet/crates"
	"github.com/palletops/pallet/project"
	"github.com/palletops/pallet/provider"
)

// fastObj has methods of the shapes crate data has (.admin.User,
// .bytes.Of, $c.Inline, $c.Diff).
type fastObj struct{ name string }

func (o *fastObj) User() (Word, error)   { return Word(o.name), nil }
func (o *fastObj) Fails() (Word, error)  { return "", errors.New("no user") }
func (o *fastObj) Of(v any) *fastObj     { return &fastObj{name: fmt.Sprint(v)} }
func (o *fastObj) Name() string          { return o.name }
func (o *fastObj) Inline() bool          { return o.name != "" }
func (o *fastObj) Nothing() any          { return nil }
func (o *fastObj) Join(sep string) Word  { return Word(o.name + sep + o.name) }
func (o *fastObj) Count(n int) int       { return n * 2 }
func (o *fastObj) Panics() string        { panic("boom") }
func (o *fastObj) Ptr() *fastObj         { return o }
func (o *fastObj) NilPtr() *fastObj      { return nil }
func (o *fastObj) Words() []Word         { return []Word{"a b", "c"} }
func (o *fastObj) WordArg(w Word) string { return "[" + string(w) + "]" }

type stringer struct{ s string }

func (s stringer) String() string { return "<" + s.s + ">" }

// fastData is data like renderer.data's: quoted params, .raw, .os and
// objects with methods.
func fastData() map[string]any {
	raw := map[string]any{
		"path": "/srv/it's here", "action": "present", "empty": "",
		"n": 3, "zero": 0, "yes": true, "no": false,
		"list": []string{"a", "b c"}, "none": []string{},
		"m": map[string]string{"k": "v w"},
	}
	return map[string]any{
		"path":   Word("/srv/it's here"),
		"action": Word("present"),
		"empty":  Word(""),
		"n":      3,
		"big":    int64(1) << 40,
		"yes":    true,
		"no":     false,
		"list":   []Word{"a", "b c"},
		"none":   []Word{},
		"m":      map[Word]Word{"k": "v w"},
		"slist":  []string{"x", "y"},
		"smap":   map[string]string{"a": "1"},
		"f":      1.5,
		"nilval": nil,
		"str":    stringer{"s"},
		"strp":   &stringer{"p"},
		"raw":    raw,
		"os":     map[string]string{"init": "systemd", "admin_group": "sudo"},
		"obj":    &fastObj{name: "deploy"},
		"nested": map[string]any{"inner": map[string]any{"leaf": Word("x y")}},
		"admin":  &adminData{user: "deploy", key: func() (Word, error) { return "ssh-ed25519 AAAA k@h", nil }},
		"noadm":  &adminData{key: func() (Word, error) { return "", errors.New("no key file") }},
		"bytes":  &bytesData{r: &renderer{}},
		"huge":   Word(strings.Repeat("x", InlineLimit+1)),
		"bin":    "a\x00b",
	}
}

// TestFastTemplate runs each template by the fast path and by
// text/template on the same data, and wants the same text, or the fast
// path to give up (fast: false) where text/template fails or the fast path
// cannot be sure; fast says which the case must do.
func TestFastTemplate(t *testing.T) {
	type tc struct {
		tmpl string
		// fast: the fast path must run it (compile and not give up);
		// else it must compile but give up (or not compile: compiles
		// false), leaving it to text/template.
		fast     bool
		compiles bool
	}
	run := func(s string) tc { return tc{s, true, true} }
	gives := func(s string) tc { return tc{s, false, true} }
	left := func(s string) tc { return tc{s, false, false} }
	cases := []tc{
		// Printing each value type as text/template does.
		run("plain text only\n"),
		run("{{ .path }} {{ .action }} {{ .empty }}|"),
		run("{{ .n }} {{ .big }} {{ .yes }} {{ .no }} {{ .f }}"),
		run("{{ .list }} {{ .none }} {{ .m }} {{ .slist }} {{ .smap }}"),
		run("{{ .str }}"),
		run("[{{ .missing }}] [{{ .nilval }}] [{{ .os.missing }}] [{{ .raw.missing }}]"),
		run("{{ .raw.path }} {{ .raw.n }} {{ .raw.list }} {{ .raw.m }} {{ .raw.m.k }}"),
		run("{{ .nested.inner.leaf }} {{ .nested.inner }}"),
		run("{{ . }}"[:0] + "{{ .os.init }}{{ $.os.init }}"),
		run(`{{ "lit" }} {{ 42 }} {{ -7 }} {{ true }} {{ false }}`),
		gives("{{ .strp }}"),                   // a pointer: text/template's rules for those are its own
		gives("{{ .obj.Ptr }}"),                // the same, from a method
		gives("{{ .missing.deeper }}"),         // text/template: nil pointer evaluating interface {}.deeper
		gives("{{ .nilval.x }}"),               // the same
		gives("{{ .path.x }}"),                 // a Word has no field x: an error
		gives("{{ .m.k }}"),                    // map[Word]Word: not by a string key, an error
		left("{{ 1.5 }} {{ 0x10 }} {{ 'a' }}"), // number syntaxes with their own rules
		left("{{ nil }}"),

		// Methods.
		run("{{ .obj.User }} {{ .obj.Name }} {{ .obj.Inline }}"),
		run(`{{ (.obj.Of "a b").Name }}`[:0] + `{{ $c := .obj.Of "a b" }}{{ $c.Name }} {{ $c.Inline }} {{ $c.Join "-" }}`),
		run(`{{ .obj.Of .raw.path | q }}`[:0] + `{{ $c := .obj.Of .raw.path }}{{ $c.Name | q }}`),
		run(`{{ .obj.Count 21 }} {{ .obj.Words }} [{{ .obj.Nothing }}]`),
		run(`{{ .obj.WordArg "lit" }}`), // a string literal becomes the Word param
		run(`{{ "piped" | .obj.Join }}`),
		gives(`{{ .obj.WordArg .raw.path }}`), // a string value is not a Word: an error
		gives(`{{ .obj.Fails }}`),
		gives(`{{ .obj.Panics }}`),
		gives(`{{ .obj.Nothing.x }}`),
		gives(`{{ .obj.NilPtr.Name }}`),
		gives(`{{ .obj.NoSuch }}`),
		gives(`{{ .obj.Count "x" }}`),
		gives(`{{ .obj.Count 1 2 }}`),
		gives(`{{ .raw.path "arg" }}`), // a map key with arguments: an error

		// The compiler's own data's methods, called without reflect.
		run(`{{ .admin.User }} {{ .admin.PublicKey }} {{ raw .admin.User | q }}`),
		run(`{{ $c := .bytes.Of .raw.path }}{{ $c.Inline }} {{ $c.Stdin }} {{ $c.SHA256 }} {{ $c.Size }} {{ $c.Secret }} [{{ $c.Salt }}] {{ $c.Diff .path }}`),
		run(`{{ $c := .bytes.Of .huge }}{{ $c.Inline }} {{ $c.Stdin }} {{ $c.Diff "/p" }}`),
		run(`{{ $c := .bytes.Of .raw.bin }}{{ $c.Inline }} {{ $c.Stdin }}`),
		run(`{{ $c := .bytes.Of .raw.missing }}{{ $c.Size }} {{ $c.Stdin }} {{ (.bytes.Of "a\n").Stdin }}`[:0] + `{{ $c := .bytes.Of .raw.missing }}{{ $c.Size }} {{ $c.Stdin }}`),
		gives(`{{ .noadm.User }}`),         // no admin user: an error
		gives(`{{ .noadm.PublicKey }}`),    // an error
		gives(`{{ .admin.User "x" }}`),     // too many args
		gives(`{{ .bytes.Of 3 }}`),         // not content: an error
		gives(`{{ .bytes.Of }}`),           // too few args
		gives(`{{ .bytes.Template "x" }}`), // not a file: an error
		gives(`{{ .bytes.Nope }}`),
		gives(`{{ (.bytes.Of "x").Diff }}`[:0] + `{{ $c := .bytes.Of "x" }}{{ $c.Diff }}`),

		// if / else if / else, and truth.
		run(`{{ if .yes }}y{{ else }}n{{ end }}{{ if .no }}y{{ else }}n{{ end }}`),
		run(`{{ if .raw.n }}n{{ end }}{{ if .raw.zero }}z{{ end }}{{ if .empty }}e{{ end }}{{ if .path }}p{{ end }}`),
		run(`{{ if .list }}l{{ end }}{{ if .none }}N{{ end }}{{ if .m }}m{{ end }}{{ if .missing }}M{{ end }}{{ if .nilval }}V{{ end }}{{ if .obj }}o{{ end }}{{ if .str }}s{{ end }}{{ if .f }}f{{ end }}`),
		run(`{{ if .obj.NilPtr }}p{{ else }}nilptr{{ end }}`),
		run(`{{ if eq .raw.action "absent" }}a{{ else if eq .raw.action "present" }}p{{ else }}x{{ end }}`),
		run(`{{- if eq .os.init "openrc" }}
rc
{{- else }}
sd {{ .path }}
{{- end }}
`),

		// Variables and their scope.
		run(`{{ $x := .raw.path }}{{ $x }} {{ $x | q }}{{ if .yes }}{{ $x = "in" }}{{ $y := 1 }}{{ $y }}{{ end }} {{ $x }}`),
		run(`{{ $x := 1 }}{{ if .yes }}{{ $x := 2 }}{{ $x }}{{ $x = 3 }}{{ end }} {{ $x }}`), // the inner $x ends with its if
		run(`{{ $u := .raw.missing }}{{ if not $u }}{{ $u = raw .obj.User }}{{ end }}{{ $u }} [{{ $u | q }}]`),
		run(`{{ $m := true }}{{ if hasKey .raw "yes" }}{{ $m = .raw.yes }}{{ else if hasKey .raw "no" }}{{ $m = .raw.no }}{{ end }}{{ if $m }}made{{ end }}`),
		run(`{{ $ }}`[:0] + `{{ $.path }} {{ $.raw.n }}`),

		// Builtins.
		run(`{{ eq .path "/srv/it's here" }} {{ eq .raw.path .path }} {{ eq .n 3 }} {{ eq .raw.n 4 3 }} {{ eq .yes true }} {{ eq .action "x" "present" }}`),
		run(`{{ not .yes }} {{ not .missing }} {{ not .list }}`),
		run(`{{ and .yes .n .path }} {{ and .yes .no .n }} {{ or .no .empty }} {{ or .no .path .n }} {{ or .missing .raw.path }}`),
		run(`{{ if and (not .raw.no) (not (or .raw.missing .raw.empty)) }}both{{ end }}`),
		run(`{{ .yes | and .n }} {{ .no | or .empty }}`),
		run(`{{ printf "%s=%d %v %q" .raw.path .n .yes .raw.action }} {{ printf "%s" .path }}`),
		gives(`{{ eq .n "3" }}`),       // incompatible kinds: an error
		gives(`{{ eq .missing "x" }}`), // nil compared: text/template's own rules
		gives(`{{ eq .list .list }}`),  // not a basic kind
		left(`{{ eq .f 1.5 }}`),        // a float literal: left to text/template
		gives(`{{ not .yes .no }}`),    // wrong number of args
		left(`{{ ne .n 3 }} {{ len .list }} {{ index .list 0 }}`),
		left(`{{ and }}`[:0] + `{{ range .list }}{{ . }}{{ end }}`),
		left(`{{ with .path }}{{ . }}{{ end }}`),
		left(`{{ define "x" }}x{{ end }}{{ template "x" }}`),
		left(`{{ if $x := .path }}{{ $x }}{{ end }}`),
		left(`{{ set .raw "k" "v" }}`),

		// The FuncMap: our functions, sprig's, piped and nested.
		run(`{{ q .raw.path }} {{ .raw.list | q }} {{ q .n }} {{ q .yes }} {{ q .missing }} {{ .path | q }}`),
		run(`{{ step "install" .raw.list }}{{ check }}chk{{ apply }}app`),
		run(`{{ step .raw.action (.raw.path | splitList "/" | last | trunc 3) }}`),
		run(`{{ use "user" (dict "name" .raw.path "groups" (list .os.admin_group) "n" 1 "home" true) }}`),
		run(`{{ .slist | join " " }} {{ .list | join "," }} {{ regexReplaceAll "[^a-z]" .raw.path "_" }} {{ "a\n" | trimSuffix "\n" }}`),
		run(`{{ ternary "NOPASSWD: " "" .raw.yes }}{{ .raw.list | join ", " }}`),
		run(`{{ $p := printf "/etc/sudoers.d/%s" .raw.action }}{{ $p | q }}`),
		run(`{{ if hasKey .raw "path" }}has{{ end }}{{ if hasKey .raw "nope" }}not{{ end }}`),
		gives(`{{ hasKey .m "k" }}`),                // not a map[string]any: an error
		gives(`{{ trimSuffix "x" .path }}`),         // a Word is not a string: an error
		gives(`{{ ternary "a" "b" .raw.missing }}`), // nil for a bool: an error
		gives(`{{ fail "stop" }}`),                  // an error
		gives(`{{ use "user" .m }}`),                // not a map[string]any
		gives(`{{ quote .path }}`),                  // refused by its function
		left(`{{ nosuchfunc .path }}`[:0] + `{{ .path | printf "%s" | len }}`),
	}
	funcs := templateFuncs()
	for i, c := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			tt, err := template.New("t").Option("missingkey=zero").Funcs(funcs).Parse(c.tmpl)
			if err != nil {
				t.Fatalf("%s: %v", c.tmpl, err)
			}
			foldMarkers(tt)
			var want strings.Builder
			wantErr := tt.Execute(&want, fastData())
			ft := compileFast(tt, funcs)
			if (ft != nil) != c.compiles {
				t.Fatalf("%s: compiled %v, want %v", c.tmpl, ft != nil, c.compiles)
			}
			var got strings.Builder
			ran := ft.execute(&got, fastData())
			switch {
			case ran && wantErr != nil:
				t.Errorf("%s: fast path rendered %q where text/template fails: %v", c.tmpl, got.String(), wantErr)
			case ran && got.String() != want.String():
				t.Errorf("%s:\nfast path:     %q\ntext/template: %q", c.tmpl, got.String(), want.String())
			case ran != c.fast:
				t.Errorf("%s: fast path ran %v, want %v (text/template: %q, %v)", c.tmpl, ran, c.fast, want.String(), wantErr)
			}
		})
	}
}

// TestFastCrates: the built-in crates a fleet calls most run by the fast
// path, and a compile of every call the benchmark makes gives up on none
// of them (so the fast path is not only correct but used).
func TestFastCrates(t *testing.T) {
	into := map[string]*Crate{}
	var errs project.ErrorList
	loadCrates(crates.FS, ".", "crates", true, templateFuncs(), into, &errs)
	if err := errs.Err(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"automated-admin-user", "package", "user", "group", "ssh-key", "sudoers", "directory", "file", "line-in-file", "service", "exec-script", "symlink", "template"} {
		c := into[name]
		if c == nil {
			t.Fatalf("no crate %s", name)
		}
		for vn, v := range c.Variants {
			if v.fast == nil {
				t.Errorf("%s/%s: not compiled for the fast path", name, vn)
			}
		}
	}

	dir := t.TempDir()
	writeTestFile(t, filepath.Join(dir, "admin.pub"), "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB6rs0B0bench deploy@bench\n")
	y := `admin: {user: deploy, public_key_file: admin.pub}
groups:
  g:
    phases:
      bootstrap: [{automated-admin-user: {user: admin1}}]
      configure:
        - package: {packages: [curl, nginx]}
        - directory: {path: /srv/app, mode: "0755", recurse_owner: true}
        - file: {path: /srv/app/config, content: "port=8000\n", mode: "0640"}
        - file: {path: /srv/app/big, content: "` + strings.Repeat("x", 5000) + `"}
        - line-in-file: {path: /etc/hosts, line: "127.0.0.1 app"}
        - service: {name: nginx, state: started, enabled: true}
        - user: {name: app, uid: 1200, groups: [adm]}
        - symlink: {path: /srv/current, target: /srv/app}
      backup:
        - exec-script: {script: "tar czf /var/backups/app.tgz /srv/app", creates: /var/backups/app.tgz}
`
	var mu sync.Mutex
	var gaveUp []string
	fastGaveUp = func(v *Variant) { mu.Lock(); gaveUp = append(gaveUp, v.File); mu.Unlock() }
	defer func() { fastGaveUp = nil }()
	for _, osID := range []string{"debian-12", "rocky-9", "alpine-3.20", "arch"} {
		p, err := Parse(filepath.Join(dir, "pallet.yaml"), []byte(y), &project.Env{User: "deploy", Home: dir})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.CompileAll("", "", osID); err != nil {
			t.Fatal(err)
		}
	}
	if len(gaveUp) > 0 {
		t.Errorf("the fast path gave up on %v", gaveUp)
	}
}

// TestCallData: what the fast path reads of a call's data, key by key,
// is what renderer.data puts in the map text/template reads, with and
// without a node and cluster, for given and left-out params of each type.
func TestCallData(t *testing.T) {
	dir := t.TempDir()
	p, err := Parse(filepath.Join(dir, "pallet.yaml"), []byte("groups:\n  db: {}\n"), &project.Env{User: "deploy", Home: dir})
	if err != nil {
		t.Fatal(err)
	}
	os := mustOS("debian-12")
	cl := p.NewCluster([]provider.Node{{ID: "1", Name: "db-1", Group: "db", Host: "10.0.0.1"}})
	// No built-in crate has a map param: one made up has one of each type.
	made := &Crate{Name: "made-up"}
	for _, typ := range paramTypes {
		for _, n := range []string{"a", "b"} {
			made.Params = append(made.Params, &Param{Name: typ + "_" + n, Type: typ})
		}
	}
	for _, crate := range []string{"user", "file", "service", "sysctl", "made-up"} {
		c, err := p.reg.lookup(crate)
		if crate == made.Name {
			c, err = made, nil
		}
		if err != nil {
			t.Fatal(err)
		}
		for skip := range 2 {
			args := Args{}
			for i, prm := range c.Params {
				if i%2 == skip { // every other param left out
					continue
				}
				switch prm.Type {
				case "string":
					args[prm.Name] = "v'" + prm.Name
				case "int":
					args[prm.Name] = i
				case "bool":
					args[prm.Name] = true
				case "list":
					args[prm.Name] = []string{"a", "b c"}
				case "map":
					args[prm.Name] = map[string]string{"k": "v w"}
				}
			}
			for _, withNode := range []bool{false, true} {
				r := &renderer{p: p, os: os, osMap: map[string]string{"id": os.ID}, admin: &adminData{user: "deploy"}}
				if withNode {
					r.nd, r.cluster = cl.byID["1"], cl
				}
				want := r.data(c, args)
				cd := &callData{r: r, c: c, args: args}
				names := []string{"nosuch", "crate"}
				for _, prm := range c.Params {
					names = append(names, prm.Name)
				}
				for k := range want {
					names = append(names, k)
				}
				for _, k := range names {
					got := cd.field(k)
					if k == "raw" {
						if !reflect.DeepEqual(map[string]any(got.(map[string]any)), want[k]) {
							t.Errorf("%s: .raw = %v, want %v", crate, got, want[k])
						}
						continue
					}
					if !reflect.DeepEqual(got, want[k]) {
						t.Errorf("%s (node %v): .%s = %#v, want %#v", crate, withNode, k, got, want[k])
					}
				}
				if !reflect.DeepEqual(cd.data(), want) {
					t.Errorf("%s: data() is not data's map", crate)
				}
			}
		}
	}
}

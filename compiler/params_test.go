package compiler

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"gopkg.in/yaml.v3"

	"github.com/palletops/pallet/crates"
	"github.com/palletops/pallet/project"
)

// testCrateYAML declares one param of each kind, with and without the
// fields messages draw on (example, default, pattern_doc).
const testCrateYAML = `summary: every kind of param
params:
  path:
    type: string
    example: /etc/app.conf
    pattern: "/[^\\r\\n]*[^/\\r\\n]"
    pattern_doc: an absolute path (no line break, not ending in /)
  name:
    type: string
    pattern: "[a-z]+"
  action: {type: string, enum: [present, absent], default: present}
  port: {type: int, default: 22, min: 1, max: 65535}
  uid: {type: int, min: 0}
  count: {type: int}
  update: {type: bool, default: false}
  packages:
    type: list
    example: [curl, git]
    min_items: 1
    pattern: "[a-z0-9.+-]+"
    pattern_doc: a package name (lower-case letters, digits and . + -)
  tags: {type: list}
  env: {type: map, example: {LANG: C.UTF-8}}
  labels: {type: map, min_items: 2}
`

func loadTestCrate(t *testing.T, yamlText string) *Crate {
	t.Helper()
	fsys := fstest.MapFS{
		"c/crate.yaml":      {Data: []byte(yamlText)},
		"c/default.sh.tmpl": {Data: []byte("{{ step \"x\" }}\ntrue\n")},
	}
	c, err := LoadCrate(fsys, "c", "crates/c", templateFuncs())
	if err != nil {
		t.Fatalf("test crate: %v", err)
	}
	return c
}

// bindCall binds the params of `c: <params>` as pallet.yaml line 1 and
// returns the first error, or "".
func bindCall(t *testing.T, c *Crate, params string) string {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte("c: "+params), &doc); err != nil {
		t.Fatalf("%s: %v", params, err)
	}
	call := doc.Content[0]
	var errs project.ErrorList
	c.bindYAML("pallet.yaml", project.PosOf("pallet.yaml", call.Content[0]), call.Content[1], func(string) (*ProjectFile, error) { return nil, errors.New("no project files here") }, nil, &errs)
	if err := errs.Err(); err != nil {
		first, _, _ := strings.Cut(err.Error(), "\n")
		return first
	}
	return ""
}

// TestParamMessages: every refusal of a param value says what is wrong,
// at the value's place, and what to write instead.
func TestParamMessages(t *testing.T) {
	c := loadTestCrate(t, testCrateYAML)
	tests := []struct {
		name, params, want string
	}{
		{"pattern in words", `{path: etc/app.conf}`,
			`pallet.yaml:1:11: crate c, param path: "etc/app.conf" must be an absolute path (no line break, not ending in /)`},
		{"pattern in words, a line break", `{path: "/tmp/a\n"}`,
			`pallet.yaml:1:11: crate c, param path: "/tmp/a\n" must be an absolute path (no line break, not ending in /); it holds a line break`},
		{"pattern without pattern_doc", `{name: Web}`,
			`pallet.yaml:1:11: crate c, param name: "Web" does not match the pattern /[a-z]+/ that crates/c/crate.yaml gives for it`},
		{"pattern on a list item, at its place", `{packages: [curl, Git]}`,
			`pallet.yaml:1:22: crate c, param packages: "Git" must be a package name (lower-case letters, digits and . + -)`},
		{"enum", `{action: purge}`,
			`pallet.yaml:1:13: crate c, param action: "purge" is not one of present, absent`},
		{"enum, near miss", `{action: presnt}`,
			`pallet.yaml:1:13: crate c, param action: "presnt" is not one of present, absent (did you mean "present"?)`},
		{"string got a list of one", `{path: [/etc/a]}`,
			`pallet.yaml:1:11: crate c, param path: want one string, got a list: write path: /etc/a`},
		{"string got a mapping, with example", `{path: {a: b}}`,
			`pallet.yaml:1:11: crate c, param path: want a string (e.g. path: /etc/app.conf), got a mapping`},
		{"string got nothing, no example", `{name: }`,
			`pallet.yaml:1:11: crate c, param name: want a string (name: <text>), got nothing`},
		{"int quoted", `{port: "10"}`,
			`pallet.yaml:1:11: crate c, param port: want a whole number, got a string ("10"): write port: 10, without quotes`},
		{"int, a word, example from default", `{port: ten}`,
			`pallet.yaml:1:11: crate c, param port: want a whole number (e.g. port: 22), got a string ("ten")`},
		{"int, a fraction, no example", `{count: 1.5}`,
			`pallet.yaml:1:12: crate c, param count: want a whole number (count: <whole number>), got a number (1.5)`},
		{"int below min", `{port: 0}`,
			`pallet.yaml:1:11: crate c, param port: 0 is below 1: write a whole number from 1 to 65535`},
		{"int above max", `{port: 65536}`,
			`pallet.yaml:1:11: crate c, param port: 65536 is above 65535: write a whole number from 1 to 65535`},
		{"int below a min alone", `{uid: -1}`,
			`pallet.yaml:1:10: crate c, param uid: -1 is below 0: write 0 or more`},
		{"bool, yes", `{update: "yes"}`,
			`pallet.yaml:1:13: crate c, param update: want true or false, got a string ("yes"): write update: true`},
		{"bool, off", `{update: "off"}`,
			`pallet.yaml:1:13: crate c, param update: want true or false, got a string ("off"): write update: false`},
		{"bool, other", `{update: sometimes}`,
			`pallet.yaml:1:13: crate c, param update: want true or false, got a string ("sometimes"): write update: true or update: false`},
		{"list got a string", `{packages: curl}`,
			`pallet.yaml:1:15: crate c, param packages: want a list, got a string ("curl"): write packages: [curl]`},
		{"list got a comma-separated string", `{packages: "curl, git"}`,
			`pallet.yaml:1:15: crate c, param packages: want a list, got a string ("curl, git"): write packages: [curl, git]`},
		{"list got a mapping, with example", `{packages: {a: b}}`,
			`pallet.yaml:1:15: crate c, param packages: want a list (e.g. packages: [curl, git]), got a mapping`},
		{"list got a mapping, no example", `{tags: {a: b}}`,
			`pallet.yaml:1:11: crate c, param tags: want a list (tags: [<item>, ...]), got a mapping`},
		{"list empty", `{packages: []}`,
			`pallet.yaml:1:15: crate c, param packages: is empty: give at least 1 item (e.g. packages: [curl, git])`},
		{"list with an empty item", `{tags: [a, ~]}`,
			`pallet.yaml:1:15: crate c, param tags: want a list of strings, got nothing in it: remove the empty item, or write a value after the -`},
		{"list with a mapping item", `{tags: [a, b: c]}`,
			`pallet.yaml:1:15: crate c, param tags: want a list of strings, got a mapping in it: quote an item that holds ": ", e.g. - 'b: c'`},
		{"map got a list", `{env: [a]}`,
			`pallet.yaml:1:10: crate c, param env: want a mapping of strings (e.g. env: {LANG: C.UTF-8}), got a list`},
		{"map with an empty value", `{env: {A: }}`,
			`pallet.yaml:1:14: crate c, param env: want a mapping of strings, got nothing for "A": write A: "" for an empty value`},
		{"map with a list value", `{env: {A: [b]}}`,
			`pallet.yaml:1:14: crate c, param env: want a mapping of strings, got a list for "A": write the value as one string, e.g. A: text`},
		{"map too few entries", `{labels: {a: b}}`,
			`pallet.yaml:1:13: crate c, param labels: has 1 entry: give at least 2 entries (labels: {<key>: <value>})`},
		{"NUL byte", `{tags: ["a\0b"]}`,
			`pallet.yaml:1:12: crate c, param tags: contains a NUL byte, which bash cannot hold: remove it`},
		{"unknown param, near miss", `{pth: /a}`,
			`pallet.yaml:1:5: crate c has no param "pth" (did you mean "path"?)`},
		{"unknown param, far", `{xyzzy: red}`,
			`pallet.yaml:1:5: crate c has no param "xyzzy": it takes action, count, env, labels, name, packages, path, port, tags, uid, update`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := bindCall(t, c, tt.params); got != tt.want {
				t.Errorf("%s\n got: %s\nwant: %s", tt.params, got, tt.want)
			}
		})
	}
}

// TestRequiredParamMessages: a missing required param is told with what
// to add: its example where it has one, else a placeholder of its type.
func TestRequiredParamMessages(t *testing.T) {
	c := loadTestCrate(t, `summary: x
params:
  packages: {type: list, required: true, example: [curl, git]}
  path: {type: string, required: true}
`)
	got := bindCall(t, c, `{}`)
	want := `pallet.yaml:1:1: crate c needs param packages (list): add it, e.g. packages: [curl, git]`
	if got != want {
		t.Errorf("\n got: %s\nwant: %s", got, want)
	}
	got = bindCall(t, c, `{packages: [a]}`)
	want = `pallet.yaml:1:1: crate c needs param path (string): add path: <text>`
	if got != want {
		t.Errorf("\n got: %s\nwant: %s", got, want)
	}
	none := loadTestCrate(t, "summary: x\n")
	got = bindCall(t, none, `{v: 1}`)
	want = `pallet.yaml:1:5: crate c has no param "v": it takes no params; remove it`
	if got != want {
		t.Errorf("\n got: %s\nwant: %s", got, want)
	}
}

// TestBuiltinParamsSayWhatToWrite: every built-in param with a pattern
// says in words what it allows (pattern_doc), and every required or list
// param has a value to show in messages (an example, a default or an
// enum), so that no built-in crate answers with a regexp or <value>.
func TestBuiltinParamsSayWhatToWrite(t *testing.T) {
	reg := map[string]*Crate{}
	var errs project.ErrorList
	loadCrates(crates.FS, ".", "crates", true, templateFuncs(), reg, &errs)
	if err := errs.Err(); err != nil {
		t.Fatal(err)
	}
	if len(reg) == 0 {
		t.Fatal("no built-in crates")
	}
	for _, name := range sortedKeys(reg) {
		for _, p := range reg[name].Params {
			if p.Pattern != "" && p.PatternDoc == "" {
				t.Errorf("crates/%s/crate.yaml: param %s has a pattern and no pattern_doc: add pattern_doc: <what it must be, in words>", name, p.Name)
			}
			if (p.Required || p.Type == "list") && p.exampleValue() == nil {
				t.Errorf("crates/%s/crate.yaml: param %s (%s) has nothing to show in messages: add example: <a value it takes>", name, p.Name, p.Type)
			}
		}
	}
}

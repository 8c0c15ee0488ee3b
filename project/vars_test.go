package project

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestVarsPrecedence: each level overrides the one below it (project
// vars:, vars_files in order, group vars:, the node's, --var), a var set
// only below shows through, and values keep their YAML type.
func TestVarsPrecedence(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "one.yaml"), []byte("level: vars_file_1\nfrom_file: 1\nport: 8081\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "two.yaml"), []byte("level: vars_file_2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := Parse(filepath.Join(dir, "pallet.yaml"), []byte(`vars:
  level: project
  port: 8080
  debug: false
  pkgs: [curl, git]
  app: {name: shop, replicas: 2}
vars_files: [one.yaml, two.yaml]
groups:
  web:
    vars: {level: group, debug: true}
  db: {}
`), &Env{Home: dir})
	if err != nil {
		t.Fatal(err)
	}
	web, _ := p.Group("web")
	db, _ := p.Group("db")
	nodeVars := map[string]any{"level": "node", "node_only": "n"}
	cli, err := ParseVarFlags([]string{"level=cli", "cli_list=[a, b]"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name     string
		g        *Group
		node     map[string]any
		override map[string]any
		key      string
		want     any
	}{
		{"vars_files over project", db, nil, nil, "level", "vars_file_2"},
		{"first vars file shows through", db, nil, nil, "from_file", 1},
		{"vars file over project, int kept", db, nil, nil, "port", 8081},
		{"group over vars_files", web, nil, nil, "level", "group"},
		{"group bool", web, nil, nil, "debug", true},
		{"other group sees project's", db, nil, nil, "debug", false},
		{"node over group", web, nodeVars, nil, "level", "node"},
		{"--var over node", web, nodeVars, cli, "level", "cli"},
		{"--var list typed", web, nodeVars, cli, "cli_list", []any{"a", "b"}},
		{"project list kept", web, nodeVars, cli, "pkgs", []any{"curl", "git"}},
		{"project map kept", web, nodeVars, cli, "app", map[string]any{"name": "shop", "replicas": 2}},
		{"node-only var", web, nodeVars, cli, "node_only", "n"},
	} {
		got := p.VarsFor(tt.g, tt.node, tt.override)[tt.key]
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %s = %#v, want %#v", tt.name, tt.key, got, tt.want)
		}
	}
}

// TestParseVarFlag: the value is YAML, so it keeps its type; no '=' or a
// dotted key is refused in one line naming the flag.
func TestParseVarFlag(t *testing.T) {
	for _, tt := range []struct {
		in      string
		key     string
		want    any
		wantErr string
	}{
		{in: "port=8080", key: "port", want: 8080},
		{in: "debug=true", key: "debug", want: true},
		{in: "pkgs=[a, b]", key: "pkgs", want: []any{"a", "b"}},
		{in: "name=web=1", key: "name", want: "web=1"},
		{in: "empty=", key: "empty", want: ""},
		{in: "port", wantErr: "--var port: want key=value"},
		{in: "app.port=1", wantErr: "sets top-level vars only"},
		{in: "1x=1", wantErr: `var name "1x"`},
		{in: "x=!!binary aGk=", wantErr: "!!binary"},
	} {
		k, v, err := ParseVarFlag(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%q: error %v, want one containing %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || k != tt.key || !reflect.DeepEqual(v, tt.want) {
			t.Errorf("%q: got %q=%#v, %v; want %q=%#v", tt.in, k, v, err, tt.key, tt.want)
		}
	}
}

// TestVarTagPlaces: !var loads where a param value stands and is refused
// anywhere else, at its line.
func TestVarTagPlaces(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "pallet.yaml")
	if _, err := Parse(file, []byte("groups:\n  web:\n    phases:\n      configure:\n        - package: {packages: !var pkgs}\n"), &Env{Home: dir}); err != nil {
		t.Fatalf("!var as a param value: %v", err)
	}
	for _, tt := range []struct{ yaml, want string }{
		{"admin: {user: !var who}\ngroups: {web: {}}\n", "pallet.yaml:1:15: !var stands only for a whole param value"},
		{"groups:\n  web:\n    phases:\n      configure:\n        - package: {packages: [!var p]}\n", "pallet.yaml:5:32: !var stands only"},
		{"groups:\n  web:\n    phases:\n      configure:\n        - package: {packages: !var 'a..b'}\n", `pallet.yaml:5:31: !var "a..b": want a var's name`},
		{"vars: {x: !var y}\ngroups: {web: {}}\n", "pallet.yaml:1:11: !var stands only"},
	} {
		_, err := Parse(file, []byte(tt.yaml), &Env{Home: dir})
		if err == nil || !strings.Contains(strings.ReplaceAll(err.Error(), dir+"/", ""), tt.want) {
			t.Errorf("%q: error %v, want %q", tt.yaml, err, tt.want)
		}
	}
}

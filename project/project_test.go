package project

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestAdminUser: admin.user wins; without it the admin user is the
// environment's (the user running pallet), decided here for the compiler,
// pallet-run, converge and the providers alike.
func TestAdminUser(t *testing.T) {
	for _, tt := range []struct {
		yaml, envUser, want string
	}{
		{"admin: {user: ops}\ngroups: {web: {}}\n", "alice", "ops"},
		{"groups: {web: {}}\n", "alice", "alice"},
		{"admin: {}\ngroups: {web: {}}\n", "", ""},
	} {
		dir := t.TempDir()
		p, err := Parse(filepath.Join(dir, "pallet.yaml"), []byte(tt.yaml), &Env{User: tt.envUser, Home: dir})
		if err != nil {
			t.Fatal(err)
		}
		if got := p.AdminUser(); got != tt.want {
			t.Errorf("%q with $USER %q: AdminUser() = %q, want %q", tt.yaml, tt.envUser, got, tt.want)
		}
	}
}

// TestCallsAreUnresolved: the model keeps each call as written (crate
// name, place, params) without knowing crates, so a call to a crate that
// does not exist loads; the compiler is the one to say it is not found.
func TestCallsAreUnresolved(t *testing.T) {
	dir := t.TempDir()
	p, err := Parse(filepath.Join(dir, "pallet.yaml"), []byte(`groups:
  web:
    phases:
      configure:
        - no-such-crate
        - other: {x: 1}
`), &Env{Home: dir})
	if err != nil {
		t.Fatal(err)
	}
	calls := p.Groups[0].Phase("configure").Calls
	if len(calls) != 2 {
		t.Fatalf("got %d calls, want 2", len(calls))
	}
	if c := calls[0]; c.Crate != "no-such-crate" || c.Pos.Line != 5 || c.Pos.Col != 11 || c.Params != nil {
		t.Errorf("bare call: %+v", c)
	}
	if c := calls[1]; c.Crate != "other" || c.Pos.Line != 6 || c.Params == nil || len(c.Params.Content) != 2 || c.Params.Content[0].Value != "x" {
		t.Errorf("call with params: %+v", c)
	}
}

// TestErrorsTogether: the project's own errors come back together and in
// file order, with the project as far as it could be read, so that the
// compiler can add the crates' errors to the same list.
func TestErrorsTogether(t *testing.T) {
	dir := t.TempDir()
	p, err := Parse(filepath.Join(dir, "pallet.yaml"), []byte(`providers: {p: {}}
groups:
  "bad name": {}
  web: {image: {os_family: debain}, phases: {configure: [{a: 1, b: 2}]}}
`), &Env{Home: dir})
	if p == nil {
		t.Fatalf("no project with the errors: %v", err)
	}
	var lines []string
	for _, e := range err.(ErrorList) {
		lines = append(lines, strings.TrimPrefix(e.Error(), dir+"/"))
	}
	want := []string{
		`pallet.yaml:1:16: provider p needs a kind (node-list, nspawn or openstack)`,
		`pallet.yaml:3:3: group name "bad name": use letters, digits, '.', '-' and '_'`,
		`pallet.yaml:4:16: group web: image: unknown os_family "debain" (did you mean "debian"?) (families: almalinux, alpine, amzn, arch, centos, debian, fedora, rhel, rocky, ubuntu)`,
		`pallet.yaml:4:58: a crate call is a crate name, or a one-key mapping of crate name → params; got a mapping`,
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if len(p.Groups) != 1 || p.Groups[0].Name != "web" {
		t.Errorf("groups read despite the errors: %+v", p.Groups)
	}
}

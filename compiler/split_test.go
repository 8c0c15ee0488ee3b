package compiler

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/palletops/pallet/project"
)

// testProject builds a project from pallet.yaml text and crate files, all in a
// temp dir.
func testProject(t *testing.T, yamlText string, files map[string]string) (*Project, error) {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		writeTestFile(t, filepath.Join(dir, name), content)
	}
	return Parse(filepath.Join(dir, "pallet.yaml"), []byte(yamlText), &project.Env{User: "deploy", Home: dir})
}

func TestSteps(t *testing.T) {
	tests := []struct {
		name  string
		tmpl  string
		want  []step
		error string
	}{
		{
			name: "check and apply",
			tmpl: "{{ step \"one\" }}\n{{ check }}\ntest -f x\n{{ apply }}\ntouch x\n",
			want: []step{{Crate: "c", Name: "one", Check: "test -f x", Apply: "touch x"}},
		},
		{
			name: "no check",
			tmpl: "# leading comment\n{{ step \"run\" \"it\" }}\necho hi\n",
			want: []step{{Crate: "c", Name: "run it", Apply: "echo hi"}},
		},
		{
			name: "two steps and a use",
			tmpl: "{{ step \"a\" }}\necho a\n{{ use \"inner\" (dict \"v\" \"x y\") }}\n{{ step \"b\" }}\necho b\n",
			want: []step{
				{Crate: "c", Name: "a", Apply: "echo a"},
				{Crate: "c/inner", Name: "inner x y", Apply: "echo 'x y'"},
				{Crate: "c", Name: "b", Apply: "echo b"},
			},
		},
		{
			name: "wait",
			tmpl: "{{ step \"port\" }}\n{{ check }}\ntest -e x\n{{ wait }}\nsleep 1\n",
			want: []step{{Crate: "c", Name: "port", Check: "test -e x", Apply: "sleep 1", Wait: true}},
		},
		{
			name: "diff",
			tmpl: "{{ step \"f\" }}\n{{ check }}\ntest -f x\n{{ diff }}\npallet_diff x <<<y\n{{ apply }}\necho y >x\n",
			want: []step{{Crate: "c", Name: "f", Check: "test -f x", Diff: "pallet_diff x <<<y", Apply: "echo y >x"}},
		},
		{
			name: "apply_checked",
			tmpl: "{{ step \"f\" }}\n{{ check }}\ntest -f x\n{{ apply_checked }}\ntouch x\ntest -f x || exit 98\n",
			want: []step{{Crate: "c", Name: "f", Check: "test -f x", Apply: "touch x\ntest -f x || exit 98", Checked: true}},
		},
		{name: "apply_checked without check", tmpl: "{{ step \"a\" }}\n{{ apply_checked }}\nx\n", error: "has {{ apply_checked }} but no {{ check }}"},
		{name: "diff without check", tmpl: "{{ step \"a\" }}\n{{ diff }}\nd\n{{ apply }}\nx\n", error: "{{ diff }} must come after {{ check }}"},
		{name: "diff after apply", tmpl: "{{ step \"a\" }}\n{{ check }}\ntrue\n{{ apply }}\nx\n{{ diff }}\nd\n", error: "{{ diff }} must come after {{ check }}"},
		{name: "diff without apply", tmpl: "{{ step \"a\" }}\n{{ check }}\ntrue\n{{ diff }}\nd\n", error: "has a check but no {{ apply }}"},
		{name: "diff of a wait", tmpl: "{{ step \"a\" }}\n{{ check }}\ntrue\n{{ diff }}\nd\n{{ wait }}\nsleep 1\n", error: "changes nothing to diff"},
		{name: "wait without check", tmpl: "{{ step \"a\" }}\n{{ wait }}\nsleep 1\n", error: "waits but has no {{ check }}"},
		{name: "wait after apply", tmpl: "{{ step \"a\" }}\n{{ check }}\ntrue\n{{ apply }}\nx\n{{ wait }}\ny\n", error: "{{ wait }} must come after"},
		{name: "text outside a step", tmpl: "echo stray\n{{ step \"a\" }}\necho a\n", error: "text outside a step"},
		{name: "check without apply", tmpl: "{{ step \"a\" }}\n{{ check }}\ntrue\n", error: "has a check but no {{ apply }}"},
		{name: "empty apply", tmpl: "{{ step \"a\" }}\n{{ check }}\ntrue\n{{ apply }}\n", error: "nothing to apply"},
		{name: "commands before check", tmpl: "{{ step \"a\" }}\necho a\n{{ check }}\ntrue\n{{ apply }}\nx\n", error: "has commands before {{ check }}"},
		{name: "unknown crate in use", tmpl: "{{ step \"a\" }}\necho a\n{{ use \"inerr\" }}\n", error: `did you mean "inner"?`},
		{name: "bad param in use", tmpl: "{{ use \"inner\" (dict \"w\" 1) }}\n", error: `crate inner has no param "w"`},
		{name: "unsafe quote", tmpl: "{{ step \"a\" }}\necho {{ quote \"x\" }}\n", error: "quote does not quote for bash"},
		{name: "step name sanitized", tmpl: "{{ step \"a\\nb\\tc\" }}\necho\n", want: []step{{Crate: "c", Name: "a b c", Apply: "echo"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := testProject(t, "crate_paths: [crates]\ngroups:\n  g: {phases: {p: [c]}}\n", map[string]string{
				"crates/c/crate.yaml":          "summary: test\n",
				"crates/c/default.sh.tmpl":     tt.tmpl,
				"crates/inner/crate.yaml":      "summary: inner\nparams:\n  v: {type: string, default: d}\n",
				"crates/inner/default.sh.tmpl": "{{ step \"inner\" .raw.v }}\necho {{ .v }}\n",
			})
			if err != nil {
				t.Fatal(err)
			}
			r := &renderer{p: p, os: mustOS("debian-12"), admin: &adminData{key: p.adminKey}}
			err = r.call(p.reg.crates["c"], "c", Args{})
			if tt.error != "" {
				if err == nil || !strings.Contains(err.Error(), tt.error) {
					t.Fatalf("got %v, want error containing %q", err, tt.error)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, r.steps, cmpopts.IgnoreFields(step{}, "Helpers")); diff != "" {
				t.Errorf("steps (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDeterministic: same input, byte-identical script, also when
// compiled in parallel.
func TestDeterministic(t *testing.T) {
	p := probeProject(t, "x y", []string{"a", "b"})
	var first []byte
	for i := 0; i < 20; i++ {
		scripts, err := p.CompileTargets([]Target{{Group: "probe", Phase: "test"}, {Group: "probe", Phase: "test"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range scripts {
			if first == nil {
				first = s.Text.Bytes()
			} else if string(s.Text.Bytes()) != string(first) {
				t.Fatal("two compiles of the same input differ")
			}
		}
	}
}

// TestRenderCacheAndNodes: one project compiles for many nodes; a crate
// that reads the node's name renders per node, even when cached.
func TestRenderCacheAndNodes(t *testing.T) {
	p, err := testProject(t, "crate_paths: [crates]\ngroups:\n  g: {phases: {p: [named, plain, {wrap: {}}]}}\n", map[string]string{
		"crates/named/crate.yaml":      "summary: reads the node\n",
		"crates/named/default.sh.tmpl": "{{ step \"name\" }}\necho {{ .node.name }}\n",
		"crates/plain/crate.yaml":      "summary: does not\n",
		"crates/plain/default.sh.tmpl": "{{ step \"plain\" }}\necho same\n",
		"crates/wrap/crate.yaml":       "summary: uses named\n",
		"crates/wrap/default.sh.tmpl":  "{{ use \"named\" }}\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, node := range []string{"web-1", "web-2", "web-1"} {
		s, err := p.Compile(Target{Group: "g", Phase: "p", Node: node})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Count(string(s.Text.Bytes()), "echo "+node+"\n"); got != 2 {
			t.Errorf("node %s: its name appears %d times, want 2 (named, and named through wrap):\n%s", node, got, s.Text.Bytes())
		}
	}
}

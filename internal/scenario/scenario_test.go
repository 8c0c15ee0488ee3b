package scenario

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const file = `user with home: false.
-- params.yaml --
name: deploy
home: false
-- node --
web-1
-- cluster --
web web-1 10.0.0.1
db db-1 10.0.1.1
-- oses --
debian-12 alpine-3.20
-- steps/alpine-3.20 --
# helpers: pallet_user_in_groups

# step 1: user: deploy
pallet_apply_1() {
adduser -D -H -- deploy
}
-- steps/debian-12 rocky-9 --
# helpers: none

# step 1: user: deploy
pallet_apply_1() {
useradd -M -- deploy
}
-- error/arch --
params.yaml: no
`

func TestParseFormat(t *testing.T) {
	s, err := Parse("x.txtar", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	want := &Scenario{
		Comment: "user with home: false.\n",
		Params:  "name: deploy\nhome: false\n",
		Node:    "web-1",
		Cluster: []ClusterNode{{"web", "web-1", "10.0.0.1"}, {"db", "db-1", "10.0.1.1"}},
		OSes:    []string{"debian-12", "alpine-3.20"},
		Renders: []Render{
			{OSes: []string{"alpine-3.20"}, Helpers: []string{"pallet_user_in_groups"}, Steps: "# step 1: user: deploy\npallet_apply_1() {\nadduser -D -H -- deploy\n}\n"},
			{OSes: []string{"debian-12", "rocky-9"}, Steps: "# step 1: user: deploy\npallet_apply_1() {\nuseradd -M -- deploy\n}\n"},
			{OSes: []string{"arch"}, Err: "params.yaml: no\n"},
		},
	}
	if diff := cmp.Diff(want, s); diff != "" {
		t.Fatalf("Parse (-want +got):\n%s", diff)
	}
	out, err := s.Format()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(file, string(out)); diff != "" {
		t.Errorf("Format does not give the file back (-want +got):\n%s", diff)
	}
}

func TestParseRefuses(t *testing.T) {
	for name, data := range map[string]string{
		"no params":       "comment\n-- steps/debian-12 --\n# helpers: none\n",
		"unknown section": "-- params.yaml --\n{}\n-- stepz/debian-12 --\n",
		"twice":           "-- params.yaml --\n{}\n-- params.yaml --\n{}\n",
		"no helpers line": "-- params.yaml --\n{}\n-- steps/debian-12 --\n# step 1: x\n",
	} {
		if _, err := Parse("x.txtar", []byte(data)); err == nil {
			t.Errorf("%s: Parse accepted %q", name, data)
		}
	}
}

func TestFormatRefusesMarkerLine(t *testing.T) {
	s := &Scenario{Comment: "c\n", Params: "{}\n", Renders: []Render{{OSes: []string{"debian-12"}, Steps: "echo\n-- x --\n"}}}
	if _, err := s.Format(); err == nil {
		t.Error("Format wrote steps holding a section marker line")
	}
}

func TestGroup(t *testing.T) {
	got := Group([]Result{
		{OS: "rocky-9", Steps: "a\n"},
		{OS: "alpine-3.20", Steps: "b\n", Helpers: []string{"pallet_x"}},
		{OS: "debian-12", Steps: "a\n"},
		{OS: "arch", Steps: "a\n", Helpers: []string{"pallet_x"}},
		{OS: "fedora-41", Err: "e\n"},
	})
	want := []Render{
		{OSes: []string{"alpine-3.20"}, Steps: "b\n", Helpers: []string{"pallet_x"}},
		{OSes: []string{"arch"}, Steps: "a\n", Helpers: []string{"pallet_x"}},
		{OSes: []string{"debian-12", "rocky-9"}, Steps: "a\n"},
		{OSes: []string{"fedora-41"}, Err: "e\n"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Group (-want +got):\n%s", diff)
	}
}

func TestCarve(t *testing.T) {
	script := strings.Join([]string{
		"#!/usr/bin/env bash",
		"# steps: 2",
		"pallet_step() { :; }",
		"",
		"pallet_write_file() { pallet_file_writer; }",
		"",
		"# step 1: file: /etc/x",
		"pallet_check_1() {",
		"pallet_file_is /etc/x 0644 root root </dev/null",
		"}",
		"pallet_apply_1() {",
		"pallet_write_file /etc/x 0644 root root </dev/null",
		"}",
		"",
		"# step 2: exec-script: script",
		"pallet_apply_2() {",
		"my_pallet_file_remove; pallet_not_a_helper",
		"}",
		"",
		"pallet_step 1 file /etc/x pallet_check_1 pallet_apply_1",
		"pallet_step 2 exec-script script '' pallet_apply_2",
		"pallet_done 0",
		"",
	}, "\n")
	steps, helpers, err := Carve([]byte(script))
	if err != nil {
		t.Fatal(err)
	}
	wantSteps := strings.Join([]string{
		"# step 1: file: /etc/x",
		"pallet_check_1() {",
		"pallet_file_is /etc/x 0644 root root </dev/null",
		"}",
		"pallet_apply_1() {",
		"pallet_write_file /etc/x 0644 root root </dev/null",
		"}",
		"",
		"# step 2: exec-script: script",
		"pallet_apply_2() {",
		"my_pallet_file_remove; pallet_not_a_helper",
		"}",
		"",
	}, "\n")
	if diff := cmp.Diff(wantSteps, steps); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	// Only the helpers the steps name: not pallet_file_writer, which a
	// helper calls, nor a word that merely contains a helper's name.
	if diff := cmp.Diff([]string{"pallet_file_is", "pallet_write_file"}, helpers); diff != "" {
		t.Errorf("helpers (-want +got):\n%s", diff)
	}
	if _, _, err := Carve([]byte("#!/usr/bin/env bash\n# step 1: x\npallet_apply_1() { :; }\n")); err == nil {
		t.Error("Carve took a script with no pallet_step line")
	}
	if steps, helpers, err := Carve([]byte("#!/usr/bin/env bash\npallet_done 0\n")); err != nil || steps != "" || helpers != nil {
		t.Errorf("a script with no step: %q %v %v", steps, helpers, err)
	}
}

package lift

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/palletops/pallet/compiler"
	"github.com/palletops/pallet/project"
	"github.com/palletops/pallet/provider"
)

// TestImageOSWarnings: the quickstart's javanode asks for ubuntu 22.04; an
// nspawn node runs debian-12, and lift compiles for that. One warning per
// group names the image's OS, the nodes' and what was compiled; a node
// that runs what the image asks for, a group without an image, and a node
// whose OS is not known yet are no warning.
func TestImageOSWarnings(t *testing.T) {
	dir := t.TempDir()
	p, err := compiler.Parse(filepath.Join(dir, "pallet.yaml"), []byte(`groups:
  javanode:
    image: {os_family: ubuntu, os_version_matches: "22\\.04"}
    phases:
      configure: [{exec-script: {script: "true"}}]
  anyubuntu:
    image: {os_family: ubuntu}
    phases:
      configure: [{exec-script: {script: "true"}}]
  plain:
    phases:
      configure: [{exec-script: {script: "true"}}]
`), &project.Env{User: "deploy", Home: dir})
	if err != nil {
		t.Fatal(err)
	}
	n := func(name, group, os string) provider.Node {
		return provider.Node{ID: name, Name: name, Group: group, OS: os}
	}
	got := ImageOSWarnings(p, []provider.Node{
		n("javanode-1", "javanode", "debian-12"),
		n("javanode-2", "javanode", "ubuntu-22.04"), // what it asks
		n("javanode-3", "javanode", "auto"),         // not probed yet
		n("javanode-4", "javanode", "debian-11"),
		n("javanode-5", "javanode", "debian-12"),
		n("anyubuntu-1", "anyubuntu", "ubuntu-20.04"), // any version will do
		n("anyubuntu-2", "anyubuntu", "rocky-9"),
		n("plain-1", "plain", "alpine-3.20"), // asks for nothing
	})
	want := []string{
		"group javanode: its image asks for ubuntu-22.04 but node(s) javanode-1, javanode-5 run debian-12 and node(s) javanode-4 run debian-11; compiled for debian-12, debian-11",
		"group anyubuntu: its image asks for ubuntu but node(s) anyubuntu-2 run rocky-9; compiled for rocky-9",
	}
	var lines []string
	for _, w := range got {
		lines = append(lines, w.String())
	}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	one := ImageOSWarnings(p, []provider.Node{n("javanode-1", "javanode", "debian-12")})
	if len(one) != 1 || one[0].String() != "group javanode: its image asks for ubuntu-22.04 but node(s) javanode-1 run debian-12; compiled for debian-12" {
		t.Errorf("the quickstart's case: %v", one)
	}
}

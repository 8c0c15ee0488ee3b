package golden

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestREADMEShowsTheQuickstartFile keeps the README's pallet.yaml block the
// file its quick-start commands run against: a newcomer copying it gets
// the same phases the commands expect.
func TestREADMEShowsTheQuickstartFile(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../examples/quickstart/pallet.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const marker = "This is `examples/quickstart/pallet.yaml`"
	_, after, ok := strings.Cut(string(readme), marker)
	if !ok {
		t.Fatalf("README.md no longer says %q before its pallet.yaml block", marker)
	}
	_, block, ok := strings.Cut(after, "```yaml\n")
	if ok {
		block, _, ok = strings.Cut(block, "```\n")
	}
	if !ok {
		t.Fatal("README.md: no ```yaml block after the quickstart marker")
	}
	if diff := cmp.Diff(string(want), block); diff != "" {
		t.Errorf("README.md's pallet.yaml block differs from examples/quickstart/pallet.yaml (-file +README):\n%s", diff)
	}
}

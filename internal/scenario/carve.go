package scenario

import (
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/palletops/pallet/templates"
)

// Carve takes a compiled script apart by the markers the compiler writes:
// the steps are the text from the first "# step 1: " line up to the
// "pallet_step 1 " line that runs them (step functions only; the shared
// header, runtime and helper bodies are left out), and the helpers are
// the helpers in templates/helpers those steps call by name (directly,
// not the helpers those call in turn). A script with no step has no
// steps and no helpers.
func Carve(script []byte) (steps string, helpers []string, err error) {
	text := string(script)
	start := strings.Index(text, "\n# step 1: ")
	if start < 0 {
		if strings.Contains(text, "\npallet_step ") {
			return "", nil, fmt.Errorf("script runs steps but has no \"# step 1: \" marker: the compiled script's layout changed; update scenario.Carve")
		}
		return "", nil, nil
	}
	end := strings.Index(text[start:], "\npallet_step 1 ")
	if end < 0 {
		return "", nil, fmt.Errorf("script has a \"# step 1: \" marker but no \"pallet_step 1 \" line: the compiled script's layout changed; update scenario.Carve")
	}
	steps = strings.TrimRight(text[start+1:start+end], "\n") + "\n"
	return steps, helpersCalled(steps), nil
}

// helpersCalled lists the helpers text names, sorted and once each: a
// helper is a file templates/helpers/<name>.sh, as the compiler has it.
func helpersCalled(text string) []string {
	known := map[string]bool{}
	entries, _ := fs.ReadDir(templates.Helpers, "helpers")
	for _, e := range entries {
		known[strings.TrimSuffix(e.Name(), ".sh")] = true
	}
	found := map[string]bool{}
	isIdent := func(r rune) bool {
		return r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	for _, word := range strings.FieldsFunc(text, func(r rune) bool { return !isIdent(r) }) {
		if known[word] {
			found[word] = true
		}
	}
	out := make([]string, 0, len(found))
	for name := range found {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

package compiler

import (
	"strings"
	"testing"
	"text/template"
	"text/template/parse"
)

// TestFoldMarkers: a template with its marker actions folded prints what
// it printed before, byte for byte, and holds none of the bare ones.
func TestFoldMarkers(t *testing.T) {
	for _, src := range []string{
		`{{ step "a" }}{{ check }}x{{ apply }}y`,
		"{{ step \"a\" }}\n{{ check }}\ntest -e {{ .path }}\n{{- diff }}\nd\n{{ apply }}\n  touch {{ .path }}\n",
		`{{ if .on }}{{ step "w" }}{{ check }}c{{ wait }}{{ else }}{{ step "r" }}{{ apply }}r{{ end }}`,
		`{{ range .list }}{{ step . }}{{ check }}{{ . }}{{ apply }}{{ end }}`,
		`{{ with .path }}{{ step . }}{{ apply }}{{ . }}{{ end }}`,
		`{{ define "x" }}{{ check }}in{{ apply }}{{ end }}{{ step "d" }}{{ template "x" . }}`,
		// Not bare: left to the function.
		`{{ step "v" }}{{ $c := check }}{{ $c }}{{ apply | printf "%s" }}{{ print (wait) }}`,
		`{{- step "t" -}} {{- check -}} c {{- apply -}} a`,
	} {
		data := map[string]any{"path": Word("/a b"), "on": true, "list": []Word{"x", "y'z"}}
		plain := mustParse(t, src)
		folded := mustParse(t, src)
		foldMarkers(folded)
		var want, got strings.Builder
		if err := plain.Execute(&want, data); err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if err := folded.Execute(&got, data); err != nil {
			t.Fatalf("%s folded: %v", src, err)
		}
		if got.String() != want.String() {
			t.Errorf("%s:\nfolded %q\nplain  %q", src, got.String(), want.String())
		}
		for _, tt := range folded.Templates() {
			if n := bareMarker(tt.Root); n != nil {
				t.Errorf("%s: %s still calls %s", src, tt.Name(), n)
			}
		}
	}
}

func mustParse(t *testing.T, src string) *template.Template {
	t.Helper()
	tmpl, err := template.New("t").Option("missingkey=zero").Funcs(templateFuncs()).Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

// bareMarker is the first bare marker action under n, if any.
func bareMarker(n parse.Node) parse.Node {
	switch x := n.(type) {
	case *parse.ListNode:
		if x == nil {
			return nil
		}
		for _, c := range x.Nodes {
			if m := bareMarker(c); m != nil {
				return m
			}
		}
	case *parse.ActionNode:
		if _, ok := markerAction(x); ok {
			return x
		}
	case *parse.IfNode:
		return firstOf(bareMarker(x.List), bareMarker(x.ElseList))
	case *parse.RangeNode:
		return firstOf(bareMarker(x.List), bareMarker(x.ElseList))
	case *parse.WithNode:
		return firstOf(bareMarker(x.List), bareMarker(x.ElseList))
	}
	return nil
}

func firstOf(a, b parse.Node) parse.Node {
	if a != nil {
		return a
	}
	return b
}

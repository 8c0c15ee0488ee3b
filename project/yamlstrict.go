package project

import (
	"bytes"
	"errors"
	"io"
	"path"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// DecodeStrict decodes a YAML mapping node into out (a pointer to a struct
// with yaml tags), reporting every unknown key at its own line and column
// with the nearest known key, and type mismatches at the value's place.
// yaml.v3's KnownFields gives only a line and stops at the first problem;
// `palletc check` wants them all. Fields tagged `yaml:"-"` are skipped.
// It returns false when it added an error.
func DecodeStrict(file string, node *yaml.Node, out any, errs *ErrorList) bool {
	if node == nil || node.Kind == 0 || IsNull(node) {
		return true
	}
	ok := true
	t := reflect.TypeOf(out).Elem()
	if node.Kind != yaml.MappingNode {
		errs.Add(PosOf(file, node), "expected a mapping of %s, got %s", strings.Join(fieldNames(t), "/"), Describe(node))
		return false
	}
	known := fieldNames(t)
	for i := 0; i+1 < len(node.Content); i += 2 {
		k := node.Content[i]
		if !slices.Contains(known, k.Value) {
			errs.Add(PosOf(file, k), "unknown key %q%s (known keys: %s)", Shorten(k.Value), didYouMean(k.Value, known), strings.Join(known, ", "))
			ok = false
		}
	}
	if !ok {
		return false
	}
	if err := node.Decode(out); err != nil {
		addTypeErrors(file, node, err, errs)
		return false
	}
	return true
}

var typeErrLine = regexp.MustCompile(`line (\d+): (.*)`)

func addTypeErrors(file string, node *yaml.Node, err error, errs *ErrorList) {
	if te, ok := err.(*yaml.TypeError); ok {
		for _, m := range te.Errors {
			if sm := typeErrLine.FindStringSubmatch(m); sm != nil {
				line, _ := strconv.Atoi(sm[1])
				errs.Add(Pos{File: file, Line: line}, "wrong type: %s", sm[2])
				continue
			}
			errs.Add(PosOf(file, node), "wrong type: %s", m)
		}
		return
	}
	errs.Add(PosOf(file, node), "%v", err)
}

func fieldNames(t reflect.Type) []string {
	var names []string
	for i := 0; i < t.NumField(); i++ {
		tag := t.Field(i).Tag.Get("yaml")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" || !t.Field(i).IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(t.Field(i).Name)
		}
		names = append(names, name)
	}
	return names
}

// IsNull reports whether n is YAML's null (~, null, or nothing).
func IsNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// Describe names a node's kind for messages: "a list", "a string".
func Describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "nothing"
		case "!!int":
			return "a number (" + n.Value + ")"
		case "!!float":
			return "a number (" + n.Value + ")"
		case "!!bool":
			return "a boolean (" + n.Value + ")"
		}
		return "a string (" + strconv.Quote(n.Value) + ")"
	}
	return "something else"
}

// ParseDocument parses data as one YAML document and checks what yaml.v3
// accepts but pallet must not take silently: a second document (ignored),
// a key given twice (the last would win), tags (!!binary would be read as
// its base64 text, an unknown tag as if it were not there) and merge keys.
// It returns nil, nil for an empty file; any error comes with the
// document nil.
func ParseDocument(file string, data []byte) (*yaml.Node, ErrorList) {
	return parseDocument(file, data, false)
}

// parseDocument is ParseDocument; allowVar lets !var through, for
// pallet.yaml, whose loader then checks that each stands where a param
// value does.
func parseDocument(file string, data []byte, allowVar bool) (*yaml.Node, ErrorList) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, ErrorList{yamlErrorIn(file, data, err)}
	}
	var errs ErrorList
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		errs = append(errs, yamlErrorIn(file, data, err))
	default:
		errs.Add(Pos{File: file, Line: documentLine(data, &next)}, "a second YAML document: %s holds one document; remove the --- line and what follows, or merge it into the first", path.Base(file))
	}
	checkNodes(file, &doc, allowVar, &errs)
	if len(errs) > 0 {
		return nil, errs
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return &doc, nil
}

// documentLine is the line of the --- that starts the document whose
// first node is at n, or n's own line when there is none.
func documentLine(data []byte, n *yaml.Node) int {
	line := n.Line
	if len(n.Content) > 0 {
		line = n.Content[0].Line
	}
	lines := strings.Split(string(data), "\n")
	for l := min(line, len(lines)); l >= 1; l-- {
		if strings.HasPrefix(lines[l-1], "---") {
			return l
		}
	}
	return line
}

// yamlTags are the tags a pallet file may carry, written or implied: the
// plain scalar types, mappings and lists.
var yamlTags = []string{"!!str", "!!int", "!!float", "!!bool", "!!null", "!!timestamp", "!!map", "!!seq"}

// checkNodes walks a document, reporting keys given twice (both places),
// merge keys, keys that are not plain values, and tags pallet does not
// read. Aliases are not followed: what they point at is checked where it
// is defined, so an alias bomb costs nothing here.
func checkNodes(file string, n *yaml.Node, allowVar bool, errs *ErrorList) {
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		checkTag(file, n, allowVar, errs)
		for _, c := range n.Content {
			checkNodes(file, c, allowVar, errs)
		}
	case yaml.MappingNode:
		checkTag(file, n, allowVar, errs)
		var seen map[string]*yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			switch {
			case k.Kind != yaml.ScalarNode:
				errs.Add(PosOf(file, k), "a key must be a plain name, got %s", Describe(k))
			case k.Tag == "!!merge":
				errs.Add(PosOf(file, k), "merge keys (<<) are not supported: write the keys out")
			default:
				if seen == nil {
					seen = make(map[string]*yaml.Node, len(n.Content)/2)
				}
				if first, dup := seen[k.Value]; dup {
					errs.Add(PosOf(file, k), "malformed YAML: mapping key %q already defined at line %d, column %d: keys must be unique, remove or rename one", Shorten(k.Value), first.Line, first.Column)
				} else {
					seen[k.Value] = k
				}
				checkTag(file, k, false, errs)
			}
			checkNodes(file, v, allowVar, errs)
		}
	case yaml.ScalarNode:
		checkTag(file, n, allowVar, errs)
	}
}

func checkTag(file string, n *yaml.Node, allowVar bool, errs *ErrorList) {
	if n.Tag == "" || n.Kind == yaml.DocumentNode || slices.Contains(yamlTags, n.Tag) || allowVar && n.Tag == VarTag {
		return
	}
	if n.Tag == "!!binary" {
		errs.Add(PosOf(file, n), "!!binary values are not supported: pallet would take the base64 text itself; write the value as plain text")
		return
	}
	errs.Add(PosOf(file, n), "YAML tag %q is not supported: pallet reads plain strings, numbers, booleans, lists and mappings; remove the tag", Shorten(n.Tag))
}

// maxKeyInMessage is how much of a name or key an error message repeats.
const maxKeyInMessage = 64

// Shorten cuts s for an error message, so that a 100 KB key gives a
// readable line.
func Shorten(s string) string {
	if len(s) <= maxKeyInMessage {
		return s
	}
	cut := maxKeyInMessage
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

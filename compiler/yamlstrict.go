package compiler

import (
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// DecodeStrict decodes a YAML mapping node into out (a pointer to a struct
// with yaml tags), reporting every unknown key at its own line and column
// with the nearest known key, and type mismatches at the value's place.
// yaml.v3's KnownFields gives only a line and stops at the first problem;
// `palletc check` wants them all. Fields tagged `yaml:"-"` are skipped.
// It returns false when it added an error.
func DecodeStrict(file string, node *yaml.Node, out any, errs *ErrorList) bool {
	if node == nil || node.Kind == 0 || isNull(node) {
		return true
	}
	ok := true
	t := reflect.TypeOf(out).Elem()
	if node.Kind != yaml.MappingNode {
		errs.add(posOf(file, node), "expected a mapping of %s, got %s", strings.Join(fieldNames(t), "/"), describe(node))
		return false
	}
	known := fieldNames(t)
	for i := 0; i+1 < len(node.Content); i += 2 {
		k := node.Content[i]
		if !contains(known, k.Value) {
			errs.add(posOf(file, k), "unknown key %q%s (known keys: %s)", k.Value, didYouMean(k.Value, known), strings.Join(known, ", "))
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
				errs.add(Pos{File: file, Line: line}, "wrong type: %s", sm[2])
				continue
			}
			errs.add(posOf(file, node), "wrong type: %s", m)
		}
		return
	}
	errs.add(posOf(file, node), "%v", err)
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

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// describe names a node's kind for messages: "a list", "a string".
func describe(n *yaml.Node) string {
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

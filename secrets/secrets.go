// Package secrets keeps a project's secrets: a YAML map of name → value,
// encrypted with age (filippo.io/age) to the user's identity and to the
// recipients pallet.yaml lists. It decrypts and encrypts that file only in
// memory, finds the identity to use, and redacts secret values out of any
// text pallet prints or writes.
package secrets

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// MinValueLen is the shortest secret value accepted, in bytes. A value
// shorter than this cannot be redacted without wrecking every log it
// appears in (a secret "1" would turn every digit 1 into a placeholder, and
// the placeholders would then tell the secret); it is also too short to be
// a secret worth keeping.
const MinValueLen = 4

// maxPlaintextBytes bounds a decrypted secrets file: far above any real
// set of secrets, there so that a wrong file is an error, not memory growth.
const maxPlaintextBytes = 16 << 20

var nameRE = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// maxNameLen bounds a secret's name: it becomes a template key and a
// placeholder in logs.
const maxNameLen = 64

// Values are decrypted secrets by name. They live only in memory.
type Values map[string]string

// Names lists the secrets' names, sorted.
func (v Values) Names() []string {
	names := make([]string, 0, len(v))
	for n := range v {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Placeholder is what a secret's value is shown as: in `palletc render`
// output without --show-secrets, and wherever a Redactor found it.
func Placeholder(name string) string { return "<secret:" + name + ">" }

// Placeholders is Values with each value replaced by its placeholder: the
// data a render that does not show secrets uses in their place.
func (v Values) Placeholders() Values {
	p := make(Values, len(v))
	for n := range v {
		p[n] = Placeholder(n)
	}
	return p
}

// CheckName reports whether name can name a secret.
func CheckName(name string) error {
	if len(name) > maxNameLen {
		return fmt.Errorf("secret name %q is %d characters long: at most %d", name[:maxNameLen]+"…", len(name), maxNameLen)
	}
	if !nameRE.MatchString(name) {
		return fmt.Errorf("secret name %q: use lower-case letters, digits and '_', starting with a letter or '_' (e.g. db_password)", name)
	}
	return nil
}

// CheckValue reports whether value can be a secret's value. The error
// never holds the value.
func CheckValue(name, value string) error {
	if len(value) < MinValueLen {
		return fmt.Errorf("secret %s is %d bytes long: at least %d, or it cannot be kept out of logs", name, len(value), MinValueLen)
	}
	return nil
}

// parsePlaintext reads a decrypted secrets file: a YAML map of name →
// string. Its errors name lines, never values: the text is secret.
func parsePlaintext(data []byte) (Values, error) {
	if len(data) > maxPlaintextBytes {
		return nil, fmt.Errorf("too large (%d bytes; the limit is %d)", len(data), maxPlaintextBytes)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("not YAML: %s", yamlErrorLine(err))
	}
	v := Values{}
	if doc.Kind == 0 {
		return v, nil // an empty file: no secrets yet
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return v, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: want a map of secret name → value (db_password: ...)", root.Line)
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, val := root.Content[i], root.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("line %d: a secret's name must be a plain word", k.Line)
		}
		if err := CheckName(k.Value); err != nil {
			return nil, fmt.Errorf("line %d: %v", k.Line, err)
		}
		if _, dup := v[k.Value]; dup {
			return nil, fmt.Errorf("line %d: secret %s is set twice", k.Line, k.Value)
		}
		if val.Kind != yaml.ScalarNode || val.Tag == "!!null" {
			return nil, fmt.Errorf("line %d: secret %s must be a string (quote it, or use | for several lines)", val.Line, k.Value)
		}
		if err := CheckValue(k.Value, val.Value); err != nil {
			return nil, fmt.Errorf("line %d: %v", val.Line, err)
		}
		v[k.Value] = val.Value
	}
	return v, nil
}

// yamlErrorLine keeps the line of a YAML error and drops the rest, which
// may quote the secret text it choked on.
func yamlErrorLine(err error) string {
	m := regexp.MustCompile(`line (\d+)`).FindStringSubmatch(err.Error())
	if m == nil {
		return "malformed (check indentation and quoting)"
	}
	return "line " + m[1] + ": malformed (check indentation and quoting)"
}

// marshalPlaintext is the secrets file's plaintext: a YAML map sorted by
// name, multi-line values as literal blocks.
func marshalPlaintext(v Values) ([]byte, error) {
	root := &yaml.Node{Kind: yaml.MappingNode}
	for _, n := range v.Names() {
		val := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v[n]}
		if strings.Contains(v[n], "\n") {
			val.Style = yaml.LiteralStyle
		}
		root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: n}, val)
	}
	if len(root.Content) == 0 {
		return []byte("{}\n"), nil
	}
	return yaml.Marshal(root)
}

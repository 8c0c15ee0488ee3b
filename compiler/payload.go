package compiler

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/template"
	"unicode/utf8"

	"github.com/palletops/pallet/internal/regularfile"
	"github.com/palletops/pallet/project"
	"github.com/palletops/pallet/secrets"
)

// InlineLimit is the most bytes of content a script holds as text (printf
// '%s' 'content'). Larger content, content that is not UTF-8 text or holds
// a NUL byte (no bash string can), and secret content travel beside the
// script as a payload instead.
const InlineLimit = 16 << 10

// MaxSourceBytes bounds a project file a file param reads. Project files
// are held in memory, whole, from compile to upload: the bound is there so
// that a path naming a huge file by mistake is an error instead of memory
// growing until the machine gives up.
const MaxSourceBytes = 1 << 30

// Payload is content a script writes to the node that travels beside the
// script rather than in it: the runner uploads it into the script's upload
// directory, in the same SFTP session, and `palletc build` writes it beside
// the script. The script names it by sha256 only (pallet_payload SHA256),
// and refuses it when its content has another sha256, so the script's own
// sha256 pins its payloads too.
type Payload struct {
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	// Secret content always travels as a payload, never in the script's
	// text, so that it is in no script, render output or log.
	Secret bool `json:"secret,omitempty"`
	// Salt is set for a secret payload: SHA256 is then sha256(Salt ||
	// content), never the content's own (see saltedPin), and
	// pallet_payload checks it so.
	Salt string `json:"salt,omitempty"`
	Data []byte `json:"-"`
}

// PayloadFileName is the name of the payload with that sha256 beside its
// script, on the node and in a build: <sha256>.payload.
func PayloadFileName(sha string) string { return sha + ".payload" }

// FileName is the payload's name beside its script.
func (p *Payload) FileName() string { return PayloadFileName(p.SHA256) }

// IsSHA256 reports whether s is a sha256 as pallet writes one: 64
// lower-case hex digits.
func IsSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !('0' <= s[i] && s[i] <= '9' || 'a' <= s[i] && s[i] <= 'f') {
			return false
		}
	}
	return true
}

// ProjectFile is the value of a file param: a file of the project, named
// relative to the directory of pallet.yaml and read by the compiler, any
// bytes, binary included. Printed by a template it is its path, quoted.
type ProjectFile struct {
	Path   string // as written, relative to the project directory
	Data   []byte
	SHA256 string
}

// String is the file's path quoted for bash.
func (f *ProjectFile) String() string { return Quote(f.Path) }

// MarshalJSON is the path: `use` passes a file param on by its path, and
// the crate used reads it again (from the project's cache).
func (f *ProjectFile) MarshalJSON() ([]byte, error) { return json.Marshal(f.Path) }

// Content is bytes from elsewhere than a param that a template may write
// to the node with .bytes.Of: a secret, for one. Secret content is always
// a payload, never inline.
type Content struct {
	Data   []byte
	Secret bool
}

// projectFile reads a file param's file, relative to the project
// directory, once per project. Through an os.Root: a symlink is followed
// only while it stays inside the project directory, and `..` or an
// absolute path leading out is refused, so nothing from outside the project
// can end up on a node. Only a regular file is read (a FIFO cannot hang the
// compile), of at most MaxSourceBytes.
func (p *Project) projectFile(name string) (*ProjectFile, error) {
	if v, ok := p.files.Load(name); ok {
		return v.(*ProjectFile), nil
	}
	rel, err := p.projectRel(name)
	if err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(p.Dir)
	if err != nil {
		return nil, fmt.Errorf("cannot open the project directory: %v", unwrapPathError(err))
	}
	defer root.Close()
	f, err := root.OpenFile(rel, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		err = unwrapPathError(err)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("%s: no such file (a source is relative to the directory of %s)", name, p.File)
		case strings.Contains(err.Error(), "escapes from parent"):
			return nil, fmt.Errorf("%s: a symlink that leads outside the project directory: pallet reads files only inside the directory of pallet.yaml; copy the file in", name)
		}
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	defer f.Close()
	data, err := regularfile.ReadFrom(f, MaxSourceBytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	sum := sha256.Sum256(data)
	pf := &ProjectFile{Path: name, Data: data, SHA256: hex.EncodeToString(sum[:])}
	v, _ := p.files.LoadOrStore(name, pf)
	return v.(*ProjectFile), nil
}

// projectRel is name relative to the project directory, or why it is not
// inside it.
func (p *Project) projectRel(name string) (string, error) {
	if name == "" {
		return "", errors.New("empty path: name a file relative to the directory of pallet.yaml")
	}
	rel := name
	if filepath.IsAbs(name) {
		dir, err := filepath.Abs(p.Dir)
		if err == nil {
			rel, err = filepath.Rel(dir, name)
		}
		if err != nil {
			return "", fmt.Errorf("%s: %v", name, err)
		}
	}
	rel = filepath.Clean(rel)
	if rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%s is outside the project directory: pallet reads files only inside the directory of pallet.yaml; copy the file in", name)
	}
	if rel == "." {
		return "", fmt.Errorf("%s is the project directory, not a file", name)
	}
	return rel, nil
}

// bytesData is .bytes in templates: it turns a value into Data, content
// the script writes to the node, inline or as a payload.
type bytesData struct{ r *renderer }

// Of is the content of v: a string param's value, a file param's bytes, or
// a Content; nil (a param left out) is empty.
func (b *bytesData) Of(v any) (*Data, error) {
	d := &Data{r: b.r}
	switch x := v.(type) {
	case nil:
	case string:
		d.data = []byte(x)
	case Word:
		d.data = []byte(x)
	case *ProjectFile:
		d.data, d.sha = x.Data, x.SHA256
	case *Content:
		d.data, d.secret = x.Data, x.Secret
	case *Data:
		return x, nil // rendered already (.bytes.Template)
	default:
		return nil, fmt.Errorf("bytes.Of takes a string, a file param or content, not %T", v)
	}
	if d.secret {
		d.salt, d.sha = saltedPin(d.data)
	}
	if d.sha == "" {
		sum := sha256.Sum256(d.data)
		d.sha = hex.EncodeToString(sum[:])
	}
	return d, nil
}

// Data is content a template writes to the node (.bytes.Of). Its Stdin
// feeds it to a command: inline when small text, else as a payload.
type Data struct {
	r      *renderer
	data   []byte
	sha    string
	secret bool
	// salt is set for secret content: sha is then sha256(salt ||
	// content), not the content's own (see saltedPin).
	salt string
}

// SHA256 is the content's sha256, lower-case hex: what a check compares
// the node's file with (pallet_file_sha256_is PATH SHA256 SALT). For
// secret content it is sha256(Salt || content).
func (d *Data) SHA256() string { return d.sha }

// Salt is "" or, for secret content, the salt its SHA256 is taken with:
// a check passes it as pallet_file_sha256_is's third word.
func (d *Data) Salt() string { return d.salt }

// Secret reports whether the content is secret: a payload, pinned by a
// salted sha256, and never shown by --diff.
func (d *Data) Secret() bool { return d.secret }

// Size is the content's length in bytes.
func (d *Data) Size() int { return len(d.data) }

// Inline reports whether the content goes into the script as text: not
// secret, at most InlineLimit bytes, UTF-8 without NUL. A check may then
// compare it byte for byte; otherwise only by sha256, since a payload is
// there for apply only.
func (d *Data) Inline() bool {
	return !d.secret && len(d.data) <= InlineLimit && utf8.Valid(d.data) && bytes.IndexByte(d.data, 0) < 0
}

// Stdin is a redirection that gives a command the content on its stdin:
// <<<'content' when inline and ending in a newline (the here-string adds
// it; bash writes it into a pipe itself, where a process substitution
// forks a process for printf), < <(printf '%s' 'content') for other inline
// content, else <"$(pallet_payload SHA)", which fails the step when the
// payload is missing or changed. A payload may be used only after
// {{ apply }}: check mode does not upload payloads.
func (d *Data) Stdin() string {
	if d.Inline() {
		if n := len(d.data); n > 0 && d.data[n-1] == '\n' {
			return "<<<" + Quote(string(d.data[:n-1]))
		}
		return "< <(printf '%s' " + Quote(string(d.data)) + ")"
	}
	if d.r.payloads == nil {
		d.r.payloads = map[string]*Payload{}
	}
	if old, ok := d.r.payloads[d.sha]; ok {
		old.Secret = old.Secret || d.secret
	} else {
		d.r.payloads[d.sha] = &Payload{SHA256: d.sha, Salt: d.salt, Size: int64(len(d.data)), Secret: d.secret, Data: d.data}
	}
	return markPayload + d.sha + markEnd
}

// payloadRef is the script text that reads the payload p.
func payloadRef(p *Payload) string {
	if p.Salt != "" {
		return `<"$(pallet_payload ` + p.SHA256 + ` ` + p.Salt + `)"`
	}
	return `<"$(pallet_payload ` + p.SHA256 + `)"`
}

// parsedTemplate is a project file parsed as a template (the template
// crate's source), with what executing it may read.
type parsedTemplate struct {
	t            *template.Template
	readsNode    bool // .node, .group or .groups: renders per node
	readsSecrets bool // .secrets: the content is secret
	// secretNames are the secrets the text names (.secrets.NAME, index
	// .secrets "NAME"), and firstSecret where it first does: what stands
	// in for the secrets when they cannot be decrypted (see
	// templateSecrets).
	secretNames []string
	firstSecret project.Pos
}

// projectTemplate parses a project file as a text/template with the
// params' functions (the safe sprig subset), once per project and content.
// Its errors are at the file's line.
func (p *Project) projectTemplate(f *ProjectFile) (*parsedTemplate, error) {
	key := f.Path + "\x00" + f.SHA256
	if v, ok := p.templates.Load(key); ok {
		return v.(*parsedTemplate), nil
	}
	if !utf8.Valid(f.Data) || bytes.IndexByte(f.Data, 0) >= 0 {
		return nil, &project.Error{Pos: project.Pos{File: f.Path}, Msg: "not a text file (it holds a NUL byte or is not UTF-8): a template must be text; use the file crate's source: for other files"}
	}
	t, err := template.New(f.Path).Option("missingkey=error").Funcs(p.paramFuncs).Parse(string(f.Data))
	if err != nil {
		return nil, templateFileError(f.Path, err)
	}
	pt := &parsedTemplate{t: t, readsNode: readsKeys(t, "node", "group", "groups"), readsSecrets: readsKeys(t, "secrets")}
	if pt.readsSecrets {
		pt.secretNames, pt.firstSecret = secretNames(t)
		pt.firstSecret.File = f.Path
	}
	v, _ := p.templates.LoadOrStore(key, pt)
	return v.(*parsedTemplate), nil
}

// templateFileError places a template file's error at the file's line:
// files/app.conf:3:7: ...
func templateFileError(file string, err error) *project.Error {
	pe := templateErrorAt(file, err)
	if pe.Pos.File != file {
		// text/template names the template, which is the file's path.
		pe.Pos = project.Pos{File: file, Line: pe.Pos.Line, Col: pe.Pos.Col}
	}
	return pe
}

// Template is the content of a project file rendered as a text/template
// over .vars, .node, .group, .groups and .secrets, for the node compiled
// for: what the template crate writes. The rendered text is data: the
// crate writes it to a file and never runs it. Content that read .secrets
// is secret (always a payload) unless the project renders placeholders or
// shows secrets (SecretMode).
func (b *bytesData) Template(v any) (*Data, error) {
	f, ok := v.(*ProjectFile)
	if !ok {
		return nil, fmt.Errorf("bytes.Template takes a file param, not %T", v)
	}
	r := b.r
	pt, err := r.p.projectTemplate(f)
	if err != nil {
		return nil, err
	}
	if pt.readsNode {
		r.readNode = true // the render cache keeps it per node
	}
	var sec map[string]any
	secret := false
	if pt.readsSecrets {
		vals, note, err := r.p.templateSecrets(pt)
		if err != nil {
			return nil, err
		}
		if note != "" {
			r.secretsNote = note // the script's header says so
		}
		sec = make(map[string]any, len(vals))
		for k, v := range vals {
			sec[k] = v
		}
		secret = r.p.secretMode == SecretsReal && len(vals) > 0
	}
	data := templateData(r.vars, r.nd, r.cluster, r.group, sec)
	if sec == nil {
		data["secrets"] = map[string]any{} // read nowhere (readsSecrets says so); kept for messages
	}
	var out bytes.Buffer
	if err := pt.t.Execute(&out, data); err != nil {
		pe := templateFileError(f.Path, err)
		pe.Msg = explainTemplateError(err, data)
		return nil, redactIn(pe, sec, secret)
	}
	if i := bytes.Index(out.Bytes(), []byte("<no value>")); i >= 0 {
		line := 1 + bytes.Count(out.Bytes()[:i], []byte("\n"))
		return nil, &project.Error{Pos: project.Pos{File: f.Path}, Msg: fmt.Sprintf("the template printed <no value> (on output line %d): a var or key it reads holds nothing (null); give it a value", line)}
	}
	d := &Data{r: r, data: out.Bytes(), secret: secret}
	if secret {
		d.salt, d.sha = saltedPin(d.data)
	} else {
		sum := sha256.Sum256(d.data)
		d.sha = hex.EncodeToString(sum[:])
	}
	return d, nil
}

// redactIn keeps secret values out of an error about a template that read
// them (text/template quotes values in some errors).
func redactIn(pe *project.Error, sec map[string]any, secret bool) *project.Error {
	if !secret {
		return pe
	}
	vals := secrets.Values{}
	for k, v := range sec {
		vals[k], _ = v.(string)
	}
	pe.Msg = secrets.NewRedactor(vals).Redact(pe.Msg)
	pe.Err = nil
	return pe
}

// saltedPin pins secret content: a random 128-bit salt, made anew for
// every rendering, and sha256(salt || content), both in lower-case hex.
// The script holds the pin, never the content's own sha256: a sha256 of a
// short password in a script is the password to anyone who tries the
// likely ones, and would say when two scripts (or two runs) hold the same
// secret. The salt is in the script too, so the pin does not stop a
// guesser who has the script; what it stops is a precomputed table and
// matching across scripts and runs. Such a script exists only where its
// payload does (the node's private upload directory, a build's 0600 files)
// and says no more than the payload beside it.
func saltedPin(data []byte) (salt, pin string) {
	var s [16]byte
	if _, err := rand.Read(s[:]); err != nil {
		panic("crypto/rand failed: " + err.Error()) // the OS has no randomness: nothing is safe to do
	}
	salt = hex.EncodeToString(s[:])
	return salt, PayloadPin(salt, data)
}

// PayloadPin is what a payload's SHA256 must be for data: sha256(salt ||
// data), which with no salt is data's own sha256.
func PayloadPin(salt string, data []byte) string {
	h := sha256.New()
	h.Write([]byte(salt))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

// Diff is the command for a step's {{ diff }} part that prints how the
// file at path (a param, or a string: it is quoted) would change to this
// content: a unified diff when the content is inline; when it is a payload
// (which check mode does not upload), its size and sha256 against the
// file's; for secret content only that it changed.
func (d *Data) Diff(path any) string {
	p := quoteAny(path)
	switch {
	case d.secret:
		return "pallet_diff " + p + " sum " + d.sha + " " + strconv.Itoa(len(d.data)) + " secret"
	case d.Inline():
		return "pallet_diff " + p + " " + d.Stdin()
	}
	return "pallet_diff " + p + " sum " + d.sha + " " + strconv.Itoa(len(d.data))
}

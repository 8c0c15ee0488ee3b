package compiler

import (
	"bytes"
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
	"unicode/utf8"

	"github.com/palletops/pallet/internal/regularfile"
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
	Secret bool   `json:"secret,omitempty"`
	Data   []byte `json:"-"`
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
	default:
		return nil, fmt.Errorf("bytes.Of takes a string, a file param or content, not %T", v)
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
}

// SHA256 is the content's sha256, lower-case hex: what a check compares
// the node's file with (pallet_file_sha256_is).
func (d *Data) SHA256() string { return d.sha }

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
// < <(printf '%s' 'content') when inline, else <"$(pallet_payload SHA)",
// which fails the step when the payload is missing or changed. A payload
// may be used only after {{ apply }}: check mode does not upload payloads.
func (d *Data) Stdin() string {
	if d.Inline() {
		return "< <(printf '%s' " + Quote(string(d.data)) + ")"
	}
	if d.r.payloads == nil {
		d.r.payloads = map[string]*Payload{}
	}
	if old, ok := d.r.payloads[d.sha]; ok {
		old.Secret = old.Secret || d.secret
	} else {
		d.r.payloads[d.sha] = &Payload{SHA256: d.sha, Size: int64(len(d.data)), Secret: d.secret, Data: d.data}
	}
	return markPayload + d.sha + markEnd
}

// Secret reports whether the content is secret: it is never inline, and
// --diff never shows it.
func (d *Data) Secret() bool { return d.secret }

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

// payloadRef is the script text that reads the payload with that sha256.
func payloadRef(sha string) string { return `<"$(pallet_payload ` + sha + `)"` }

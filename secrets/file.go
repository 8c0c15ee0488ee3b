package secrets

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"
	"filippo.io/age/armor"

	"github.com/palletops/pallet/internal/atomicfile"
	"github.com/palletops/pallet/internal/regularfile"
)

// maxFileBytes bounds an encrypted secrets file.
const maxFileBytes = 32 << 20

// File is a project's secrets file: where it is and who besides the
// identity writing it may read it.
type File struct {
	Path string // resolved against pallet.yaml's directory
	Name string // as pallet.yaml writes it, for messages
	// Recipients are secrets_recipients: the team members a written file is
	// encrypted to as well as the writer's own identity.
	Recipients []age.Recipient
}

// ParseRecipients reads one secrets_recipients entry: an age public key
// (age1...), or else the path of a recipients file (one key a line, #
// comments), relative to dir.
func ParseRecipients(entry, dir string) ([]age.Recipient, error) {
	if strings.HasPrefix(entry, "age1") {
		rs, err := age.ParseRecipients(strings.NewReader(entry))
		if err != nil {
			return nil, fmt.Errorf("%q is not an age public key: %v", entry, err)
		}
		return rs, nil
	}
	path := entry
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	data, err := regularfile.Read(path, maxIdentityBytes)
	if err != nil {
		if pe, ok := err.(*fs.PathError); ok {
			err = pe.Err
		}
		return nil, fmt.Errorf("recipients file %s: %v (an entry is an age1... public key or a file of them)", entry, err)
	}
	rs, err := age.ParseRecipients(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("recipients file %s: %v", entry, err)
	}
	return rs, nil
}

// ErrNoFile is wrapped by Decrypt's error when the secrets file does not
// exist (yet).
var ErrNoFile = errors.New("no secrets file")

// Decrypt reads and decrypts the file. A missing file is an error that
// says how to make one.
func (f *File) Decrypt(id *Identity) (Values, error) {
	v, exists, err := f.read(id)
	if err != nil {
		return nil, err
	}
	if !exists {
		return nil, fmt.Errorf("%w: %s does not exist; create it with `palletc secrets set NAME`", ErrNoFile, f.Name)
	}
	return v, nil
}

// read decrypts the file; a missing file is no secrets yet.
func (f *File) read(id *Identity) (v Values, exists bool, err error) {
	data, err := regularfile.Read(f.Path, maxFileBytes)
	if errors.Is(err, fs.ErrNotExist) {
		return Values{}, false, nil
	}
	if err != nil {
		if pe, ok := err.(*fs.PathError); ok {
			err = pe.Err
		}
		return nil, true, fmt.Errorf("secrets file %s: %v", f.Name, err)
	}
	var src io.Reader = bytes.NewReader(data)
	if bytes.HasPrefix(data, []byte(armor.Header)) {
		src = armor.NewReader(src)
	}
	r, err := age.Decrypt(src, id.ids...)
	if err != nil {
		var nomatch *age.NoIdentityMatchError
		if errors.As(err, &nomatch) {
			return nil, true, fmt.Errorf("secrets file %s cannot be decrypted with identity %s: it is encrypted to other keys; ask someone who can read it to add your recipient to secrets_recipients and run `palletc secrets edit`, or set $%s to the right identity",
				f.Name, id.describe(), IdentityEnv)
		}
		return nil, true, fmt.Errorf("secrets file %s cannot be decrypted with identity %s: %v (is it an age file?)", f.Name, id.describe(), err)
	}
	plain, err := io.ReadAll(io.LimitReader(r, maxPlaintextBytes+1))
	if err != nil {
		return nil, true, fmt.Errorf("secrets file %s cannot be decrypted with identity %s: %v", f.Name, id.describe(), err)
	}
	defer clear(plain)
	v, err = parsePlaintext(plain)
	if err != nil {
		return nil, true, fmt.Errorf("secrets file %s (decrypted): %v", f.Name, err)
	}
	return v, true, nil
}

// recipients are who a written file is encrypted to: the identity itself,
// so that the writer can read it back, and secrets_recipients.
func (f *File) recipients(id *Identity) []age.Recipient {
	var rs []age.Recipient
	seen := map[string]bool{}
	for _, r := range append(id.Recipients(), f.Recipients...) {
		if s, ok := r.(fmt.Stringer); ok {
			if seen[s.String()] {
				continue
			}
			seen[s.String()] = true
		}
		rs = append(rs, r)
	}
	return rs
}

// Write encrypts v and writes it over the file, atomically, mode 0600.
// The plaintext exists only in memory.
func (f *File) Write(id *Identity, v Values) error {
	for _, n := range v.Names() {
		if err := CheckName(n); err != nil {
			return err
		}
		if err := CheckValue(n, v[n]); err != nil {
			return err
		}
	}
	rs := f.recipients(id)
	if len(rs) == 0 {
		return fmt.Errorf("secrets file %s: no recipient to encrypt to (identity %s has no usable key)", f.Name, id.Source)
	}
	plain, err := marshalPlaintext(v)
	if err != nil {
		return err
	}
	defer clear(plain)
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, rs...)
	if err != nil {
		return fmt.Errorf("secrets file %s: %v", f.Name, err)
	}
	if _, err := w.Write(plain); err != nil {
		return fmt.Errorf("secrets file %s: %v", f.Name, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("secrets file %s: %v", f.Name, err)
	}
	return atomicfile.Write(f.Path, buf.Bytes(), 0o600)
}

// Set sets one secret: decrypt (if the file exists), set, re-encrypt,
// write.
func (f *File) Set(id *Identity, name, value string) error {
	if err := CheckName(name); err != nil {
		return err
	}
	if err := CheckValue(name, value); err != nil {
		return err
	}
	v, _, err := f.read(id)
	if err != nil {
		return err
	}
	v[name] = value
	return f.Write(id, v)
}

// Names lists the secrets' names; a missing file has none.
func (f *File) Names(id *Identity) ([]string, error) {
	v, _, err := f.read(id)
	if err != nil {
		return nil, err
	}
	return v.Names(), nil
}

// ErrNoMemoryFS is wrapped by Edit's error when no memory-backed
// directory is there to hold the plaintext while the editor runs.
var ErrNoMemoryFS = errors.New("no memory-backed file system")

// Edit decrypts the file, lets edit change the plaintext in a file, and
// re-encrypts what it leaves there. An editor needs a file, so this is the
// one place plaintext touches a file system: a 0600 file in a 0700
// directory on a memory-backed one (tmpfs: /dev/shm, or $XDG_RUNTIME_DIR),
// removed before Edit returns. Without one Edit refuses (ErrNoMemoryFS).
// When the edited text is not a valid secrets map nothing is written.
func (f *File) Edit(id *Identity, runtimeDir string, edit func(path string) error) error {
	v, _, err := f.read(id)
	if err != nil {
		return err
	}
	cands := []string{"/dev/shm"}
	if runtimeDir != "" {
		cands = append(cands, runtimeDir)
	}
	base, err := memoryDir(cands)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp(base, "pallet-secrets-")
	if err != nil {
		return fmt.Errorf("%v", err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("%v", err)
	}
	plain, err := marshalPlaintext(v)
	if err != nil {
		return err
	}
	if len(v) == 0 {
		plain = []byte("# one secret a line, name: value (use | for several lines), e.g.\n# db_password: correct-horse-battery\n")
	}
	path := filepath.Join(dir, "secrets.yaml")
	err = os.WriteFile(path, plain, 0o600)
	clear(plain)
	if err != nil {
		return fmt.Errorf("%v", err)
	}
	if err := edit(path); err != nil {
		return fmt.Errorf("the editor failed, nothing was written: %v", err)
	}
	edited, err := regularfile.Read(path, maxPlaintextBytes)
	if err != nil {
		return fmt.Errorf("reading the edited text: %v", err)
	}
	defer clear(edited)
	nv, err := parsePlaintext(edited)
	if err != nil {
		return fmt.Errorf("the edited text, %v; nothing was written", err)
	}
	return f.Write(id, nv)
}

// memoryDir is the first of cands that is memory-backed: where the
// plaintext an editor works on may be.
func memoryDir(cands []string) (string, error) {
	for _, d := range cands {
		if isMemoryFS(d) {
			return d, nil
		}
	}
	return "", fmt.Errorf("%w (tried %s): the plaintext would land on disk; use `palletc secrets set NAME` instead", ErrNoMemoryFS, strings.Join(cands, ", "))
}

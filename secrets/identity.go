package secrets

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"

	"github.com/palletops/pallet/internal/atomicfile"
	"github.com/palletops/pallet/internal/regularfile"
)

// IdentityEnv is the environment variable that names the age identity:
// either the key itself (a value starting with AGE-SECRET-KEY-) or the
// path of an identity file.
const IdentityEnv = "PALLET_AGE_IDENTITY"

// DefaultIdentityFile is where the identity is looked for when
// $PALLET_AGE_IDENTITY is not set, under the user's home.
const DefaultIdentityFile = ".config/pallet/age/identity.txt"

// maxIdentityBytes bounds an identity file: a few keys of ~75 bytes.
const maxIdentityBytes = 64 << 10

// Identity is the age identity (one or more keys) pallet decrypts with,
// and where it came from, for messages.
type Identity struct {
	// Source says where the identity was found, without its content:
	// "$PALLET_AGE_IDENTITY" for a key in the environment, else the path
	// of the identity file.
	Source string
	ids    []age.Identity
}

// ErrNoIdentity is wrapped by FindIdentity's error when there is no
// identity at all.
var ErrNoIdentity = errors.New("no age identity")

// FindIdentity finds the identity: $PALLET_AGE_IDENTITY (envValue) when
// set, else ~/.config/pallet/age/identity.txt under home.
func FindIdentity(envValue, home string) (*Identity, error) {
	if envValue != "" {
		if strings.HasPrefix(envValue, "AGE-SECRET-KEY-") {
			ids, err := age.ParseIdentities(strings.NewReader(envValue))
			if err != nil {
				// age's parse errors never quote the key.
				return nil, fmt.Errorf("$%s holds a key that is not a valid age identity: %v", IdentityEnv, err)
			}
			return &Identity{Source: "$" + IdentityEnv, ids: ids}, nil
		}
		return readIdentityFile(envValue, "$"+IdentityEnv+" names ")
	}
	path := DefaultIdentityPath(home)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: $%s is not set and %s does not exist; make one with `palletc secrets init` or `age-keygen -o %s`, or set $%s to an identity file or an AGE-SECRET-KEY-1... key",
			ErrNoIdentity, IdentityEnv, path, path, IdentityEnv)
	}
	return readIdentityFile(path, "")
}

// DefaultIdentityPath is DefaultIdentityFile under home.
func DefaultIdentityPath(home string) string { return filepath.Join(home, DefaultIdentityFile) }

func readIdentityFile(path, how string) (*Identity, error) {
	data, err := regularfile.Read(path, maxIdentityBytes)
	if err != nil {
		if pe, ok := err.(*fs.PathError); ok {
			err = pe.Err
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %sidentity file %s, which does not exist; make one with `age-keygen -o %s`", ErrNoIdentity, how, path, path)
		}
		return nil, fmt.Errorf("age identity file %s: %v", path, err)
	}
	ids, err := age.ParseIdentities(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("age identity file %s: %v (want AGE-SECRET-KEY-1... lines, as age-keygen writes)", path, err)
	}
	return &Identity{Source: path, ids: ids}, nil
}

// Recipients are the public halves of the identity's keys: who a file
// written with this identity is encrypted to, so that it can read it back.
func (id *Identity) Recipients() []age.Recipient {
	var rs []age.Recipient
	for _, i := range id.ids {
		switch k := i.(type) {
		case *age.X25519Identity:
			rs = append(rs, k.Recipient())
		case *age.HybridIdentity:
			rs = append(rs, k.Recipient())
		}
	}
	return rs
}

// describe is the identity for messages: where it is, and its public
// recipients, which are safe to print and say which key it is.
func (id *Identity) describe() string {
	var pubs []string
	for _, r := range id.Recipients() {
		if s, ok := r.(fmt.Stringer); ok {
			pubs = append(pubs, s.String())
		}
	}
	if len(pubs) == 0 {
		return id.Source
	}
	return id.Source + " (recipient " + strings.Join(pubs, ", ") + ")"
}

// InitIdentity makes a new X25519 identity at path (0600, directories
// 0700) and returns its public recipient. It refuses to overwrite a file.
func InitIdentity(path string) (string, error) {
	if _, err := os.Lstat(path); err == nil {
		return "", fmt.Errorf("%s already exists: pallet uses it as it is (its recipient: age-keygen -y %s)", path, path)
	}
	k, err := age.GenerateX25519Identity()
	if err != nil {
		return "", err
	}
	pub := k.Recipient().String()
	data := "# created by palletc secrets init\n# public key: " + pub + "\n" + k.String() + "\n"
	if err := atomicfile.WriteDirs(path, []byte(data), 0o600, 0o700); err != nil {
		return "", err
	}
	return pub, nil
}

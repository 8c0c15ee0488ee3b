package runner

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// CheckIdentityFile reports, before any connection, why path cannot be
// offered as a private key: unreadable, or not a private key. A key with a
// passphrase passes: ssh-agent may hold it, and Dial says so if not.
func CheckIdentityFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("identity %s is not a readable private key: %w", path, unwrapPathError(err))
	}
	_, err = ssh.ParsePrivateKey(data)
	var pp *ssh.PassphraseMissingError
	if err != nil && !errors.As(err, &pp) {
		hint := "give the private half of an SSH key pair"
		if _, _, _, _, perr := ssh.ParseAuthorizedKey(data); perr == nil {
			hint = "it is a public key; give its private half"
		}
		return fmt.Errorf("identity %s is not a readable private key (%v): %s", path, err, hint)
	}
	return nil
}

// CheckKnownHostsFile reports, before any connection, why path cannot be
// the known_hosts file: it does not exist (unless acceptNew, which starts
// it), cannot be read, or does not parse.
func CheckKnownHostsFile(path string, acceptNew bool) error {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) && acceptNew {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("known hosts file %s: %w (give an existing file, or add --accept-new-host-keys to start one)", path, unwrapPathError(err))
	}
	f.Close()
	if _, err := knownhosts.New(path); err != nil {
		return fmt.Errorf("known hosts file %s: %w (fix or move the file)", path, err)
	}
	return nil
}

// CheckSSHConfigFile reports, before any connection, why path cannot be
// the OpenSSH client config: missing, unreadable or not parseable. "none"
// passes.
func CheckSSHConfigFile(path string) error {
	if path == "none" {
		return nil
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("SSH config %s: %w (give an existing file, or \"none\")", path, unwrapPathError(err))
	}
	_, err := loadSSHConfig(path)
	return err
}

// unwrapPathError drops the "open PATH:" a *PathError repeats, since the
// messages here name the file already.
func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"golang.org/x/term"

	"github.com/palletops/pallet/cmd/internal/cliflag"
	"github.com/palletops/pallet/project"
	"github.com/palletops/pallet/secrets"
)

const secretsUsage = `palletc secrets: keep the project's secrets in its secrets_file (age-encrypted)

Usage:
  palletc secrets init                      make an age identity (~/.config/pallet/age/identity.txt)
  palletc secrets set NAME [-f pallet.yaml] set one secret: the value from stdin, or a prompt without echo
  palletc secrets edit [-f pallet.yaml]     edit all secrets in $EDITOR (plaintext only on tmpfs)
  palletc secrets list [-f pallet.yaml]     list the secrets' names

The identity is $PALLET_AGE_IDENTITY (an AGE-SECRET-KEY-1... key, or the path of an
identity file), else ~/.config/pallet/age/identity.txt.
`

// maxStdinSecret bounds a value read from stdin: a big certificate
// chain fits; a wrong pipe is an error.
const maxStdinSecret = 1 << 20

func cmdSecrets(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, secretsUsage)
		return exitUsage
	}
	sub := map[string]func(*flag.FlagSet, []string, io.Writer, io.Writer) int{
		"init": secretsInit,
		"set":  secretsSet,
		"edit": secretsEdit,
		"list": secretsList,
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, secretsUsage)
		return exitOK
	}
	run, ok := sub[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "palletc secrets: unknown command %q (init, set, edit, list; see palletc secrets --help)\n", args[0])
		return exitUsage
	}
	fs := flag.NewFlagSet("palletc secrets "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(fs.Output(), secretsUsage+"\nFlags:\n"); fs.PrintDefaults() }
	return run(fs, args[1:], stdout, stderr)
}

// secretsProject loads the project and its secrets file and identity.
func secretsProject(fs *flag.FlagSet, file string, stderr io.Writer) (*secrets.File, *secrets.Identity, bool) {
	p, err := project.Load(file)
	if err != nil {
		cliflag.Report(stderr, err)
		return nil, nil, false
	}
	f := p.SecretsFile()
	if f == nil {
		fmt.Fprintf(stderr, "%s: no secrets_file: add `secrets_file: secrets.age` to it first\n", file)
		return nil, nil, false
	}
	id, err := p.AgeIdentity()
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", fs.Name(), err)
		return nil, nil, false
	}
	return f, id, true
}

// report prints an error with every secret known in it redacted: the
// errors of these commands should never hold a value, and this makes
// sure.
func report(stderr io.Writer, name string, red *secrets.Redactor, err error) int {
	fmt.Fprintln(stderr, red.Redact(name+": "+err.Error()))
	return exitInput
}

func secretsInit(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) int {
	if code, ok := parseNoArgs(fs, args, stdout, stderr); !ok {
		return code
	}
	env := project.DefaultEnv()
	path := secrets.DefaultIdentityPath(env.Home)
	if v := env.AgeIdentity; v != "" {
		if strings.HasPrefix(v, "AGE-SECRET-KEY-") {
			fmt.Fprintf(stderr, "%s: $%s already holds a key\n", fs.Name(), secrets.IdentityEnv)
			return exitInput
		}
		path = v
	}
	pub, err := secrets.InitIdentity(path)
	if err != nil {
		return report(stderr, fs.Name(), nil, err)
	}
	fmt.Fprintf(stdout, "wrote %s (keep it safe: it decrypts the secrets)\npublic key (for secrets_recipients): %s\n", path, pub)
	return exitOK
}

func secretsSet(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) int {
	file := fileFlag(fs)
	pos, code, ok := cliflag.Parse(fs, args, stdout)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		fmt.Fprintf(stderr, "%s: want one secret name (palletc secrets set NAME; the value comes from stdin or a prompt, never argv)\n", fs.Name())
		return exitUsage
	}
	name := pos[0]
	if err := secrets.CheckName(name); err != nil {
		return report(stderr, fs.Name(), nil, err)
	}
	f, id, ok := secretsProject(fs, *file, stderr)
	if !ok {
		return exitInput
	}
	value, err := readValue(name, stderr)
	if err != nil {
		return report(stderr, fs.Name(), nil, err)
	}
	red := secrets.NewRedactor(secrets.Values{name: value})
	if err := f.Set(id, name, value); err != nil {
		return report(stderr, fs.Name(), red, err)
	}
	fmt.Fprintf(stdout, "set %s in %s\n", name, f.Name)
	return exitOK
}

// readValue reads a secret's value: all of stdin when it is not a
// terminal (less one final newline, as echo and here-strings add), else a
// prompt without echo, asked twice.
func readValue(name string, stderr io.Writer) (string, error) {
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		data, err := io.ReadAll(io.LimitReader(os.Stdin, maxStdinSecret+1))
		if err != nil {
			return "", fmt.Errorf("reading the value from stdin: %v", err)
		}
		if len(data) > maxStdinSecret {
			return "", fmt.Errorf("the value on stdin is over %d bytes", maxStdinSecret)
		}
		data = bytes.TrimSuffix(data, []byte("\n"))
		data = bytes.TrimSuffix(data, []byte("\r"))
		return string(data), nil
	}
	fmt.Fprintf(stderr, "value for %s: ", name)
	v1, err := term.ReadPassword(fd)
	fmt.Fprintln(stderr)
	if err != nil {
		return "", fmt.Errorf("reading the value: %v", err)
	}
	fmt.Fprintf(stderr, "again: ")
	v2, err := term.ReadPassword(fd)
	fmt.Fprintln(stderr)
	if err != nil {
		return "", fmt.Errorf("reading the value: %v", err)
	}
	if !bytes.Equal(v1, v2) {
		return "", errors.New("the two values differ: nothing was written")
	}
	return string(v1), nil
}

func secretsEdit(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) int {
	file := fileFlag(fs)
	if code, ok := parseNoArgs(fs, args, stdout, stderr); !ok {
		return code
	}
	f, id, ok := secretsProject(fs, *file, stderr)
	if !ok {
		return exitInput
	}
	editor := os.Getenv("EDITOR")
	if editor == "" {
		editor = "vi"
	}
	err := f.Edit(id, os.Getenv("XDG_RUNTIME_DIR"), func(path string) error {
		// Through sh, as git does, so that EDITOR="code --wait" works; the
		// path is an argument, never part of the shell text.
		cmd := exec.Command("sh", "-c", `exec $EDITOR "$1"`, "sh", path)
		// The editor gets no identity key: it has the plaintext already,
		// and a key in the environment would reach whatever it spawns.
		var env []string
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, secrets.IdentityEnv+"=AGE-SECRET-KEY-") {
				env = append(env, kv)
			}
		}
		cmd.Env = append(env, "EDITOR="+editor)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, stdout, stderr
		return cmd.Run()
	})
	if err != nil {
		// The values are not known here unless the file decrypted; what
		// Edit says names lines, never values.
		return report(stderr, fs.Name(), nil, err)
	}
	fmt.Fprintf(stdout, "wrote %s\n", f.Name)
	return exitOK
}

func secretsList(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) int {
	file := fileFlag(fs)
	if code, ok := parseNoArgs(fs, args, stdout, stderr); !ok {
		return code
	}
	f, id, ok := secretsProject(fs, *file, stderr)
	if !ok {
		return exitInput
	}
	names, err := f.Names(id)
	if err != nil {
		return report(stderr, fs.Name(), nil, err)
	}
	for _, n := range names {
		fmt.Fprintln(stdout, n)
	}
	return exitOK
}

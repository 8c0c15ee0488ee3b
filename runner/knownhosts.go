package runner

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// This file is everything pallet writes to known_hosts files: the runner's
// own accept-new recording (hostKeys.record), and what converge asks for
// the nodes it creates and destroys (RecordHostKey, ForgetHostKey). All of
// it goes through updateKnownHosts, the one writer, under one lock.

// ScanHostKey reads the host key a server at addr ("host:port") offers,
// like ssh-keyscan: the handshake stops once the key is seen, before any
// authentication. Fresh nodes may still be settling, so refused or reset
// connections are retried for a while (a minute).
func ScanHostKey(ctx context.Context, addr string) (ssh.PublicKey, error) {
	errGot := errors.New("got the host key")
	deadline := time.Now().Add(60 * time.Second)
	for {
		var key ssh.PublicKey
		err := func() error {
			d := net.Dialer{Timeout: 10 * time.Second}
			conn, err := d.DialContext(ctx, "tcp", addr)
			if err != nil {
				return err
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(15 * time.Second))
			cfg := &ssh.ClientConfig{
				User: "pallet-keyscan",
				HostKeyCallback: func(_ string, _ net.Addr, k ssh.PublicKey) error {
					key = k
					return errGot
				},
			}
			_, _, _, err = ssh.NewClientConn(conn, addr, cfg)
			return err
		}()
		if key != nil {
			return key, nil
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			return nil, fmt.Errorf("%s: %w", addr, err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// RecordHostKey adds addr's key to file, making the file and its directory
// if need be. A line for addr with another key is replaced when
// replaceStale (the caller vouches for the new key: the provider that made
// the node knows it, or the node's console announced it), and refused
// otherwise, as OpenSSH's accept-new does. Lines with a marker
// (@revoked, @cert-authority) are the user's business and left alone.
func RecordHostKey(file, addr string, key ssh.PublicKey, replaceStale bool) error {
	host := knownhosts.Normalize(addr)
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return fmt.Errorf("record host key: %w", err)
	}
	return updateKnownHosts(file, func(data []byte) (knownHostsChange, error) {
		lines, err := splitLines(file, data)
		if err != nil {
			return knownHostsChange{}, err
		}
		var keep [][]byte
		var stale []string
		have := false
		for _, l := range lines {
			k, ok := lineKey(l, host)
			switch {
			case !ok:
				keep = append(keep, l)
			case bytes.Equal(k.Marshal(), key.Marshal()):
				have = true
				keep = append(keep, l)
			default:
				stale = append(stale, k.Type()+" "+ssh.FingerprintSHA256(k))
				if !replaceStale {
					keep = append(keep, l)
				}
			}
		}
		line := knownhosts.Line([]string{host}, key)
		switch {
		case len(stale) > 0 && !replaceStale:
			return knownHostsChange{}, fmt.Errorf("%s already has another host key for %s (%s), and this run just created the node there with %s %s: "+
				"if an earlier machine had that address, remove the old key with ssh-keygen -R '%s' -f %s",
				file, host, strings.Join(stale, ", "), key.Type(), ssh.FingerprintSHA256(key), host, file)
		case len(stale) > 0:
			if !have {
				keep = append(keep, []byte(line))
			}
			return knownHostsChange{rewrite: true, lines: keep}, nil
		case have:
			return knownHostsChange{}, nil
		}
		return knownHostsChange{appendLine: line}, nil
	})
}

// ForgetHostKey removes addr ("host:port") from file: every line for addr
// alone goes, and a line that names addr among other hosts loses that
// name. Hashed entries are matched too; lines with a marker are left
// alone. A missing file has nothing to forget. removed counts the lines
// that named addr.
func ForgetHostKey(file, addr string) (removed int, err error) {
	if _, err := os.Stat(file); errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	host := knownhosts.Normalize(addr)
	err = updateKnownHosts(file, func(data []byte) (knownHostsChange, error) {
		lines, err := splitLines(file, data)
		if err != nil {
			return knownHostsChange{}, err
		}
		var out [][]byte
		removed = 0
		for _, l := range lines {
			if _, ok := lineKey(l, host); !ok {
				out = append(out, l)
				continue
			}
			removed++
			fields := bytes.Fields(l)
			var others []string
			for _, h := range strings.Split(string(fields[0]), ",") {
				if h != host && !hashedMatch(h, host) {
					others = append(others, h)
				}
			}
			if len(others) > 0 {
				rest := bytes.TrimLeft(l[len(fields[0]):], " \t")
				out = append(out, append([]byte(strings.Join(others, ",")+" "), rest...))
			}
		}
		if removed == 0 {
			return knownHostsChange{}, nil
		}
		return knownHostsChange{rewrite: true, lines: out}, nil
	})
	if err != nil {
		return 0, err
	}
	return removed, nil
}

// knownHostsChange is what one update of a known_hosts file does: nothing
// (the zero value), append one line, or rewrite every line.
type knownHostsChange struct {
	appendLine string // without its newline
	rewrite    bool
	lines      [][]byte // the whole file when rewrite, without newlines
}

// updateKnownHosts is the one writer of known_hosts files. It holds an
// exclusive flock on the file itself from reading to writing, so that
// nodes dialled in parallel, converge's recording and forgetting, and other
// pallet processes neither lose nor interleave each other's lines; decide
// sees the file as it is under the lock.
//
// Writes happen in place, never by renaming a new file over the old one:
// another writer (OpenSSH's own accept-new, which takes no lock) may hold
// the file open and would go on appending to a file nobody reads. An
// append is one write with O_APPEND, so even a reader that takes no lock
// never sees half a line.
func updateKnownHosts(file string, decide func(data []byte) (knownHostsChange, error)) error {
	f, err := os.OpenFile(file, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := lockFile(f); err != nil {
		return fmt.Errorf("lock %s: %w", file, err)
	}
	defer unlockFile(f)
	data, err := io.ReadAll(f)
	if err != nil {
		return fmt.Errorf("read %s: %w", file, err)
	}
	ch, err := decide(data)
	if err != nil {
		return err
	}
	var write []byte
	switch {
	case ch.rewrite:
		var buf bytes.Buffer
		for _, l := range ch.lines {
			buf.Write(l)
			buf.WriteByte('\n')
		}
		if bytes.Equal(buf.Bytes(), data) {
			return nil
		}
		if err := f.Truncate(0); err != nil {
			return fmt.Errorf("write %s: %w", file, err)
		}
		write = buf.Bytes()
	case ch.appendLine != "":
		line := ch.appendLine + "\n"
		if len(data) > 0 && data[len(data)-1] != '\n' {
			line = "\n" + line
		}
		write = []byte(line)
	default:
		return nil
	}
	if _, err := f.Write(write); err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	return nil
}

func splitLines(file string, data []byte) ([][]byte, error) {
	var lines [][]byte
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		lines = append(lines, bytes.Clone(sc.Bytes()))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	return lines, nil
}

// lineKey returns the key of a known_hosts line that names host (plainly
// or hashed) and carries no marker; ok is false for every other line.
func lineKey(line []byte, host string) (ssh.PublicKey, bool) {
	marker, hosts, key, _, _, err := ssh.ParseKnownHosts(line)
	if err != nil || marker != "" {
		return nil, false
	}
	for _, h := range hosts {
		if h == host || hashedMatch(h, host) {
			return key, true
		}
	}
	return nil, false
}

// hashedMatch checks a HashKnownHosts entry, |1|salt|hmac-sha1(salt, host).
func hashedMatch(entry, host string) bool {
	parts := strings.Split(entry, "|")
	if len(parts) != 4 || parts[0] != "" || parts[1] != "1" {
		return false
	}
	salt, err1 := base64.StdEncoding.DecodeString(parts[2])
	sum, err2 := base64.StdEncoding.DecodeString(parts[3])
	if err1 != nil || err2 != nil {
		return false
	}
	mac := hmac.New(sha1.New, salt)
	mac.Write([]byte(host))
	return hmac.Equal(mac.Sum(nil), sum)
}

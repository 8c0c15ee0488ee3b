package openstack

import (
	"bufio"
	"regexp"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/palletops/pallet/provider"
)

// Some distributions prefix console lines ("ec2: ", "ci-info: ") and
// kernels interleave timestamps; strip those before matching.
var consolePrefix = regexp.MustCompile(`^(\[\s*[0-9.]+\]\s*)?([a-z0-9-]+:\s)?`)

var fingerprintRE = regexp.MustCompile(`^\d+\s+((?:SHA256|MD5):\S+|(?:[0-9a-f]{2}:){15}[0-9a-f]{2})\s`)

// ParseConsoleHostKeys extracts cloud-init's host key blocks from a
// console log (see provider.HostKeyHints for what they look like). When a block appears more than once (reboots), the last
// one wins, because the keys may have been regenerated.
func ParseConsoleHostKeys(console string) provider.HostKeyHints {
	var h provider.HostKeyHints
	var block string // "", "fp" or "keys"
	var fps, keys []string
	sc := bufio.NewScanner(strings.NewReader(console))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(strings.TrimRight(sc.Text(), "\r"))
		line = consolePrefix.ReplaceAllString(line, "")
		switch {
		case strings.Contains(line, "-----BEGIN SSH HOST KEY FINGERPRINTS-----"):
			block, fps = "fp", nil
		case strings.Contains(line, "-----END SSH HOST KEY FINGERPRINTS-----"):
			if block == "fp" {
				h.Fingerprints = fps
			}
			block = ""
		case strings.Contains(line, "-----BEGIN SSH HOST KEY KEYS-----"):
			block, keys = "keys", nil
		case strings.Contains(line, "-----END SSH HOST KEY KEYS-----"):
			if block == "keys" {
				h.Keys = keys
			}
			block = ""
		case block == "fp":
			if m := fingerprintRE.FindStringSubmatch(line + " "); m != nil {
				fp := m[1]
				if !strings.HasPrefix(fp, "SHA256:") && !strings.HasPrefix(fp, "MD5:") {
					fp = "MD5:" + fp
				}
				fps = append(fps, fp)
			}
		case block == "keys":
			if pk, comment, _, _, err := ssh.ParseAuthorizedKey([]byte(line)); err == nil {
				_ = comment
				keys = append(keys, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk))))
			}
		}
	}
	return h
}

package runner

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/palletops/pallet/osfamily"
)

// OSInfo is what a node says about its OS in os-release, and the pallet OS id
// that follows from it.
type OSInfo struct {
	ID         string `json:"id"`
	VersionID  string `json:"version_id"`
	IDLike     string `json:"id_like,omitempty"`
	PrettyName string `json:"pretty_name,omitempty"`
	// PalletOS is the pallet OS id (debian-12, ubuntu-22.04, rocky-9,
	// amzn-2023, alpine-3.20, arch), or "" when the OS is not one pallet
	// knows how to map.
	PalletOS string `json:"pallet_os"`
}

// ProbeOS reads os-release over the connection (no sudo needed) and maps it
// to a pallet OS id. The OSInfo is filled in as far as possible also when the
// error says the OS could not be mapped.
func (c *Conn) ProbeOS(ctx context.Context) (OSInfo, error) {
	out, err := c.output(ctx, "cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release")
	if err != nil {
		return OSInfo{}, fmt.Errorf("node %s: read os-release: %w", c.target.name(), err)
	}
	info, err := OSFromRelease(out)
	if err != nil {
		return info, fmt.Errorf("node %s: %w", c.target.name(), err)
	}
	return info, nil
}

// OSFromRelease parses os-release text and maps it to a pallet OS id.
func OSFromRelease(text []byte) (OSInfo, error) {
	kv := ParseOSRelease(text)
	info := OSInfo{ID: kv["ID"], VersionID: kv["VERSION_ID"], IDLike: kv["ID_LIKE"], PrettyName: kv["PRETTY_NAME"]}
	id, err := osfamily.FromRelease(info.ID, info.VersionID)
	info.PalletOS = id
	return info, err
}

// ParseOSRelease parses the os-release format: KEY=value lines, values
// optionally in single or double quotes with shell-style backslash escapes.
func ParseOSRelease(text []byte) map[string]string {
	kv := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			if u, err := strconv.Unquote(v); err == nil {
				v = u
			} else {
				v = v[1 : len(v)-1]
			}
		} else if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
			v = v[1 : len(v)-1]
		}
		kv[k] = v
	}
	return kv
}

// output runs a plain command as the login user and returns its stdout.
func (c *Conn) output(ctx context.Context, cmd string) ([]byte, error) {
	sess, err := c.client.NewSession()
	if err != nil {
		return nil, fmt.Errorf("open session: %w (connection lost?)", err)
	}
	defer sess.Close()
	stop := context.AfterFunc(ctx, func() { sess.Close() })
	defer stop()
	var stdout, stderr bytes.Buffer
	sess.Stdout, sess.Stderr = &stdout, &stderr
	err = sess.Run(cmd)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %s", cmd, err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

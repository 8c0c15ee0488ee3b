package runner

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeSSHConfig(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// A Match block is refused with its file and line, also from an included
// file; the library alone would apply "Match host a user b" as "Host a".
func TestSSHConfigMatchRefusedWithFileLine(t *testing.T) {
	dir := t.TempDir()
	inc := writeSSHConfig(t, dir, "inc.conf", "# included\nHost x\n  User u\nMatch user deploy\n  Port 2222\n")
	tests := []struct{ name, text, want string }{
		{"host and user", "Host a\n  Port 1\n\nMatch host a user b\n  Port 2\n", "config:4: Match host a user b: pallet cannot evaluate Match"},
		{"exec", "Match exec \"true\"\n  Port 2\n", "config:1: Match exec"},
		{"equals", "Match=originalhost a\n", "config:1: Match originalhost a"},
		{"included", "Host *\n  Include " + inc + "\n", "inc.conf:4: Match user deploy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeSSHConfig(t, dir, "config", tt.text)
			_, err := loadSSHConfig(p)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
			if err := CheckSSHConfigFile(p); err == nil {
				t.Errorf("CheckSSHConfigFile passed a config with Match")
			}
		})
	}
	p := writeSSHConfig(t, dir, "config", "Match all\n  Port 2200\n")
	c, err := loadSSHConfig(p)
	if err != nil {
		t.Fatalf("Match all: %v", err)
	}
	if ep, err := c.resolve(Options{}, "h", "u", 0, 0); err != nil || ep.port != 2200 {
		t.Errorf("Match all: port %d, %v", ep.port, err)
	}
}

func TestSSHConfigResolveKeywords(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("SSH_AUTH_SOCK", "/env/agent.sock")
	dir := t.TempDir()
	inc := writeSSHConfig(t, dir, "inc.conf", "Host n\n  ServerAliveCountMax 7\n")
	p := writeSSHConfig(t, dir, "config", `Host n
  HostName 10.1.2.3
  Port 2222
  User deploy
  HostKeyAlias nodealias
  UserKnownHostsFile ~/.ssh/kh1 "%d/kh two" /kh/%h-%p-%r-%k-%n
  GlobalKnownHostsFile /etc/global_kh
  StrictHostKeyChecking accept-new
  IdentityFile ~/.ssh/id_%r
  CertificateFile %d/certs/%n-cert.pub
  IdentitiesOnly yes
  IdentityAgent ~/agent.sock
  ConnectTimeout 1m30s
  ServerAliveInterval 5
  Include `+inc+`
  ConnectTimeout 99

Host *
  ConnectTimeout 7
  ServerAliveInterval 0
  StrictHostKeyChecking no
  IdentityAgent none
`)
	c, err := loadSSHConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	ep, err := c.resolve(Options{}, "n", "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := endpoint{
		alias: "n", host: "10.1.2.3", port: 2222, user: "deploy",
		identityFiles:    []string{home + "/.ssh/id_deploy"},
		certificateFiles: []string{home + "/certs/n-cert.pub"},
		identitiesOnly:   true,
		agentSocket:      home + "/agent.sock",
		knownHosts:       []string{home + "/.ssh/kh1", home + "/kh two", "/kh/10.1.2.3-2222-deploy-nodealias-n"},
		globalKnownHosts: []string{"/etc/global_kh"},
		strict:           "accept-new",
		hostKeyAlias:     "nodealias",
		connectTimeout:   90 * time.Second,
		keepAlive:        5 * time.Second,
		keepAliveMax:     7,
	}
	if got, w := strings.Join(strings.Fields(fmtEndpoint(ep)), " "), strings.Join(strings.Fields(fmtEndpoint(want)), " "); got != w {
		t.Errorf("resolved\n %s\nwant\n %s", got, w)
	}
	if ep.hostKeyName() != "nodealias:22" {
		t.Errorf("host key name %q, want the alias without the port", ep.hostKeyName())
	}

	// Set options win over the config, as ssh's command line does.
	o := Options{KnownHostsFile: "/flag/kh", AcceptNewHostKeys: true, AgentSocket: "/flag/agent", ConnectTimeout: 3 * time.Second, KeepAliveInterval: -1, KeepAliveCountMax: 2}
	ep, err = c.resolve(o, "n", "root", 22, 0)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(ep.knownHosts, " ") != "/flag/kh" || ep.strict != "accept-new" || ep.agentSocket != "/flag/agent" ||
		ep.connectTimeout != 3*time.Second || ep.keepAlive != -1 || ep.keepAliveMax != 2 || ep.user != "root" || ep.port != 22 {
		t.Errorf("options did not win: %s", fmtEndpoint(ep))
	}

	// Host * alone: OpenSSH's meanings of 0, none and no, and pallet's
	// defaults where the config says nothing.
	ep, err = c.resolve(Options{}, "other", "u", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if ep.keepAlive != -1 || ep.agentSocket != "none" || ep.strict != "no" || ep.strictFrom != p || ep.connectTimeout != 7*time.Second ||
		strings.Join(ep.knownHosts, " ") != home+"/.ssh/known_hosts" || ep.keepAliveMax != 3 {
		t.Errorf("Host * defaults: %s", fmtEndpoint(ep))
	}
	none, _ := loadSSHConfig("none")
	ep, err = none.resolve(Options{}, "h", "u", 0, 0)
	if err != nil || ep.agentSocket != "/env/agent.sock" || ep.connectTimeout != 15*time.Second || ep.keepAlive != 30*time.Second || ep.strict != "yes" {
		t.Errorf("no config: %s, %v", fmtEndpoint(ep), err)
	}
}

func fmtEndpoint(e endpoint) string {
	e.jumps = nil
	return strings.ReplaceAll(strings.TrimPrefix(fmtAny(e), "runner."), "\n", " ")
}

func TestSSHConfigProxyCommandAndJumpFirstObtainedWins(t *testing.T) {
	dir := t.TempDir()
	p := writeSSHConfig(t, dir, "config", `Host cmdfirst
  ProxyCommand exec nc %h %p %r%%
  ProxyJump j1

Host jumpfirst
  ProxyJump j1
  ProxyCommand nc %h %p

Host nonefirst
  ProxyCommand none

Host quoted
  HostName %h.example
  ProxyCommand ssh -W '%h:%p' -l %r bastion

Host *
  ProxyCommand nc %h %p
  ProxyJump j2
`)
	c, err := loadSSHConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		host, user, pc, jump string
	}{
		{"cmdfirst", "me", "exec nc cmdfirst 22 me%", ""},
		{"jumpfirst", "me", "", "j1:22"},
		{"nonefirst", "me", "", ""},
		{"quoted", "it's", `ssh -W 'quoted.example:22' -l 'it'\''s' bastion`, ""},
		{"a;rm -rf ~", "me", `nc 'a;rm -rf ~' 22`, ""},
	} {
		ep, err := c.resolve(Options{}, tt.host, tt.user, 0, 0)
		if err != nil {
			t.Errorf("%s: %v", tt.host, err)
			continue
		}
		jump := ""
		if len(ep.jumps) > 0 {
			jump = ep.jumps[0].addr()
		}
		if ep.proxyCommand != tt.pc || jump != tt.jump {
			t.Errorf("%s: ProxyCommand %q jump %q, want %q %q", tt.host, ep.proxyCommand, jump, tt.pc, tt.jump)
		}
	}
}

func TestSSHConfigRefusedAndBadValues(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct{ text, want string }{
		{"Host h\n  CanonicalizeHostname yes\n", "CanonicalizeHostname yes: pallet does not canonicalize"},
		{"Host h\n  KnownHostsCommand /bin/true\n", "sets KnownHostsCommand, which pallet does not honour"},
		{"Host h\n  RevokedHostKeys ~/.ssh/krl\n", "RevokedHostKeys"},
		{"Host h\n  StrictHostKeyChecking maybe\n", `StrictHostKeyChecking "maybe": want yes, accept-new, no or ask`},
		{"Host h\n  ConnectTimeout soon\n", "ConnectTimeout: bad time"},
		{"Host h\n  ServerAliveCountMax 0\n", "ServerAliveCountMax \"0\""},
		{"Host h\n  IdentityFile ~/.ssh/%C\n", "pallet does not expand %C here"},
		{"Host h\n  UserKnownHostsFile \"a b\n", "unterminated quote"},
		{"Host h\n  IdentitiesOnly perhaps\n", "IdentitiesOnly perhaps: want yes or no"},
	} {
		p := writeSSHConfig(t, dir, "config", tt.text)
		c, err := loadSSHConfig(p)
		if err == nil {
			_, err = c.resolve(Options{}, "h", "u", 0, 0)
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%q: err = %v, want it to name %s and say %q", tt.text, err, p, tt.want)
		}
		// Hosts the keyword does not apply to are not refused.
		if c.cfg != nil {
			if _, err := c.resolve(Options{}, "other", "u", 0, 0); err != nil {
				t.Errorf("%q for another host: %v", tt.text, err)
			}
		}
	}
	for _, ok := range []string{"CanonicalizeHostname no", "ProxyUseFdpass no", "StrictHostKeyChecking ask"} {
		p := writeSSHConfig(t, dir, "config", "Host h\n  "+ok+"\n")
		c, err := loadSSHConfig(p)
		if err == nil {
			_, err = c.resolve(Options{}, "h", "u", 0, 0)
		}
		if err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
}

func TestConfigTime(t *testing.T) {
	for in, want := range map[string]time.Duration{"0": 0, "30": 30 * time.Second, "30s": 30 * time.Second, "1m30s": 90 * time.Second, "2H": 2 * time.Hour, "1w1d": 8 * 24 * time.Hour} {
		if got, err := configTime(in); err != nil || got != want {
			t.Errorf("configTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "1x", "m", "10m5"} {
		if _, err := configTime(in); err == nil {
			t.Errorf("configTime(%q) succeeded", in)
		}
	}
}

func fmtAny(v any) string { return fmt.Sprintf("%+v", v) }

func TestKnownHostsFor(t *testing.T) {
	dir := t.TempDir()
	p := writeSSHConfig(t, dir, "config", "Host a\n  HostName 10.0.0.9\n  Port 2200\n  UserKnownHostsFile /kh/one /kh/two\n\nHost b\n  HostKeyAlias b-alias\n  UserKnownHostsFile none\n")
	for _, tt := range []struct {
		t              Target
		o              Options
		file, hostPort string
	}{
		{Target{Host: "a", User: "u"}, Options{SSHConfigFile: p}, "/kh/one", "10.0.0.9:2200"},
		{Target{Host: "a", User: "u", Port: 22}, Options{SSHConfigFile: p, KnownHostsFile: "/flag"}, "/flag", "10.0.0.9:22"},
		{Target{Host: "b", User: "u"}, Options{SSHConfigFile: p}, "", "b-alias:22"},
	} {
		file, hp, err := KnownHostsFor(tt.t, tt.o)
		if err != nil || file != tt.file || hp != tt.hostPort {
			t.Errorf("KnownHostsFor(%+v) = %q %q %v; want %q %q", tt.t, file, hp, err, tt.file, tt.hostPort)
		}
	}
}

package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/palletops/pallet/provider"
	"github.com/palletops/pallet/provider/nspawn/nspawntest"
	"github.com/palletops/pallet/runner"
)

// adminUser is the user bootstrap creates; the nodes log in as root first.
const adminUser = "padmin"

// appConf is the file crate's content: more than one line, a quote and a
// dollar, so a quoting slip anywhere on the way would show.
const appConf = "# written by pallet e2e\nlisten = 0.0.0.0:8080\ngreeting = \"it's $HOME\"\n"

const unit = `[Unit]
Description=pallet e2e test service

[Service]
ExecStart=/bin/sleep infinity

[Install]
WantedBy=multi-user.target
`

// convergeProject is the one project every OS in the matrix gets:
// bootstrap (as root) makes the admin user; configure (as that user,
// through sudo) uses each core crate once.
func convergeProject(adminKey string, installPackage string) string {
	pkg := ""
	if installPackage != "" {
		pkg = fmt.Sprintf("        - package: {packages: [%s], update: true}\n", installPackage)
	}
	return fmt.Sprintf(`groups:
  e2e:
    phases:
      bootstrap:
        - automated-admin-user: {user: %s, public_key: %s}
      configure:
        - package: {packages: [openssh-server, sudo]}
%s        - group: {name: pallet-ops}
        - user: {name: appuser, groups: [pallet-ops]}
        - directory: {path: /srv/app, owner: appuser, group: pallet-ops, mode: "2750"}
        - file: {path: /srv/app/app.conf, content: %s, owner: appuser, group: pallet-ops, mode: "0640"}
        - line-in-file: {path: /etc/ssh/sshd_config, line: "ClientAliveInterval 120", match: "^#?ClientAliveInterval "}
        - sudoers: {name: pallet-ops, user: "%%pallet-ops", nopasswd: true, commands: ["/usr/bin/systemctl restart pallet-e2e"]}
        - file: {path: /etc/systemd/system/pallet-e2e.service, content: %s}
        - service: {name: pallet-e2e, state: started, enabled: true}
        - service: {name: ssh, state: started, enabled: true}
`, adminUser, yq(adminKey), pkg, yq(appConf), yq(unit))
}

// TestConverge is the whole life of a node, on Debian 11, 12 and 13 at once
// (one node each, the same project): bootstrap as root, log in as the admin
// user it made, configure through sudo, check every result on the node, run
// again to see nothing change, and check mode after a change by hand.
func TestConverge(t *testing.T) {
	t.Parallel()
	releases := []string{"bullseye", "bookworm", "trixie"}
	wantOS := map[string]string{"bullseye": "debian-11", "bookworm": "debian-12", "trixie": "debian-13"}
	f := newFleet(t, releases)
	pub, err := os.ReadFile(f.key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	installPkg := "tree"
	if !nspawntest.AptReachable(releases...) {
		t.Log("deb.debian.org is not reachable: the package crate is tested with installed packages only (no install)")
		installPkg = ""
	}
	p := testProject(t, convergeProject(strings.TrimSpace(string(pub)), installPkg))

	// run lifts phase on every node and fails t unless all succeed.
	run := func(t *testing.T, user string, check bool, phase string) []runner.NodeResult {
		t.Helper()
		jobs := make([]runner.Job, len(f.nodes))
		for i, n := range f.nodes {
			jobs[i] = runner.Job{Target: target(n, user), Prepare: prepare(p, "e2e", check, phase)}
		}
		results := runner.Run(t.Context(), jobs, runner.RunOptions{Options: f.options()})
		for i, r := range results {
			if r.Err != nil || len(r.Phases) != 1 || !r.Phases[0].OK() {
				t.Fatalf("%s %s as %s:\n%s", releases[i], phase, user, describe(r))
			}
			if r.OS.PalletOS != wantOS[releases[i]] {
				t.Errorf("%s: ProbeOS says %q (%+v), want %s", releases[i], r.OS.PalletOS, r.OS, wantOS[releases[i]])
			}
		}
		return results
	}
	mustRun := func(name string, fn func(t *testing.T)) {
		if !t.Run(name, fn) {
			t.FailNow() // each stage needs the one before
		}
	}

	mustRun("bootstrap as root", func(t *testing.T) {
		for _, r := range run(t, "root", false, "bootstrap") {
			if r.Counts.Changed == 0 || r.Counts.Failed != 0 {
				t.Errorf("bootstrap changed nothing: %s", describe(r))
			}
		}
	})

	mustRun("admin logs in with the key and sudo -n works", func(t *testing.T) {
		for _, n := range f.nodes {
			conn, err := runner.Dial(t.Context(), target(n, adminUser), f.options())
			if err != nil {
				t.Fatalf("%s: runner.Dial as %s: %v", n.Name, adminUser, err)
			}
			if conn.User() != adminUser {
				t.Errorf("%s: logged in as %q", n.Name, conn.User())
			}
			conn.Close()
			got := f.ssh(t, n, adminUser, `id -un; id -nG; sudo -n true && echo sudo-ok; stat -c '%U %a' ~/.ssh ~/.ssh/authorized_keys /etc/sudoers.d/`+adminUser)
			lines := strings.Split(strings.TrimSpace(got), "\n")
			want := []string{adminUser, "", "sudo-ok", adminUser + " 700", adminUser + " 600", "root 440"}
			if len(lines) != len(want) {
				t.Fatalf("%s: got %q", n.Name, got)
			}
			if !slices.Contains(strings.Fields(lines[1]), "sudo") {
				t.Errorf("%s: %s is in groups %q, want sudo among them", n.Name, adminUser, lines[1])
			}
			lines[1] = ""
			if !slices.Equal(lines, want) {
				t.Errorf("%s: got %q, want %q", n.Name, lines, want)
			}
		}
	})

	mustRun("configure through sudo", func(t *testing.T) {
		// Already right on a fresh node: the installed packages and the
		// ssh service; every other step has something to do.
		alreadyOK := []string{"package install openssh-server sudo", "service enable ssh", "service start ssh"}
		for _, r := range run(t, adminUser, false, "configure") {
			for _, s := range r.Phases[0].Steps {
				want := runner.StatusChanged
				if slices.Contains(alreadyOK, s.Crate+" "+s.Name) {
					want = runner.StatusOK
				}
				if s.Status != want {
					t.Errorf("%s: step %s is %s, want %s", r.Target.Name, s.Label(), s.Status, want)
				}
			}
			if r.Counts.OK != 3 {
				t.Errorf("unexpected counts: %s", describe(r))
			}
		}
	})

	mustRun("every result is on the node", func(t *testing.T) {
		for _, n := range f.nodes {
			verifyConfigured(t, f, n, installPkg)
		}
	})

	mustRun("second run changes nothing", func(t *testing.T) {
		for _, r := range run(t, adminUser, false, "configure") {
			c := r.Counts
			if c.Changed != 0 || c.Ran != 0 || c.OK != len(r.Phases[0].Steps) || c.OK == 0 {
				t.Errorf("second run not all ok: %s", describe(r))
			}
		}
	})

	mustRun("check mode reports the hand-made change and keeps it", func(t *testing.T) {
		const tampered = "changed by hand\n"
		for _, n := range f.nodes {
			f.ssh(t, n, adminUser, "printf 'changed by hand\\n' | sudo -n tee /srv/app/app.conf >/dev/null")
		}
		for _, r := range run(t, adminUser, true, "configure") {
			var would []string
			for _, s := range r.Phases[0].Steps {
				if s.Status != runner.StatusOK {
					would = append(would, fmt.Sprintf("%s %s %s", s.Crate, s.Name, s.Status))
				}
			}
			if want := []string{"file file /srv/app/app.conf would-change"}; !slices.Equal(would, want) || r.Counts.WouldChange != 1 || r.Counts.Changed != 0 {
				t.Errorf("check mode: steps not ok %q, want %q; %s", would, want, describe(r))
			}
		}
		for _, n := range f.nodes {
			if got := f.ssh(t, n, adminUser, "sudo -n cat /srv/app/app.conf"); got != tampered {
				t.Errorf("%s: check mode touched the file: %q", n.Name, got)
			}
		}
		// And apply puts it back, changing that one step.
		for _, r := range run(t, adminUser, false, "configure") {
			if r.Counts.Changed != 1 {
				t.Errorf("apply after the change: %s", describe(r))
			}
		}
		for _, n := range f.nodes {
			if got := f.ssh(t, n, adminUser, "sudo -n cat /srv/app/app.conf"); got != appConf {
				t.Errorf("%s: after apply: %q", n.Name, got)
			}
		}
	})
}

// verifyConfigured checks, over its own ssh connection, that what the
// configure phase asked for is on node n, with the right owner and mode.
func verifyConfigured(t *testing.T, f *fleet, n provider.Node, installed string) {
	t.Helper()
	pkgs := "openssh-server sudo"
	if installed != "" {
		pkgs += " " + installed
	}
	// One line per fact; sudo -n only where root is needed, which also
	// shows the admin user's passwordless sudo at work.
	script := "set -u\n"
	var wantPkgs []string
	for _, p := range strings.Fields(pkgs) {
		script += fmt.Sprintf("echo \"package %[1]s: $(dpkg-query -W -f='${Status}' %[1]s)\"\n", p)
		wantPkgs = append(wantPkgs, "package "+p+": install ok installed")
	}
	script += `
echo "group: $(getent group pallet-ops | cut -d: -f1,4)"
echo "user: $(getent passwd appuser | cut -d: -f1,6,7)"
echo "user groups: $(id -nG appuser)"
echo "home: $(stat -c '%F %U %G' /home/appuser)"
echo "dir: $(stat -c '%F %U %G %a' /srv/app)"
echo "conf: $(sudo -n stat -c '%F %U %G %a' /srv/app/app.conf)"
echo "conf sha: $(sudo -n sha256sum /srv/app/app.conf)"
echo "no temp files: $(sudo -n find /srv/app /etc/ssh /etc/sudoers.d /etc/systemd/system -maxdepth 1 -name '.pallet*' | wc -l)"
echo "sshd line: $(grep -c -x 'ClientAliveInterval 120' /etc/ssh/sshd_config) $(stat -c '%U %G %a' /etc/ssh/sshd_config)"
echo "sshd -t: $(sudo -n sshd -t && echo valid)"
echo "sudoers: $(stat -c '%U %G %a' /etc/sudoers.d/pallet-ops)"
echo "visudo: $(sudo -n visudo -c >/dev/null && echo valid)"
echo "appuser may: $(sudo -n -u appuser sudo -n -l /usr/bin/systemctl restart pallet-e2e)"
echo "appuser may not: $(sudo -n -u appuser sudo -n -l /usr/bin/id 2>/dev/null || echo refused)"
echo "unit: $(stat -c '%U %G %a' /etc/systemd/system/pallet-e2e.service)"
echo "active: $(systemctl is-active pallet-e2e ssh | tr '\n' ' ')"
echo "enabled: $(systemctl is-enabled pallet-e2e ssh | tr '\n' ' ')"
`
	got := f.ssh(t, n, adminUser, script)
	sum := sha256.Sum256([]byte(appConf))
	want := strings.Join(append(wantPkgs,
		"group: pallet-ops:appuser",
		"user: appuser:/home/appuser:/bin/bash",
		"user groups: appuser pallet-ops",
		"home: directory appuser appuser",
		"dir: directory appuser pallet-ops 2750",
		"conf: regular file appuser pallet-ops 640",
		"conf sha: "+hex.EncodeToString(sum[:])+"  /srv/app/app.conf",
		"no temp files: 0",
		"sshd line: 1 root root 644",
		"sshd -t: valid",
		"sudoers: root root 440",
		"visudo: valid",
		"appuser may: /usr/bin/systemctl restart pallet-e2e",
		"appuser may not: refused",
		"unit: root root 644",
		"active: active active ",
		"enabled: enabled enabled ",
	), "\n") + "\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s (%s): on the node (-want +got):\n%s", n.Name, n.OS, diff)
	}
}

package cratetest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPasswdLookup: pallet_passwd gives what getent passwd gives, by name
// and by uid, reading /etc/passwd itself (no process) where the name
// service asks it first, and asking getent for a user that is not there
// (LDAP, sssd, systemd's dynamic users).
func TestPasswdLookup(t *testing.T) {
	helper, err := os.ReadFile("../../templates/helpers/pallet_passwd.sh")
	if err != nil {
		t.Fatal(err)
	}
	nss, _ := os.ReadFile("/etc/nsswitch.conf")
	filesFirst := false
	for _, l := range strings.Split(string(nss), "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[0] == "passwd:" {
			filesFirst = f[1] == "files"
			break
		}
	}
	calls := filepath.Join(t.TempDir(), "calls")
	// a getent that says who asked, then answers as the real one, and
	// knows one user the real one does not
	path := shim(t, "getent", `echo "$*" >>`+calls+`
[ "$2" = pallet-ghost ] && { echo 'pallet-ghost:x:4242:4242::/nonexistent:/bin/sh'; exit 0; }
exec /usr/bin/getent "$@"
`)
	lookup := func(user string) (string, error) {
		cmd := exec.Command("bash", "-c", string(helper)+"\nset -euo pipefail\npallet_passwd \"$1\"\nprintf '%s\\n' \"$PALLET_PASSWD\"", "bash", user)
		cmd.Env = append(os.Environ(), path)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	for _, user := range []string{"root", "nobody", "0", "65534"} {
		want, err := exec.Command("getent", "passwd", user).Output()
		if err != nil {
			t.Fatalf("getent passwd %s: %v", user, err)
		}
		os.Remove(calls)
		got, err := lookup(user)
		if err != nil || got != string(want) {
			t.Errorf("pallet_passwd %s = %q (%v), want getent's %q", user, got, err, want)
		}
		if _, err := os.Stat(calls); err == nil && filesFirst {
			t.Errorf("pallet_passwd %s ran getent, with passwd: files first and the user in /etc/passwd", user)
		}
	}
	if got, err := lookup("pallet-ghost"); err != nil || got != "pallet-ghost:x:4242:4242::/nonexistent:/bin/sh\n" {
		t.Errorf("a user only the name service knows: %q (%v), want getent's line", got, err)
	}
	if got, err := lookup("pallet-no-such-user"); err == nil {
		t.Errorf("a user no one knows: %q, want a failure", got)
	}
	if !filesFirst {
		t.Log("passwd: is not files first here: getent answered every lookup")
	}
}

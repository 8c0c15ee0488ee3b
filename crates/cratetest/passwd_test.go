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
	helper := helperSource(t, "pallet_passwd")
	nss, _ := os.ReadFile("/etc/nsswitch.conf")
	filesFirst, filesOnly := false, false
	for _, l := range strings.Split(string(nss), "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[0] == "passwd:" {
			filesFirst = f[1] == "files"
			filesOnly = filesFirst && len(f) == 2
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
		cmd := exec.Command("bash", "-c", helper+"\nset -euo pipefail\npallet_passwd \"$1\"\nprintf '%s\\n' \"$PALLET_PASSWD\"", "bash", user)
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
	// a user only the name service knows: getent's answer, where the name
	// service asks more than /etc/passwd; with "passwd: files" alone glibc
	// would not know it either, and getent is not asked
	os.Remove(calls)
	got, err := lookup("pallet-ghost")
	_, ran := os.Stat(calls)
	if filesOnly {
		if err == nil || ran == nil {
			t.Errorf("a user not in /etc/passwd, with passwd: files alone: %q (%v, getent ran: %v), want a failure without getent", got, err, ran == nil)
		}
	} else if err != nil || got != "pallet-ghost:x:4242:4242::/nonexistent:/bin/sh\n" {
		t.Errorf("a user only the name service knows: %q (%v), want getent's line", got, err)
	}
	if got, err := lookup("pallet-no-such-user"); err == nil {
		t.Errorf("a user no one knows: %q, want a failure", got)
	}
	if !filesFirst {
		t.Log("passwd: is not files first here: getent answered every lookup")
	}
}

// TestPasswdLookupFiles: the lines pallet_passwd takes from /etc/passwd
// itself are the ones glibc would find first, for made-up nsswitch.conf
// and passwd files (the helper's paths pointed at them); wherever glibc
// would read them otherwise (another service first, NIS compat lines,
// leading blanks, no such user) getent answers.
func TestPasswdLookupFiles(t *testing.T) {
	helper := helperSource(t, "pallet_passwd")
	dir := t.TempDir()
	calls := filepath.Join(dir, "calls")
	path := shim(t, "getent", `echo "$*" >>`+calls+`
echo "getent:$2"
`)
	nss, pw := filepath.Join(dir, "nsswitch.conf"), filepath.Join(dir, "passwd")
	src := strings.NewReplacer("/etc/nsswitch.conf", nss, "/etc/passwd", pw).Replace(helper)
	if src == helper {
		t.Fatal("the helper no longer names /etc/passwd and /etc/nsswitch.conf")
	}
	const files = "# comment\npasswd:         files systemd\ngroup: files\n"
	for _, c := range []struct {
		name, nss, passwd, user, want string
		getent                        bool
	}{
		{"found", files, "root:x:0:0::/root:/bin/bash\nbob:x:1:1::/home/bob:/bin/sh\n", "bob", "bob:x:1:1::/home/bob:/bin/sh", false},
		{"a name that starts another", files, "bob:x:1:1::/b:/bin/sh\nbo:x:2:2::/o:/bin/sh\n", "bo", "bo:x:2:2::/o:/bin/sh", false},
		{"the first of two", files, "carol:x:3:3::/1:/bin/sh\ncarol:x:4:4::/2:/bin/sh\n", "carol", "carol:x:3:3::/1:/bin/sh", false},
		{"a comment is skipped", files, "#dave:x:9:9::/c:/bin/sh\ndave:x:5:5::/d:/bin/sh\n", "dave", "dave:x:5:5::/d:/bin/sh", false},
		{"no newline at the end", files, "root:x:0:0::/root:/bin/bash\nerin:x:6:6::/e:/bin/sh", "erin", "erin:x:6:6::/e:/bin/sh", false},
		{"the first line", files, "root:x:0:0::/root:/bin/bash\n", "root", "root:x:0:0::/root:/bin/bash", false},
		{"by uid", files, "root:x:0:0::/root:/bin/bash\nbob:x:1001:1001::/b:/bin/sh\n", "1001", "bob:x:1001:1001::/b:/bin/sh", false},
		{"a NIS line before it", files, "+::::::\nbob:x:1:1::/b:/bin/sh\n", "bob", "getent:bob", true},
		{"a blank before it", files, " alice:x:7:7::/a:/bin/sh\nbob:x:1:1::/b:/bin/sh\n", "bob", "getent:bob", true},
		{"a NIS line after it", files, "bob:x:1:1::/b:/bin/sh\n-bob\n", "bob", "bob:x:1:1::/b:/bin/sh", false},
		{"not there", files, "root:x:0:0::/root:/bin/bash\n", "bob", "getent:bob", true},
		{"another service first", "passwd: sss files\n", "bob:x:1:1::/b:/bin/sh\n", "bob", "getent:bob", true},
		{"files, commented out", "#passwd: files\npasswd: compat\n", "bob:x:1:1::/b:/bin/sh\n", "bob", "getent:bob", true},
		{"passwd:files is not the passwd: line", "passwd:files\npasswd: sss\n", "bob:x:1:1::/b:/bin/sh\n", "bob", "getent:bob", true},
		{"the first passwd: line counts", "passwd: ldap\npasswd: files\n", "bob:x:1:1::/b:/bin/sh\n", "bob", "getent:bob", true},
		{"an empty passwd: line", "passwd:\npasswd: files\n", "bob:x:1:1::/b:/bin/sh\n", "bob", "getent:bob", true},
		{"a NIS name", files, "+bob:x:1:1::/b:/bin/sh\n", "+bob", "getent:+bob", true},
		{"a uid that starts another", files, "a:x:1001:1::/a:/bin/sh\nb:x:100:1::/b:/bin/sh\n", "100", "b:x:100:1::/b:/bin/sh", false},
		{"a uid as another's gid", files, "a:x:5:100::/a:/bin/sh\nb:x:100:1::/b:/bin/sh\n", "100", "b:x:100:1::/b:/bin/sh", false},
		{"a name in another's fields", files, "x:x:1:1:bob:/bob:/bin/sh\nbob:x:2:2::/b:/bin/sh\n", "bob", "bob:x:2:2::/b:/bin/sh", false},
		{"empty lines before it", files, "\n\nbob:x:1:1::/b:/bin/sh\n", "bob", "bob:x:1:1::/b:/bin/sh", false},
		{"by uid, a NIS line before it", files, "+::::::\nbob:x:1001:1::/b:/bin/sh\n", "1001", "getent:1001", true},
		{"by uid, a comment before it", files, "#old:x:1000:0::/o:/bin/sh\nbob:x:1000:1000::/b:/bin/bash\n", "1000", "bob:x:1000:1000::/b:/bin/bash", false},
		{"by uid, leading zeros", files, "zed:x:01001:1::/z:/bin/sh\n", "1001", "zed:x:01001:1::/z:/bin/sh", false},
		{"by uid, asked with a leading zero", files, "bob:x:1000:1::/b:/bin/sh\n", "01000", "bob:x:1000:1::/b:/bin/sh", false},
		{"by uid, a line without fields", files, "1001\nbob:x:1001:1::/b:/bin/sh\n", "1001", "bob:x:1001:1::/b:/bin/sh", false},
		{"a name that is a comment", files, "#bob:x:1:1::/b:/bin/sh\n", "#bob", "getent:#bob", true},
		// files alone: glibc asks nothing else, so no line is no user
		{"files alone, found", "passwd:  files  \n", "bob:x:1:1::/b:/bin/sh\n", "bob", "bob:x:1:1::/b:/bin/sh", false},
		{"files alone, not there", "passwd: files\n", "root:x:0:0::/root:/bin/bash\n", "bob", "", false},
		{"files alone, by uid, not there", "passwd: files\n", "root:x:0:0::/root:/bin/bash\n", "1001", "", false},
		{"files alone, a NIS line before it", "passwd: files\n", "+::::::\nbob:x:1:1::/b:/bin/sh\n", "bob", "getent:bob", true},
		{"files with an action is not alone", "passwd: files [NOTFOUND=return]\n", "root:x:0:0::/root:/bin/bash\n", "bob", "getent:bob", true},
		{"filesystem is not files", "passwd: filesystem\n", "bob:x:1:1::/b:/bin/sh\n", "bob", "getent:bob", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := os.WriteFile(nss, []byte(c.nss), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(pw, []byte(c.passwd), 0o644); err != nil {
				t.Fatal(err)
			}
			os.Remove(calls)
			cmd := exec.Command("bash", "-c", src+"\nset -euo pipefail\nrc=0\npallet_passwd \"$1\" || rc=$?\nprintf '%s %s\\n' \"$rc\" \"$PALLET_PASSWD\"", "bash", c.user)
			cmd.Env = append(os.Environ(), path)
			out, err := cmd.CombinedOutput()
			// no user: it fails, as getent does (2), with nothing set
			want := "0 " + c.want + "\n"
			if c.want == "" {
				want = "2 \n"
			}
			if err != nil || string(out) != want {
				t.Errorf("pallet_passwd %s = %q (%v), want %q", c.user, out, err, want)
			}
			_, err = os.Stat(calls)
			if ran := err == nil; ran != c.getent {
				t.Errorf("getent ran: %v, want %v", ran, c.getent)
			}
		})
	}
}

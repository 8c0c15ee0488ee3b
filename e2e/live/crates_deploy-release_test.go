package live

import (
	"fmt"
	"strings"
	"testing"
)

// deploy-release with tar archives from the project: r1, then r2 (current
// switches, r1 kept as previous), rollback to r1, keep 2 pruning the
// oldest but never current or previous, a notified step running on a
// switch only, and a bad archive refused with current untouched.
var _ = register(Case{Crate: "deploy-release", Run: func(t *testing.T, n *Node) {
	n.Sh(t, "rm -rf /srv/deploy-live; mkdir -p /srv/deploy-live")
	n.Sh(t, "id deploy-live >/dev/null 2>&1 || useradd -M -s /usr/sbin/nologin deploy-live")
	t.Cleanup(func() { _, _ = n.ShErr(t, "rm -rf /srv/deploy-live; userdel deploy-live") })

	rel := func(v string) string {
		return tarOf(t, true, member{Name: "app/"}, member{Name: "app/bin/", Mode: 0o755},
			member{Name: "app/bin/app", Body: "#!/bin/sh\necho " + v + "\n", Mode: 0o755})
	}
	files := map[string]string{}
	for _, v := range []string{"r1", "r2", "r3", "r4"} {
		files["files/"+v+".tar.gz"] = rel(v)
	}
	deploy := func(id string, extra string) Project {
		return Project{Files: files, Calls: fmt.Sprintf(`- deploy-release: {root: /srv/deploy-live, id: %s, source: files/%s.tar.gz, strip_components: 1, owner: deploy-live, group: deploy-live, keep: 2%s}`, id, id, extra)}
	}

	n.ConvergeProject(t, deploy("r1", ""), func() {
		n.Want(t, "readlink /srv/deploy-live/current", "releases/r1")
		n.Want(t, "/srv/deploy-live/current/bin/app", "r1")
		n.Want(t, "stat -c '%U %G' /srv/deploy-live/releases/r1 /srv/deploy-live/releases/r1/bin/app", "deploy-live deploy-live\ndeploy-live deploy-live")
		n.Want(t, "stat -c '%U %a' /srv/deploy-live/releases", "root 755")
		n.Want(t, "test -e /srv/deploy-live/previous && echo there || echo none", "none")
	})

	// r2: current switches, r1 stays and is previous; no temporary link left
	n.ConvergeProject(t, deploy("r2", ""), func() {
		n.Want(t, "readlink /srv/deploy-live/current", "releases/r2")
		n.Want(t, "readlink /srv/deploy-live/previous", "releases/r1")
		n.Want(t, "/srv/deploy-live/current/bin/app", "r2")
		n.Want(t, "ls /srv/deploy-live/releases", "r1\nr2")
		n.Want(t, "ls -A /srv/deploy-live", "current\nprevious\nreleases")
	})

	// rollback: current goes back to r1; a rerun changes nothing
	rollback := `- deploy-release: {root: /srv/deploy-live, action: rollback}`
	n.Converge(t, rollback, func() {
		n.Want(t, "readlink /srv/deploy-live/current", "releases/r1")
		n.Want(t, "/srv/deploy-live/current/bin/app", "r1")
	})

	// keep 2: deploying r3 then r4 prunes the oldest, never current or previous
	n.Sh(t, "sleep 1")
	n.ConvergeProject(t, deploy("r3", ""), func() {
		n.Want(t, "readlink /srv/deploy-live/current", "releases/r3")
		n.Want(t, "readlink /srv/deploy-live/previous", "releases/r1")
		// r2 is neither current nor previous, and the 2 newest are r3 and r2: all kept still
		n.Want(t, "ls /srv/deploy-live/releases", "r1\nr2\nr3")
	})
	n.Sh(t, "sleep 1")
	// a notified step runs on the switch, not on a rerun
	notify := Project{Files: files, Calls: deploy("r4", "").Calls + `
  notify: deploy-live
- exec-script: {name: restart, script: "echo restarted >> /srv/deploy-live/restarts"}
  when_notified: deploy-live
`}
	n.ApplyProject(t, notify)
	n.Want(t, "readlink /srv/deploy-live/current", "releases/r4")
	n.Want(t, "readlink /srv/deploy-live/previous", "releases/r3")
	n.Want(t, "ls /srv/deploy-live/releases", "r3\nr4")
	n.Want(t, "cat /srv/deploy-live/restarts", "restarted")
	r := n.ApplyProject(t, notify)
	if r.Changed() != 0 {
		t.Errorf("rerun of r4 changed %d steps\n%s", r.Changed(), r)
	}
	n.Want(t, "cat /srv/deploy-live/restarts", "restarted")

	// a bad archive (a member with ..) is refused: no release dir, current untouched
	bad := map[string]string{"files/bad.tar.gz": tarOf(t, true, member{Name: "ok"}, member{Name: "../evil", Body: "evil\n"})}
	_, msg := n.ApplyProjectFails(t, Project{Files: bad, Calls: `- deploy-release: {root: /srv/deploy-live, id: bad, source: files/bad.tar.gz}`})
	if !strings.Contains(msg, "outside the directory") {
		t.Errorf("the refusal does not say why: %q", msg)
	}
	n.Want(t, "readlink /srv/deploy-live/current", "releases/r4")
	n.Want(t, "ls /srv/deploy-live/releases; test -e /srv/deploy-live/evil && echo evil || echo clean", "r3\nr4\nclean")

	// rollback without a previous release says so
	n.Sh(t, "rm /srv/deploy-live/previous")
	_, msg = n.ApplyFails(t, rollback)
	if !strings.Contains(msg, "no previous release") {
		t.Errorf("the refusal does not say why: %q", msg)
	}
	n.Want(t, "readlink /srv/deploy-live/current", "releases/r4")
}})

// deploy-release from git: git installed with the package crate, a bare
// repository made on the node with two commits; commit 1 deployed (a
// rerun and a check change nothing), commit 2 as another release, and a
// pin the repository does not have refused, saying so, with current and
// the releases as they were.
var _ = register(Case{Crate: "deploy-release", Name: "git", Apt: true, Run: func(t *testing.T, n *Node) {
	n.Apply(t, `- package: {packages: [git]}`)
	n.Sh(t, "rm -rf /srv/deploy-git /srv/deploy-git-repo /tmp/deploy-git-work; mkdir -p /srv/deploy-git")
	t.Cleanup(func() { _, _ = n.ShErr(t, "rm -rf /srv/deploy-git /srv/deploy-git-repo /tmp/deploy-git-work") })
	n.Sh(t, `set -e
git init -q --bare /srv/deploy-git-repo
git init -q /tmp/deploy-git-work
cd /tmp/deploy-git-work
g() { git -c user.name=live -c user.email=live@example.com "$@"; }
mkdir bin; printf 'one\n' >bin/version; g add -A; g commit -q -m one
printf 'two\n' >bin/version; printf 'new\n' >NEWS; g add -A; g commit -q -m two
g push -q /srv/deploy-git-repo HEAD:refs/heads/main`)
	c1 := strings.TrimSpace(n.Sh(t, "git -C /tmp/deploy-git-work rev-parse HEAD~1"))
	c2 := strings.TrimSpace(n.Sh(t, "git -C /tmp/deploy-git-work rev-parse HEAD"))
	deploy := func(id, repo, commit string) string {
		return fmt.Sprintf(`- deploy-release: {root: /srv/deploy-git, id: %s, git: %s, commit: %s}`, id, repo, commit)
	}

	// commit 1 (a commit no branch names: fetched by its name) from a path on the node
	n.Converge(t, deploy("c1", "/srv/deploy-git-repo", c1), func() {
		n.Want(t, "readlink /srv/deploy-git/current", "releases/c1")
		n.Want(t, "cat /srv/deploy-git/current/bin/version", "one")
		n.Want(t, "test -e /srv/deploy-git/current/NEWS && echo there || echo none", "none")
		n.Want(t, "test -e /srv/deploy-git/current/.git && echo there || echo none", "none")
	})
	// commit 2 from a file:// URL: another release, c1 is previous
	n.Converge(t, deploy("c2", "file:///srv/deploy-git-repo", c2), func() {
		n.Want(t, "readlink /srv/deploy-git/current", "releases/c2")
		n.Want(t, "readlink /srv/deploy-git/previous", "releases/c1")
		n.Want(t, "cat /srv/deploy-git/current/bin/version /srv/deploy-git/current/NEWS", "two\nnew")
		n.Want(t, "ls -A /srv/deploy-git/releases", "c1\nc2")
	})

	// a pin the repository does not have: refused, naming it; nothing changed
	wrong := "0123456789abcdef0123456789abcdef01234567"
	_, msg := n.ApplyFails(t, deploy("c3", "/srv/deploy-git-repo", wrong))
	if !strings.Contains(msg, "has no commit "+wrong) {
		t.Errorf("the refusal does not name the commit: %q", msg)
	}
	n.Want(t, "readlink /srv/deploy-git/current", "releases/c2")
	n.Want(t, "ls -A /srv/deploy-git/releases", "c1\nc2")
	// no temporary clone left behind
	n.Want(t, "find /tmp -maxdepth 2 -name repo -path '/tmp/tmp.*' | wc -l", "0")
}})

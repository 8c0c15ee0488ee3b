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

package live

import (
	"strings"
	"testing"
	"time"
)

// The install is big (a JRE, then a JDK: about 40 s and 30 s a release on
// a busy 2-core machine, the whole case under 2 minutes), so it runs on
// every release; the times go to the test log.
var _ = register(Case{Crate: "java", Apt: true, Run: func(t *testing.T, n *Node) {
	v := map[string]string{"bullseye": "17", "bookworm": "17", "trixie": "21"}[n.Release]
	defer n.ShErr(t, "DEBIAN_FRONTEND=noninteractive apt-get purge -y -q 'openjdk-*' >/dev/null 2>&1; DEBIAN_FRONTEND=noninteractive apt-get autoremove --purge -y -q >/dev/null 2>&1")

	// kind: jre, the OS's default version: a headless runtime, no
	// compiler.
	start := time.Now()
	n.Converge(t, `- java: {kind: jre}`, func() {
		n.Want(t, "dpkg-query -W -f '${Package} ${db:Status-Abbrev}\\n' openjdk-"+v+"-jre-headless", "openjdk-"+v+"-jre-headless ii")
		if out := n.Sh(t, "java -version 2>&1"); !strings.Contains(out, `version "`+v+`.`) {
			t.Errorf("java -version is not %s:\n%s", v, out)
		}
		n.Want(t, "command -v javac || echo none", "none")
	})
	t.Logf("java: the jre installed and converged in %s", time.Since(start).Round(time.Second))

	// The default kind, jdk, headless: javac compiles and java runs.
	start = time.Now()
	n.Converge(t, `- java: {version: "`+v+`", headless: true}`, func() {
		n.Want(t, "dpkg-query -W -f '${Package} ${db:Status-Abbrev}\\n' openjdk-"+v+"-jdk-headless", "openjdk-"+v+"-jdk-headless ii")
		n.Sh(t, "rm -rf /srv/live-java && mkdir -p /srv/live-java && printf '%s\\n' 'public class Hi { public static void main(String[] a) { System.out.println(\"hi \" + Runtime.version().feature()); } }' >/srv/live-java/Hi.java")
		n.Want(t, "cd /srv/live-java && javac Hi.java && java -cp . Hi", "hi "+v)
	})
	t.Logf("java: the jdk installed and converged in %s", time.Since(start).Round(time.Second))
	n.Sh(t, "rm -rf /srv/live-java")

	// A version the OS does not package fails, with apt's reason.
	_, msg := n.ApplyFails(t, `- java: {version: "8"}`)
	if !strings.Contains(msg, "Unable to locate package openjdk-8-jdk-headless") {
		t.Errorf("an unpackaged version failed without saying so:\n%s", msg)
	}
}})

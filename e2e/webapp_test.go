package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/palletops/pallet/compiler"
	"github.com/palletops/pallet/lift"
	"github.com/palletops/pallet/project"
	"github.com/palletops/pallet/provider/nspawn/nspawntest"
	"github.com/palletops/pallet/provider/providers"
)

// webappBlock is the nspawn address block of TestWebappExample's nodes:
// apart from the other nspawn tests' (100, 140, 150, 160), the benchmark's
// (200) and users' default (10).
const webappBlock = 231

// TestWebappExample runs examples/webapp as its README section says, through
// the built binaries, on real nodes: converge lb=1 app=2 makes a load
// balancer whose page comes from both app nodes in turn, a second converge
// changes nothing, app=3 puts the third node into nginx's upstream, and
// --var app_port moves the apps and the upstream to another port. The
// example gets its own state dir and address block, so it never meets
// another test's nodes; every node goes at the end.
func TestWebappExample(t *testing.T) {
	t.Parallel()
	key := nspawntest.KeyFile(t) // skips unless root with nspawn
	if testing.Short() {
		t.Skip("-short: the webapp example installs nginx and busybox on three nodes")
	}
	if !nspawntest.AptReachable("bookworm") {
		t.Skip("deb.debian.org is not reachable: the webapp example installs nginx and busybox from it")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH to build palletc and pallet-run with")
	}
	start := time.Now()
	bin := buildBinaries(t, "palletc", "pallet-run")
	dir := copyExample(t, "../examples/webapp")
	file := filepath.Join(dir, "pallet.yaml")
	editFile(t, file,
		"admin:\n  user: deploy ", fmt.Sprintf("admin:\n  public_key_file: %q\n  user: deploy ", key+".pub"),
		"  local: {kind: nspawn}\n", fmt.Sprintf("  local:\n    kind: nspawn\n    state_dir: state\n    cache_dir: %q\n    address_block: %d\n",
			filepath.Join(nspawntest.CacheDir(), "rootfs"), webappBlock))
	home := t.TempDir()
	env := append(slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "HOME=") || strings.HasPrefix(kv, "PALLET_AGE_IDENTITY=")
	}), "HOME="+home)

	// cmd runs one of the binaries in the project's directory, as the
	// README's commands do, and returns its stdout; any exit but 0 fails.
	// Everything any of them prints is kept in output, which must never
	// hold the token.
	var output strings.Builder
	cmd := func(stdin string, name string, args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		c := exec.CommandContext(ctx, filepath.Join(bin, name), args...)
		c.Dir, c.Env, c.Stdin = dir, env, strings.NewReader(stdin)
		var stdout, stderr strings.Builder
		c.Stdout, c.Stderr = &stdout, &stderr
		err := c.Run()
		output.WriteString(stdout.String() + stderr.String())
		if err != nil {
			t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), err, stdout.String(), stderr.String())
		}
		return stdout.String()
	}
	ssh := []string{"-i", key, "--ssh-config", "none"}
	t.Cleanup(func() {
		for _, g := range []string{"lb", "app"} {
			c := exec.Command(filepath.Join(bin, "pallet-run"), "nodes", "destroy", "--provider", "local", "--group", g)
			c.Dir, c.Env = dir, env
			if out, err := c.CombinedOutput(); err != nil {
				t.Errorf("cleanup: nodes destroy --group %s: %v\n%s", g, err, out)
			}
		}
	})

	// The operator's identity and token, as the README sets them up: the
	// identity is made here, in the test's own HOME, and the secrets file
	// encrypted to it, in the test's copy of the example (the repository
	// holds neither).
	cmd("", "palletc", "secrets", "init")
	cmd(testToken+"\n", "palletc", "secrets", "set", "app_token")
	if got := cmd("", "palletc", "secrets", "list"); got != "app_token\n" {
		t.Errorf("palletc secrets list: %q, want app_token", got)
	}
	tokenSum := fmt.Sprintf("%x", sha256.Sum256([]byte(testToken)))
	// render, as the README's reader runs it: the token's placeholder.
	if out := cmd("", "palletc", "render", "--group", "app", "--phase", "configure"); !strings.Contains(out, "<secret:app_token>") || strings.Contains(out, testToken) || strings.Contains(out, tokenSum) {
		t.Errorf("palletc render shows no placeholder for app_token, or shows the token or its sha256")
	}

	converge := func(counts ...string) convergeDoc {
		t.Helper()
		out := cmd("", "pallet-run", append(append([]string{"converge", "--provider", "local"}, counts...), append(ssh, "--json")...)...)
		var doc convergeDoc
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("converge %v: %v\n%s", counts, err, out)
		}
		if !doc.OK {
			t.Fatalf("converge %v: not ok:\n%s", counts, out)
		}
		return doc
	}
	// served asks the load balancer for its page until every app node has
	// answered, and returns which nodes answered. Each request is a new
	// connection: a kept-alive one may stay with a worker of the config
	// before the last reload. Each nginx worker keeps its own round-robin,
	// so with W workers it can take W rounds to see every node.
	served := func(apps []string, port string) []string {
		t.Helper()
		lb := nodesOf(t, cmd("", "pallet-run", "nodes", "--provider", "local", "--json"), "lb")
		if len(lb) != 1 {
			t.Fatalf("want one lb node, have %v", lb)
		}
		client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		seen := map[string]bool{}
		// systemctl reload nginx returns once the master has its signal;
		// until the new workers take over, the old ones answer from the
		// old upstream (a 502 when the apps moved port). So the first
		// answers may be old; give the reload a few seconds to finish.
		settled := time.Now().Add(15 * time.Second)
		for i := 0; i < 20*len(apps) && len(seen) < len(apps); i++ {
			resp, err := client.Get("http://" + lb[0].Host + "/")
			if err != nil {
				t.Fatalf("GET the lb: %v", err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			m := regexp.MustCompile(`Hello from (\S+) \(127\.[0-9.]+:` + port + `\)</p>\n<p>token-sha256: ` + tokenSum + `</p>`).FindSubmatch(body)
			if resp.StatusCode != http.StatusOK || m == nil {
				if time.Now().Before(settled) {
					time.Sleep(200 * time.Millisecond)
					i--
					continue
				}
				t.Fatalf("GET http://%s/: %s\n%s", lb[0].Host, resp.Status, body)
			}
			seen[string(m[1])] = true
		}
		var names []string
		for n := range seen {
			names = append(names, n)
		}
		slices.Sort(names)
		return names
	}
	appNames := func() []string {
		t.Helper()
		var names []string
		for _, n := range nodesOf(t, cmd("", "pallet-run", "nodes", "--provider", "local", "--json"), "app") {
			names = append(names, n.Name)
		}
		slices.Sort(names)
		return names
	}

	doc := converge("lb=1", "app=2")
	if len(doc.Created) != 3 {
		t.Errorf("first converge created %v, want 3 nodes", doc.Created)
	}
	apps := appNames()
	if got := served(apps, "8080"); !slices.Equal(got, apps) {
		t.Errorf("the lb served pages of %v, want every app node %v", got, apps)
	}

	// The secret reached the app nodes, in the file the app reads, as
	// only root and www-data may read it.
	for _, want := range []string{"640 root:www-data " + fmt.Sprintf("%x", sha256.Sum256([]byte(testToken+"\n")))} {
		out := cmd("", "pallet-run", append([]string{"exec", "--provider", "local", "app"}, append(ssh, "--shell", "stat -c '%a %U:%G' /etc/webapp/token | tr '\\n' ' '; sha256sum < /etc/webapp/token")...)...)
		for _, n := range apps {
			if !strings.Contains(out, n+": "+want) {
				t.Errorf("on %s /etc/webapp/token is not %q:\n%s", n, want, out)
			}
		}
	}
	// What converge uploaded holds neither the token nor its sha256: the
	// scripts lift compiles for these nodes carry them only in secret
	// payloads (and palletc build cannot build this project: its params
	// read node data).
	for _, s := range liftScripts(t, file, home) {
		if strings.Contains(string(s.Text.Bytes()), testToken) || strings.Contains(string(s.Text.Bytes()), tokenSum) {
			t.Errorf("%s's %s script holds the token or its sha256", s.Node, s.Phase)
		}
		if s.Group == "app" && s.Phase == "configure" {
			secret := 0
			for _, pl := range s.Payloads {
				if pl.Secret && pl.Salt != "" && (strings.Contains(string(pl.Data), tokenSum) || strings.Contains(string(pl.Data), testToken)) {
					secret++
				}
			}
			if secret != 2 {
				t.Errorf("%s's configure script has %d secret payloads with the token or its sha256, want 2 (token, page)", s.Node, secret)
			}
		}
	}

	doc = converge("lb=1", "app=2")
	if s := doc.Totals.Steps; s.Changed != 0 || s.Ran != 0 || len(doc.Created) != 0 {
		t.Errorf("second converge: created %v, %d changed, %d ran; want nothing", doc.Created, s.Changed, s.Ran)
	}

	converge("lb=1", "app=3")
	apps = appNames()
	if len(apps) != 3 {
		t.Fatalf("after app=3 the app nodes are %v", apps)
	}
	if got := served(apps, "8080"); !slices.Equal(got, apps) {
		t.Errorf("after app=3 the lb served pages of %v, want every app node %v", got, apps)
	}

	// A var changes the unit and nginx's upstream: the guarded
	// daemon-reload restarts every app on the new port, and nginx reloads.
	converge("lb=1", "app=3", "--var", "app_port=9090")
	if got := served(apps, "9090"); !slices.Equal(got, apps) {
		t.Errorf("after --var app_port=9090 the lb served pages of %v, want every app node %v on 9090", got, apps)
	}
	// Nothing any command printed, and no file the runs left in the
	// project (logs under .pallet/runs, the provider's records), holds the
	// token. (The nodes' own file systems, under state/nodes, hold it in
	// /etc/webapp/token, as they should.)
	if strings.Contains(output.String(), testToken) {
		t.Error("the commands' output holds the token")
	}
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() && path == filepath.Join(dir, "state", "nodes") {
			return filepath.SkipDir
		}
		if err == nil && d.Type().IsRegular() {
			if b, err := os.ReadFile(path); err == nil && strings.Contains(string(b), testToken) {
				t.Errorf("%s holds the token", path)
			}
		}
		return nil
	})
	t.Logf("webapp example: converge 3 nodes, rerun, add one, change the port: %s", time.Since(start).Round(time.Second))
}

// testToken is the app_token TestWebappExample sets: a secret only this
// test's identity can read.
const testToken = "webapp-token-for-the-test"

// liftScripts compiles every phase of every node the provider local has,
// exactly as lift and converge do (lift.Compile, real secrets): the
// scripts a run uploads, but for their payloads' random salts.
func liftScripts(t *testing.T, file, home string) []*compiler.Script {
	t.Helper()
	p, err := compiler.LoadEnv(file, &project.Env{User: "root", Home: home})
	if err != nil {
		t.Fatal(err)
	}
	prov, err := providers.Open(t.Context(), p.Project, "local", providers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	all, err := prov.Nodes(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	phases := []string{"bootstrap", "configure"}
	c, err := lift.Compile(p, []string{"app", "lb"}, phases)
	if err != nil {
		t.Fatal(err)
	}
	c.WithNodes(all)
	var out []*compiler.Script
	for _, n := range all {
		osID := n.OS
		if osID == "" || osID == lift.AutoOS {
			osID = "debian-12" // what nspawn nodes run
		}
		for _, ph := range phases {
			s, err := c.Script(n, ph, osID)
			if err != nil {
				t.Fatalf("compile %s %s: %v", n.Name, ph, err)
			}
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		t.Fatal("no scripts compiled: the provider has no nodes")
	}
	return out
}

// convergeDoc is what TestWebappExample reads of converge's JSON document.
type convergeDoc struct {
	OK      bool     `json:"ok"`
	Created []string `json:"created"`
	Totals  struct {
		Steps struct {
			Changed int `json:"changed"`
			Ran     int `json:"ran"`
		} `json:"steps"`
	} `json:"totals"`
}

// listedNode is one node of `pallet-run nodes --json`.
type listedNode struct {
	Name  string `json:"name"`
	Group string `json:"group"`
	Host  string `json:"host"`
}

// nodesOf returns group's nodes of a `pallet-run nodes --json` document.
func nodesOf(t *testing.T, doc, group string) []listedNode {
	t.Helper()
	var d struct {
		Nodes []listedNode `json:"nodes"`
	}
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatalf("nodes --json: %v\n%s", err, doc)
	}
	var out []listedNode
	for _, n := range d.Nodes {
		if n.Group == group {
			out = append(out, n)
		}
	}
	return out
}

// buildBinaries builds the named commands of cmd/ into a temporary
// directory and returns it, so the test runs what a user runs.
func buildBinaries(t *testing.T, names ...string) string {
	t.Helper()
	bin := t.TempDir()
	args := []string{"build", "-o", bin + string(filepath.Separator)}
	for _, n := range names {
		args = append(args, "../cmd/"+n)
	}
	if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return bin
}

// copyExample copies an example project's regular files into a temporary
// directory, so the test's edits and its state stay out of the tree.
func copyExample(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			if d.Name() == ".pallet" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// editFile replaces each old text (pairs: old, new) once in file, failing
// when one is not there: the example changed and the test must follow.
func editFile(t *testing.T, file string, pairs ...string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for i := 0; i+1 < len(pairs); i += 2 {
		if !strings.Contains(s, pairs[i]) {
			t.Fatalf("%s no longer holds %q", file, pairs[i])
		}
		s = strings.Replace(s, pairs[i], pairs[i+1], 1)
	}
	if err := os.WriteFile(file, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

package compiler

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palletops/pallet/packs"
	"github.com/palletops/pallet/packs/packstest"
	"github.com/palletops/pallet/project"
)

// packCrate is a pack's files with one crate, name, whose one step says
// what it is.
func packCrate(name, says string) map[string]string {
	return map[string]string{
		"crates/" + name + "/crate.yaml":      "summary: " + says + "\nfamilies: [debian]\n",
		"crates/" + name + "/default.sh.tmpl": "{{ step \"" + says + "\" }}\n{{ check }}\nfalse\n{{ apply }}\necho " + says + "\n",
	}
}

// packProject writes pallet.yaml (with crate_packs and the calls given)
// and its pallet.sum, and returns the project's env pointed at proxy.
func packProject(t *testing.T, proxy *packstest.Proxy, cratePacks []string, sums packs.Sums, extra, calls string) (string, *project.Env) {
	t.Helper()
	dir := t.TempDir()
	key := filepath.Join(dir, "admin.pub")
	os.WriteFile(key, []byte("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl t@x\n"), 0o644)
	yml := "admin: {user: deploy, public_key_file: admin.pub}\ncrate_packs: [" + strings.Join(cratePacks, ", ") + "]\n" + extra +
		"groups:\n  web:\n    image: {os_family: debian}\n    phases:\n      configure:\n" + calls
	file := filepath.Join(dir, "pallet.yaml")
	if err := os.WriteFile(file, []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := sums.Write(filepath.Join(dir, "pallet.sum")); err != nil {
		t.Fatal(err)
	}
	env := proxy.Env(t.TempDir())
	cfg, err := packs.ConfigFromEnv(func(k string) string { return env[k] }, "")
	if err != nil {
		t.Fatal(err)
	}
	return file, &project.Env{User: "deploy", Home: dir, Packs: cfg}
}

func renderOne(t *testing.T, p *Project) string {
	t.Helper()
	s, err := p.Compile(Target{Group: "web", Phase: "configure", OS: "debian-12"})
	if err != nil {
		t.Fatal(err)
	}
	return string(s.Text.Bytes())
}

// TestPackLookupOrder: crate_paths, then packs in order, then built-ins;
// a name two packs share is refused unqualified, naming both, and works
// qualified.
func TestPackLookupOrder(t *testing.T) {
	proxy := packstest.New(t)
	web := packs.Ref{Path: "example.com/acme/pallet-web", Version: "v1.4.2"}
	other := packs.Ref{Path: "example.com/other/webstuff", Version: "v0.3.0"}
	webFiles := packCrate("nginx", "acme-nginx")
	for k, v := range packCrate("hostname", "acme-hostname") {
		webFiles[k] = v
	}
	for k, v := range packCrate("mine", "acme-mine") {
		webFiles[k] = v
	}
	sums := packs.Sums{
		web:   proxy.Add(web.Path, web.Version, webFiles),
		other: proxy.Add(other.Path, other.Version, packCrate("nginx", "other-nginx")),
	}
	calls := "        - hostname\n        - pallet-web:nginx\n        - webstuff:nginx\n        - example.com/acme/pallet-web:nginx\n        - mine\n"
	file, env := packProject(t, proxy, []string{web.String(), other.String()}, sums, "crate_paths: [own]\n", calls)
	own := filepath.Join(filepath.Dir(file), "own")
	for n, d := range packCrate("mine", "project-mine") {
		os.MkdirAll(filepath.Join(own, filepath.Dir(strings.TrimPrefix(n, "crates/"))), 0o755)
		os.WriteFile(filepath.Join(own, strings.TrimPrefix(n, "crates/")), []byte(d), 0o644)
	}
	p, err := LoadEnv(file, env)
	if err != nil {
		t.Fatal(err)
	}
	text := renderOne(t, p)
	for _, want := range []string{"echo acme-hostname", "echo acme-nginx", "echo other-nginx", "echo project-mine",
		"# pack: example.com/acme/pallet-web@v1.4.2", "# pack: example.com/other/webstuff@v0.3.0"} {
		if !strings.Contains(text, want) {
			t.Errorf("script lacks %q", want)
		}
	}
	if strings.Contains(text, "acme-mine") {
		t.Error("the pack's crate mine won over the project's own")
	}

	file, env = packProject(t, proxy, []string{web.String(), other.String()}, sums, "", "        - nginx\n")
	_, err = LoadEnv(file, env)
	if err == nil {
		t.Fatal("an ambiguous crate name was taken")
	}
	for _, want := range []string{"pallet.yaml:8:11:", `crate "nginx" is in more than one pack`, web.String(), other.String(), "pallet-web:nginx or webstuff:nginx"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

// TestPackSumAndOffline: a pack needs its pallet.sum line; with it, it is
// fetched once and then compiles offline from the cache; offline and
// missing says what to run.
func TestPackSumAndOffline(t *testing.T) {
	proxy := packstest.New(t)
	web := packs.Ref{Path: "example.com/acme/pallet-web", Version: "v1.4.2"}
	hash := proxy.Add(web.Path, web.Version, packCrate("nginx", "acme-nginx"))

	file, env := packProject(t, proxy, []string{web.String()}, packs.Sums{}, "", "        - nginx\n")
	_, err := LoadEnv(file, env)
	if err == nil || !strings.Contains(err.Error(), "pallet.yaml:2:15: crate_packs: example.com/acme/pallet-web@v1.4.2 has no line in pallet.sum: run `palletc packs get example.com/acme/pallet-web@v1.4.2`") {
		t.Errorf("no pallet.sum line: %v", err)
	}

	file, env = packProject(t, proxy, []string{web.String()}, packs.Sums{web: hash}, "", "        - nginx\n")
	offline := *env.Packs
	offline.Offline = true
	offEnv := *env
	offEnv.Packs = &offline
	_, err = LoadEnv(file, &offEnv)
	if err == nil || !strings.Contains(err.Error(), "--offline") || !strings.Contains(err.Error(), "palletc packs verify") {
		t.Errorf("offline, not cached: %v", err)
	}
	if _, err := LoadEnv(file, env); err != nil {
		t.Fatal(err)
	}
	proxy.Close()
	p, err := LoadEnv(file, &offEnv)
	if err != nil {
		t.Fatalf("offline from the cache: %v", err)
	}
	if !strings.Contains(renderOne(t, p), "echo acme-nginx") {
		t.Error("offline render lacks the pack's step")
	}

	bad := packs.Sums{web: "h1:CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC="}
	if err := bad.Write(filepath.Join(filepath.Dir(file), "pallet.sum")); err != nil {
		t.Fatal(err)
	}
	_, err = LoadEnv(file, &offEnv)
	if err == nil || !strings.Contains(err.Error(), hash) || !strings.Contains(err.Error(), "h1:CCCC") {
		t.Errorf("pallet.sum differs from the cache: %v", err)
	}
}

func TestPackWithoutCrates(t *testing.T) {
	proxy := packstest.New(t)
	r := packs.Ref{Path: "example.com/acme/notapack", Version: "v1.0.0"}
	hash := proxy.Add(r.Path, r.Version, map[string]string{"README.md": "hi\n"})
	file, env := packProject(t, proxy, []string{r.String()}, packs.Sums{r: hash}, "", "        - hostname: {name: x}\n")
	_, err := LoadEnv(file, env)
	if err == nil || !strings.Contains(err.Error(), "pack example.com/acme/notapack@v1.0.0 has no crates/ directory") {
		t.Errorf("a module without crates/: %v", err)
	}
}

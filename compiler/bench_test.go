package compiler

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palletops/pallet/project"
	"github.com/palletops/pallet/provider"
)

// BenchmarkCompile1000Groups renders 1,000 groups × 3 phases (bootstrap,
// configure, backup) of typical crate calls, all at once, as palletc build
// does, and reports scripts/s; the target is ≥ 20,000 on 2 cores.
//
// shared: the groups share what fleets share (the same bootstrap, the
// same package and service calls) and differ in paths and contents, so a
// compile renders each shared call once. distinct: no two calls are the
// same, the worst case.
func BenchmarkCompile1000Groups(b *testing.B) {
	for _, mode := range []string{"shared", "distinct"} {
		b.Run(mode, func(b *testing.B) { benchCompile(b, mode == "distinct") })
	}
}

func benchCompile(b *testing.B, distinct bool) {
	dir := b.TempDir()
	writeTestFile(&testing.T{}, filepath.Join(dir, "admin.pub"), "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB6rs0B0bench deploy@bench\n")
	var y strings.Builder
	y.WriteString("admin: {user: deploy, public_key_file: admin.pub}\ngroups:\n")
	for i := 0; i < 1000; i++ {
		shared := ""
		if distinct {
			shared = fmt.Sprint(i)
		}
		fmt.Fprintf(&y, `  g%[1]d:
    phases:
      bootstrap: [{automated-admin-user: {user: admin%[2]s}}]
      configure:
        - package: {packages: [curl, nginx%[2]s]}
        - directory: {path: /srv/app%[1]d, mode: "0755"}
        - file: {path: /srv/app%[1]d/config, content: "port=%[3]d\n", mode: "0640"}
        - line-in-file: {path: /etc/hosts, line: "127.0.0.1 app%[1]d"}
        - service: {name: nginx%[2]s, state: started, enabled: true}
      backup:
        - exec-script: {script: "tar czf /var/backups/app%[1]d.tgz /srv/app%[1]d", creates: /var/backups/app%[1]d.tgz}
`, i, shared, 8000+i)
	}
	load := func() *Project {
		p, err := Parse(filepath.Join(dir, "pallet.yaml"), []byte(y.String()), &project.Env{User: "deploy", Home: dir})
		if err != nil {
			b.Fatal(err)
		}
		return p
	}
	b.ReportAllocs()
	scripts := 0
	var cpu time.Duration
	for b.Loop() {
		// A fresh project each time, as palletc build starts: what one
		// compile shares between groups counts, what an earlier iteration
		// rendered does not.
		b.StopTimer()
		p := load()
		b.StartTimer()
		start := processCPU()
		out, err := p.CompileAll("", "", "")
		cpu += processCPU() - start
		if err != nil {
			b.Fatal(err)
		}
		scripts += len(out)
	}
	reportScripts(b, scripts, cpu)
}

// BenchmarkCompile1000NodesTemplated compiles the configure phase for
// 1,000 nodes of one group, as lift does, where each node's file reads its
// own address and the database nodes ({{ .node.address }}, {{ range
// .groups.db }}), so that call renders per node, beside calls that read
// only vars (rendered once) and plain ones. Reports scripts/s; the target
// is ≥ 10,000 on 2 cores.
func BenchmarkCompile1000NodesTemplated(b *testing.B) {
	dir := b.TempDir()
	y := `admin: {user: deploy}
vars: {port: 8080, pkgs: [curl, nginx]}
groups:
  db: {}
  app:
    phases:
      configure:
        - package: {packages: !var pkgs}
        - file: {path: /etc/app/port, content: "port={{ .vars.port }}\n", mode: "0640"}
        - file:
            path: /etc/app/peers
            content: "me={{ .node.address }}\n{{ range .groups.db }}db={{ .address }}\n{{ end }}"
        - service: {name: nginx, state: started, enabled: true}
`
	p0, err := Parse(filepath.Join(dir, "pallet.yaml"), []byte(y), &project.Env{User: "deploy", Home: dir})
	if err != nil {
		b.Fatal(err)
	}
	var nodes []provider.Node
	for i := 0; i < 1000; i++ {
		nodes = append(nodes, provider.Node{ID: fmt.Sprint(i), Name: fmt.Sprintf("app-%04d", i), Group: "app", Host: fmt.Sprintf("10.0.%d.%d", i/250, i%250+1), OS: "debian-12"})
	}
	for i := 0; i < 3; i++ {
		nodes = append(nodes, provider.Node{ID: fmt.Sprint("db", i), Name: fmt.Sprint("db-", i), Group: "db", Host: fmt.Sprint("10.1.0.", i+1)})
	}
	cl := p0.NewCluster(nodes)
	b.ReportAllocs()
	scripts := 0
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		p, _ := Parse(filepath.Join(dir, "pallet.yaml"), []byte(y), &project.Env{User: "deploy", Home: dir})
		targets := make([]Target, 0, len(nodes))
		for _, nd := range cl.Nodes("app") {
			targets = append(targets, Target{Group: "app", Phase: "configure", OS: "debian-12", Data: nd, Cluster: cl})
		}
		b.StartTimer()
		start := processCPU()
		out, err := p.CompileTargets(targets)
		cpu += processCPU() - start
		if err != nil {
			b.Fatal(err)
		}
		scripts += len(out)
	}
	reportScripts(b, scripts, cpu)
}

// reportScripts reports scripts/s (wall time) and, where the system tells,
// the CPU time (user and system, every thread) per script, which depends
// less on what else the machine runs.
func reportScripts(b *testing.B, scripts int, cpu time.Duration) {
	b.ReportMetric(float64(scripts)/b.Elapsed().Seconds(), "scripts/s")
	if cpu > 0 && scripts > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/float64(scripts), "cpu-µs/script")
	}
}

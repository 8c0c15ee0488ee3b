package compiler

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkCompile1000Groups renders 1,000 groups × 3 phases (bootstrap,
// configure, backup) of typical crate calls, all at once, as palletc build
// does. It reports scripts/s; the target is ≥ 20,000 on 2 cores.
func BenchmarkCompile1000Groups(b *testing.B) {
	dir := b.TempDir()
	writeTestFile(&testing.T{}, filepath.Join(dir, "admin.pub"), "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB6rs0B0bench deploy@bench\n")
	var y strings.Builder
	y.WriteString("admin: {user: deploy, public_key_file: admin.pub}\ngroups:\n")
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&y, `  g%d:
    phases:
      bootstrap: [automated-admin-user]
      configure:
        - package: {packages: [curl, nginx]}
        - directory: {path: /srv/app%d, mode: "0755"}
        - file: {path: /srv/app%d/config, content: "port=%d\n", mode: "0640"}
        - line-in-file: {path: /etc/hosts, line: "127.0.0.1 app%d"}
        - service: {name: nginx, state: started, enabled: true}
      backup:
        - exec-script: {script: "tar czf /var/backups/app%d.tgz /srv/app%d", creates: /var/backups/app%d.tgz}
`, i, i, i, 8000+i, i, i, i, i)
	}
	p, err := Parse(filepath.Join(dir, "pallet.yaml"), []byte(y.String()), &Env{User: "deploy", Home: dir})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	scripts := 0
	for b.Loop() {
		out, err := p.CompileAll("", "", "")
		if err != nil {
			b.Fatal(err)
		}
		scripts += len(out)
	}
	b.ReportMetric(float64(scripts)/b.Elapsed().Seconds(), "scripts/s")
}

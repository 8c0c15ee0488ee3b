package compiler

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/palletops/pallet/project"
)

// TestFlagsRendered: a notifying call's steps run under pallet_notify, a
// when_notified call's steps (all of them: service renders two here) sit
// between pallet_when_notified and pallet_lowered, and calls without flags
// get nothing, even when the same call (kept rendered) has flags elsewhere.
func TestFlagsRendered(t *testing.T) {
	dir := t.TempDir()
	p, err := Parse(filepath.Join(dir, "pallet.yaml"), []byte(`groups:
  g:
    image: {os_family: debian}
    phases:
      p:
        - file: {path: /etc/app.conf, content: "a\n"}
          notify: [app, web]
        - file: {path: /etc/app.conf, content: "a\n"}
        - service: {name: app, state: reloaded, enabled: true}
          when_notified: [app, web]
          notify: after
        - exec-script: {script: "true"}
          when_notified: after
`), &project.Env{User: "deploy", Home: dir})
	if err != nil {
		t.Fatal(err)
	}
	s, err := p.Compile(Target{Group: "g", Phase: "p"})
	if err != nil {
		t.Fatal(err)
	}
	text := string(s.Text.Bytes())
	i := strings.Index(text, "\npallet_notify app web\n")
	if i < 0 {
		t.Fatalf("no pallet_notify line:\n%s", text)
	}
	want := `
pallet_notify app web
pallet_step 1 file 'file /etc/app.conf' pallet_check_1 pallet_apply_1 checked inline-check inline-apply
pallet_notify
pallet_step 2 file 'file /etc/app.conf' pallet_check_2 pallet_apply_2 checked inline-check inline-apply
pallet_notify after
pallet_when_notified app web
pallet_step 3 service 'enable app' pallet_check_3 pallet_apply_3
pallet_step 4 service 'reload app' '' pallet_apply_4
pallet_lowered
pallet_notify
pallet_when_notified after
pallet_step 5 exec-script script '' pallet_apply_5 inline-apply
pallet_lowered
pallet_done 0
`
	if got := text[i:]; got != want {
		t.Errorf("steps:\n%s\nwant:\n%s", got, want)
	}
}

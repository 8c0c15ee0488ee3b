package project

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestCallFlags: notify: and when_notified: sit beside the crate key, as a
// name or a list, each name once, and across phases.
func TestCallFlags(t *testing.T) {
	dir := t.TempDir()
	p, err := Parse(filepath.Join(dir, "pallet.yaml"), []byte(`groups:
  web:
    phases:
      configure:
        - file: {path: /etc/a}
          notify: [nginx, app, nginx]
        - notify: cron
          file: {path: /etc/b}
      reload:
        - service: {name: nginx, state: reloaded}
          when_notified: nginx
        - exec-script: {script: "true"}
          when_notified: [app, cron]
`), &Env{Home: dir})
	if err != nil {
		t.Fatal(err)
	}
	cfg, rl := p.Groups[0].Phases[0].Calls, p.Groups[0].Phases[1].Calls
	if cfg[0].Crate != "file" || !slices.Equal(cfg[0].Notify, []string{"nginx", "app"}) {
		t.Errorf("first call: %s notify %v", cfg[0].Crate, cfg[0].Notify)
	}
	if cfg[1].Crate != "file" || !slices.Equal(cfg[1].Notify, []string{"cron"}) || cfg[1].Params == nil {
		t.Errorf("notify before the crate key: %s notify %v params %v", cfg[1].Crate, cfg[1].Notify, cfg[1].Params)
	}
	var names []string
	for _, f := range rl[1].WhenNotified {
		names = append(names, f.Name)
	}
	if rl[0].Crate != "service" || len(rl[0].WhenNotified) != 1 || rl[0].WhenNotified[0].Name != "nginx" || !slices.Equal(names, []string{"app", "cron"}) {
		t.Errorf("when_notified: %+v, %v", rl[0].WhenNotified, names)
	}
}

// TestCallFlagErrors: bad flag names, unknown keys beside the crate and a
// when_notified: nobody notifies are errors at their place.
func TestCallFlagErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := Parse(filepath.Join(dir, "pallet.yaml"), []byte(`groups:
  web:
    phases:
      configure:
        - file: {path: /etc/a}
          notify: [nginx, Bad.Name]
        - file: {path: /etc/b}
          notfy: nginx
        - service: {name: nginx, state: reloaded}
          when_notified: ngnix
        - notify: nginx
`), &Env{Home: dir})
	if err == nil {
		t.Fatal("no error")
	}
	var lines []string
	for _, e := range err.(ErrorList) {
		lines = append(lines, strings.TrimPrefix(e.Error(), dir+"/"))
	}
	want := []string{
		`pallet.yaml:6:27: notify: flag name "Bad.Name": use lower-case letters, digits, '-' and '_' (at most 64)`,
		`pallet.yaml:8:11: "notfy" is not a call keyword (did you mean "notify"?) (beside the crate file: notify, when_notified)`,
		`pallet.yaml:10:26: when_notified: no call notifies "ngnix" (did you mean "nginx"?) (flags notified: nginx), so service would never run`,
		`pallet.yaml:11:11: a crate call names a crate beside notify: and when_notified:; got only a mapping`,
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

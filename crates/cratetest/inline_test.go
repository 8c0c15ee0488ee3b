package cratetest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/palletops/pallet/templates"
)

// TestInlinePartSemantics: a part run in the script's process
// (pallet_part's inline) ends, and with the status, where the same part
// run in pallet_part's subshell does: the first command that fails where
// errexit counts, through helpers, command substitutions, pipelines,
// subshells, conditions, ! and && ||; exit made return. After it the
// script's shell is as a subshell would have left it: no ERR trap, no
// errtrace, errexit on, its EXIT trap its own, the helpers' PALLET_
// results and temporary files gone.
func TestInlinePartSemantics(t *testing.T) {
	helpers := helperSource(t, "pallet_temp_file", "pallet_temp_name", "pallet_temp_gone", "pallet_tmp_remember", "pallet_new_file")
	dir := t.TempDir()
	cases := []struct {
		name, body string
		rc         string
	}{
		{"fails", "true; false; echo ran-on >&2", "1"},
		{"a helper fails", "h; echo ran-on >&2", "1"},
		{"a condition", "if hc; then :; fi; true", "0"},
		{"a command substitution", "x=$(false; echo y); [[ $x == y ]]", "0"},
		{"an assignment fails", "x=$(false); echo ran-on >&2", "1"},
		{"pipefail", "false | true; echo ran-on >&2", "1"},
		{"!", "! true; true", "0"},
		{"a subshell", "(false; echo ran-on >&2); echo ran-on >&2", "1"},
		{"|| return", "true || return 98; [[ a == b ]] || return 98; echo ran-on >&2", "98"},
		{"return 0", "return 0; echo ran-on >&2", "0"},
		{"return 7", "return 7", "7"},
		{"|| return in a substitution", "local v; v=$(exit 3) || return 5", "5"},
		{"arithmetic", "(( 0 )); echo ran-on >&2", "1"},
		{"a group", "{ false; echo ran-on >&2; } 2>/dev/null", "1"},
		{"a loop", "for i in 1 2; do [[ $i == 2 ]] && return 4; done", "4"},
		{"in a while", "while read -r l; do [[ $l == b ]] && false; done <<<$'a\\nb'; echo ran-on >&2", "1"},
		{"caught", "out=$(exit 9) || rc=$?; ((rc == 9))", "0"},
		{"the last of &&", "true && false; echo ran-on >&2", "1"},
		{"not the last of &&", "false && true; true", "0"},
		{"set +e in a helper", "quiet || true", "0"},
		{"a helper's status", "quiet", "3"},
		{"a temporary file", "pallet_temp_file " + dir + "; echo \"$PALLET_TEMP\" >" + dir + "/name$PALLET_INLINE; false", "1"},
	}
	var b strings.Builder
	b.WriteString("set -euo pipefail\nPALLET_TOTAL=1\n")
	b.WriteString(templates.Runtime)
	b.WriteString(helpers)
	b.WriteString("h() { false; echo ran-on >&2; }\nhc() { false; echo cond-went-on >&2; }\nquiet() { set +e; false; local r=$?; set -e; ((r == 1)) && return 3; }\n")
	b.WriteString("trap 'echo main-exit-trap' EXIT\n")
	for i, c := range cases {
		b.WriteString("part" + strconv.Itoa(i) + "() {\n" + c.body + "\n}\n")
	}
	for i := range cases {
		n := strconv.Itoa(i)
		b.WriteString("pallet_part part" + n + " inline; a=$PALLET_RC\n")
		b.WriteString("[[ $(trap -p ERR) == '' && $- != *E* && $- == *e* && -z ${PALLET_TEMP-} ]] || echo 'shell left changed after part" + n + "'\n")
		b.WriteString("[[ $(trap -p EXIT) == *main-exit-trap* ]] || echo 'EXIT trap changed after part" + n + "'\n")
		b.WriteString("pallet_part part" + n + "; s=$PALLET_RC\n")
		b.WriteString("echo \"rc " + n + " $a $s\"\n")
	}
	b.WriteString("echo end\n")
	cmd := exec.Command("bash", "-c", b.String())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	got := string(out)
	// in a condition errexit is off: the helper goes on, in both
	if strings.Count(got, "cond-went-on") != 2 || strings.Contains(got, "ran-on") || strings.Contains(got, "changed after") || !strings.HasSuffix(got, "end\nmain-exit-trap\n") {
		t.Errorf("output:\n%s", got)
	}
	for i, c := range cases {
		want := "rc " + strconv.Itoa(i) + " " + c.rc + " " + c.rc + "\n"
		if !strings.Contains(got, want) {
			t.Errorf("%s: want inline and subshell status %s:\n%s", c.name, c.rc, got)
		}
	}
	for _, f := range []string{"name1", "name"} {
		name, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if tmp := strings.TrimSpace(string(name)); tmp == "" {
			t.Errorf("%s: the temporary file's name was not written", f)
		} else if _, err := os.Lstat(tmp); !os.IsNotExist(err) {
			t.Errorf("%s: the temporary file %s is still there (%v)", f, tmp, err)
		}
	}
}

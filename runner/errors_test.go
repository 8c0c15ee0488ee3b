package runner

import (
	"errors"
	"strings"
	"testing"
)

// TestScriptDiedMessage: the message claims only what the status lines
// proved. A lost connection says where the status lines stopped, never
// that the script died there.
func TestScriptDiedMessage(t *testing.T) {
	s1 := StepResult{N: 1, Total: 3, Crate: "a", Name: "one", Status: StatusOK}
	s2 := StepResult{N: 2, Total: 3, Crate: "b", Name: "two"}
	s2done := StepResult{N: 2, Total: 3, Crate: "b", Name: "two", Status: StatusChanged}
	s3done := StepResult{N: 3, Total: 3, Crate: "c", Name: "three", Status: StatusRan}
	lost := errors.New("no answer to an SSH keepalive within 3s")
	tests := []struct {
		name string
		err  ScriptDiedError
		want string
	}{
		{"lost while a step ran", ScriptDiedError{Step: &s2, Lost: lost},
			`connection lost (no answer to an SSH keepalive within 3s) while step 2/3 b "two" was running (its end line did not arrive; what ran after is unknown)`},
		{"lost between steps", ScriptDiedError{After: &s2done, Lost: lost},
			`connection lost (no answer to an SSH keepalive within 3s) after step 2/3 b "two" finished (changed); no status for step 3/3 (it may have run)`},
		{"lost after the last step", ScriptDiedError{After: &s3done, Lost: lost},
			`after step 3/3 c "three" finished (ran); the done line did not arrive`},
		{"lost before any step", ScriptDiedError{Lost: lost},
			`connection lost (no answer to an SSH keepalive within 3s) before any step status arrived`},
		{"exited between steps", ScriptDiedError{ExitCode: 0, After: &s1},
			`script died (exit status 0 but no done line (a step called exit, or the script was cut short)) after step 1/3 a "one" finished`},
		{"exited in a step", ScriptDiedError{ExitCode: 3, Step: &s2},
			`script died (exit status 3) during step 2/3 b "two"`},
		{"exited before any step", ScriptDiedError{ExitCode: 2},
			`script died (exit status 2) before its first step`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.err.Node, tt.err.Phase = "n", "p"
			got := tt.err.Error()
			if !strings.HasPrefix(got, "node n phase p: ") || !strings.Contains(got, tt.want) {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			if tt.err.Lost != nil && strings.Contains(got, "died") {
				t.Errorf("a lost connection is reported as the script dying: %s", got)
			}
		})
	}
}

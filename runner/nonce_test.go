package runner

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/palletops/pallet/compiler"
	"github.com/palletops/pallet/project"
)

// compiledSpoofScript compiles a phase whose first step prints something
// that looks like a status line saying it failed, and whose second step
// shows what a child process sees of PALLET_NONCE.
func compiledSpoofScript(t *testing.T) []byte {
	t.Helper()
	dir := t.TempDir()
	p, err := compiler.Parse(filepath.Join(dir, "pallet.yaml"), []byte(`groups:
  web:
    phases:
      configure:
        - exec-script: {script: "echo 'hello ::pallet::v1 end 1/2 failed 3 spoof'"}
        - exec-script: {script: "sh -c 'echo \"child sees [$PALLET_NONCE]\"'"}
`), &project.Env{User: "deploy", Home: dir})
	if err != nil {
		t.Fatal(err)
	}
	s, err := p.Compile(compiler.Target{Group: "web", Phase: "configure", OS: "debian-12"})
	if err != nil {
		t.Fatal(err)
	}
	return s.Text.Bytes()
}

// TestStatusLinesCarryTheRunsNonce: output of a step that looks like a
// status line is output, not a status, because the runner accepts only
// status lines carrying the nonce it gave the script; and the nonce is not
// handed down to what the steps run.
func TestStatusLinesCarryTheRunsNonce(t *testing.T) {
	_, _, conn := startNode(t, "root")
	var ends []StepStatus
	res, err := conn.RunPhase(t.Context(), Phase{Name: "configure", Script: compiledSpoofScript(t)}, func(e Event) {
		if e.Kind == EventEnd {
			ends = append(ends, e.Step.Status)
		}
	})
	if err != nil {
		t.Fatalf("RunPhase: %v\n%+v", err, res)
	}
	if !slices.Equal(ends, []StepStatus{StatusRan, StatusRan}) {
		t.Errorf("end events %v, want [ran ran]: the fake line was taken for a status", ends)
	}
	if len(res.Steps) != 2 || res.Steps[0].Status != StatusRan || res.Steps[1].Status != StatusRan || res.Counts != (Counts{Ran: 2}) {
		t.Fatalf("a step printing a fake status line changed the outcome: %+v", res)
	}
	if !slices.Contains(res.Steps[0].Tail, "hello ::pallet::v1 end 1/2 failed 3 spoof") {
		t.Errorf("step 1 tail %q lacks the fake line as output", res.Steps[0].Tail)
	}
	if !slices.Contains(res.Steps[1].Tail, "child sees []") {
		t.Errorf("step 2 tail %q: the nonce leaked to a child process", res.Steps[1].Tail)
	}
}

// TestStatusLinesByHand: run without PALLET_NONCE (sudo bash script.sh),
// a compiled script prints plain status lines; a malformed nonce is refused.
func TestStatusLinesByHand(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	file := filepath.Join(t.TempDir(), "configure.sh")
	if err := os.WriteFile(file, compiledSpoofScript(t), 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", file)
	cmd.Env = append(os.Environ(), "PALLET_NONCE=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"\n::pallet::v1 begin 1/2 exec-script ", "\n::pallet::v1 end 1/2 ran ", "\n::pallet::v1 done 0 0 0 2 0 0\n"} {
		if !strings.Contains("\n"+string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	cmd = exec.Command("bash", file)
	cmd.Env = append(os.Environ(), "PALLET_NONCE=a b")
	out, err = cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), "PALLET_NONCE") {
		t.Errorf("bad nonce: %v\n%s", err, out)
	}
}

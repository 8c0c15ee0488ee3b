package runner_test

import (
	"fmt"
	"testing"

	"github.com/palletops/pallet/provider/nspawn/nspawntest"
	"github.com/palletops/pallet/runner"
)

// longOutputBytes is what the step prints without a newline: 3*64 KiB
// less 5 bytes, so that the runner's 64 KiB cut of an over-long line
// falls inside the end line's status marker. The end line's newline
// comes half a second after it, as SSH may deliver it in a later packet:
// the runner only cut lines in data that held no newline.
const longOutputBytes = 3*64<<10 - 5

var longLineScript = fmt.Sprintf(`#!/bin/bash
m="::pallet::v1${PALLET_NONCE:+ $PALLET_NONCE}"
echo "$m begin 1/1 exec-script noisy"
head -c %d /dev/zero | tr '\0' x
printf '%%s' "$m end 1/1 ran 7"
sleep 0.5
echo
echo "$m done 0 0 0 1 0"
`, longOutputBytes)

// TestOpenSSHStatusAfterLongOutput: a step on a real node prints ~192 KiB
// without a newline, then its end line. The runner cut long lines every
// 64 KiB and lost the end line when a cut fell in its marker: the step
// was left without a status. It must arrive, with the output before it.
func TestOpenSSHStatusAfterLongOutput(t *testing.T) {
	nodes := nspawntest.Nodes(t, "bookworm", 1)
	conn, err := runner.Dial(t.Context(), target(nodes[0]), integrationOptions(t, nodes))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	res, err := conn.RunPhase(t.Context(), runner.Phase{Name: "noisy", Script: []byte(longLineScript)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Steps) != 1 || res.Steps[0].Status != runner.StatusRan {
		var status []runner.StepStatus
		for _, st := range res.Steps {
			status = append(status, st.Status)
		}
		t.Fatalf("want one step, ran; got statuses %q", status)
	}
	var n int
	for _, l := range res.Steps[0].Tail {
		n += len(l)
	}
	if n != longOutputBytes {
		t.Errorf("the step's tail holds %d bytes of output, want %d", n, longOutputBytes)
	}
	if !res.OK() {
		t.Errorf("want the phase ok: %+v", res)
	}
}

package runner

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// UnknownHostKeyError is returned when the node's host key is not in
// known_hosts and AcceptNewHostKeys is off. Pallet never connects to a node it
// cannot identify; the message says how to trust the key.
type UnknownHostKeyError struct {
	Host           string // as known_hosts names it: "host" or "[host]:port"
	KeyType        string
	Fingerprint    string // SHA256:...
	KnownHostsFile string
}

func (e *UnknownHostKeyError) Error() string {
	host, port := splitKnownHost(e.Host)
	scan := "ssh-keyscan " + host
	if port != "" {
		scan = "ssh-keyscan -p " + port + " " + host
	}
	return fmt.Sprintf("host key of %s is not in %s (%s %s); if that is the node's key, "+
		"re-run with --accept-new-host-keys, or add it with: %s >> %s",
		e.Host, e.KnownHostsFile, e.KeyType, e.Fingerprint, scan, e.KnownHostsFile)
}

// ChangedHostKeyError is returned when the node offers a key different from
// the one known_hosts holds for it. It is refused whatever the options say:
// either someone is in the middle, or the node was rebuilt and the old key has
// to be removed by hand.
type ChangedHostKeyError struct {
	Host           string
	KeyType        string
	Fingerprint    string   // of the key the node offered
	Known          []string // "file:line TYPE SHA256:..." of the keys on record
	KnownHostsFile string
}

func (e *ChangedHostKeyError) Error() string {
	return fmt.Sprintf("HOST KEY CHANGED for %s: the node offers %s %s but known_hosts has %s. "+
		"Someone may be intercepting the connection, or the node was rebuilt; if you are sure it was rebuilt, "+
		"remove the old key with: ssh-keygen -R '%s' -f %s",
		e.Host, e.KeyType, e.Fingerprint, strings.Join(e.Known, ", "), e.Host, e.KnownHostsFile)
}

func splitKnownHost(h string) (host, port string) {
	if strings.HasPrefix(h, "[") {
		if host, port, err := net.SplitHostPort(h); err == nil {
			return host, port
		}
	}
	return h, ""
}

// ConnectError is returned by Dial when the node could not be reached or
// would not let pallet in. Run counts a node with a ConnectError as
// unreachable.
type ConnectError struct {
	Node     string
	Addr     string // host:port dialled (the last hop for ProxyJump)
	Attempts int
	Err      error
}

func (e *ConnectError) Error() string {
	tries := ""
	if e.Attempts > 1 {
		tries = " after " + strconv.Itoa(e.Attempts) + " attempts"
	}
	return fmt.Sprintf("node %s: cannot connect to %s%s: %v", e.Node, e.Addr, tries, e.Err)
}

func (e *ConnectError) Unwrap() error { return e.Err }

// AuthError is returned when the node rejected every key pallet offered.
type AuthError struct {
	User  string
	Addr  string
	Tried []string // where the offered keys came from
	Notes []string // keys that could not be used, and why
	Err   error
}

func (e *AuthError) Error() string {
	msg := fmt.Sprintf("%s@%s rejected every key offered", e.User, e.Addr)
	if len(e.Tried) > 0 {
		msg += " (" + strings.Join(e.Tried, ", ") + ")"
	} else {
		msg += " (no keys: none in ssh-agent, no readable identity files)"
	}
	if len(e.Notes) > 0 {
		msg += "; " + strings.Join(e.Notes, "; ")
	}
	return msg + "; check the login user, add the key to the node's authorized_keys, or pass --identity/ssh-add it: " + e.Err.Error()
}

func (e *AuthError) Unwrap() error { return e.Err }

// StepFailedError is returned by RunPhase when a step reported failed.
type StepFailedError struct {
	Node  string
	Phase string
	Step  StepResult
}

func (e *StepFailedError) Error() string {
	msg := fmt.Sprintf("node %s phase %s: step %s failed after %s", e.Node, e.Phase, e.Step.Label(), e.Step.Duration)
	if e.Step.Message != "" {
		msg += ": " + e.Step.Message
	}
	return msg + formatTail(e.Step.Tail)
}

// ScriptDiedError is returned by RunPhase when the script stopped without its
// done line and without a step reporting failure: killed, a syntax error, a
// step that called exit, or the connection dropped. Its message claims only
// what the status lines proved: with a lost connection the script may have
// gone on after the last status that arrived.
type ScriptDiedError struct {
	Node     string
	Phase    string
	ExitCode int         // -1 when no exit status arrived
	Signal   string      // set when the remote process died of a signal
	Step     *StepResult // the step running when it died, nil if none had begun
	// After is the last step that ended, when none was running (Step nil).
	After  *StepResult
	Output []string // output outside any step, when no step had begun
	// Lost is set when the connection ended without an exit status: what
	// the script did after the last status line is unknown.
	Lost error
}

func (e *ScriptDiedError) Error() string {
	if e.Lost != nil {
		return e.lostError()
	}
	how := "exit status " + strconv.Itoa(e.ExitCode)
	switch {
	case e.Signal != "":
		how = "signal " + e.Signal
	case e.ExitCode < 0:
		how = "no exit status"
	case e.ExitCode == 0:
		how = "exit status 0 but no done line (a step called exit, or the script was cut short)"
	}
	if e.Step != nil {
		return fmt.Sprintf("node %s phase %s: script died (%s) during step %s", e.Node, e.Phase, how, e.Step.Label()) + formatTail(e.Step.Tail)
	}
	if e.After != nil {
		return fmt.Sprintf("node %s phase %s: script died (%s) after step %s finished", e.Node, e.Phase, how, e.After.Label()) + formatTail(e.Output)
	}
	return fmt.Sprintf("node %s phase %s: script died (%s) before its first step", e.Node, e.Phase, how) + formatTail(e.Output)
}

// lostError says where the status lines stopped, not where the script did.
func (e *ScriptDiedError) lostError() string {
	head := fmt.Sprintf("node %s phase %s: connection lost (%v)", e.Node, e.Phase, e.Lost)
	switch {
	case e.Step != nil:
		return fmt.Sprintf("%s while step %s was running (its end line did not arrive; what ran after is unknown)", head, e.Step.Label()) + formatTail(e.Step.Tail)
	case e.After != nil && e.After.N < e.After.Total:
		return fmt.Sprintf("%s after step %s finished (%s); no status for step %d/%d (it may have run)",
			head, e.After.Label(), e.After.Status, e.After.N+1, e.After.Total) + formatTail(e.Output)
	case e.After != nil:
		return fmt.Sprintf("%s after step %s finished (%s); the done line did not arrive", head, e.After.Label(), e.After.Status) + formatTail(e.Output)
	}
	return fmt.Sprintf("%s before any step status arrived (the script may have run)", head) + formatTail(e.Output)
}

// SudoError is returned when the script could not be started as root.
type SudoError struct {
	Node   string
	User   string
	Reason string // what went wrong and what to do about it
}

func (e *SudoError) Error() string {
	return fmt.Sprintf("node %s: sudo as %s: %s", e.Node, e.User, e.Reason)
}

func formatTail(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	return "\n  | " + strings.Join(lines, "\n  | ")
}

// IsUnreachable reports whether err means the node could not be connected to
// at all (as opposed to a phase failing on it).
func IsUnreachable(err error) bool {
	var ce *ConnectError
	return errors.As(err, &ce)
}

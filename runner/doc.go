// Package runner is pallet's SSH layer: it takes scripts that the compiler
// has already made self-contained, puts each on its node and runs it as root,
// turning the script's status lines into per-step results.
//
// The shape is deliberately thin. One TCP connection per node for the whole
// run (Dial returns a Conn); per phase one SFTP session writes the script into
// a private directory and one exec session runs it with sudo and removes the
// directory in the same command (Conn.RunPhase). Nothing else is installed or
// assumed on the node beyond bash, sudo (unless logging in as root) and an
// SFTP subsystem.
//
// Run drives many nodes at once with bounded parallelism; it knows nothing
// about how scripts are produced, so the compiler stays independent of SSH.
//
// Host keys: every connection is checked against one known_hosts file
// (hostkeys.go), and everything pallet writes to such a file — accept-new
// recording here, and the keys converge records for the nodes it creates
// and forgets for those it destroys (RecordHostKey, ForgetHostKey) — goes
// through one writer under one flock (knownhosts.go).
//
// Secrets: a sudo password only ever travels on the exec session's stdin. It is
// never put in a command line, an environment variable, a file, a log line or
// an error string.
package runner

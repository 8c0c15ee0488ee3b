// Package templates holds the skeleton every compiled script is built on:
// the step runtime and the helper functions crates may call. They are data,
// embedded in the binaries.
package templates

import "embed"

// Runtime is the code at the top of every script: the step runner and the
// status lines.
//
//go:embed runtime.sh
var Runtime string

// Helpers holds one file per helper function, helpers/<name>.sh defining
// <name>. A script includes a helper only when one of its steps (or another
// included helper) calls it.
//
//go:embed helpers/*.sh
var Helpers embed.FS

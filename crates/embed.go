// Package crates holds pallet's built-in crates as data: one directory per
// crate with its crate.yaml and one bash template per OS variant. They are
// embedded in the binaries so that palletc needs no files beside it.
package crates

import "embed"

// FS is the built-in crates, one directory each at the root.
//
//go:embed */crate.yaml */*.sh.tmpl
var FS embed.FS

//go:build !linux

package secrets

// isMemoryFS: off Linux there is no cheap, sure way to tell, so edit
// refuses rather than risk plaintext on disk.
func isMemoryFS(dir string) bool { return false }

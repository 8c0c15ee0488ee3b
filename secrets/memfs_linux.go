package secrets

import "golang.org/x/sys/unix"

// isMemoryFS reports whether dir is on tmpfs (or ramfs): memory, not disk.
func isMemoryFS(dir string) bool {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return false
	}
	return st.Type == unix.TMPFS_MAGIC || st.Type == unix.RAMFS_MAGIC
}

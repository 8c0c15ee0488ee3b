// Package regularfile reads the files pallet takes as input (pallet.yaml,
// crate files, the admin public key) only when they are regular files
// under a size limit: a FIFO, a device or a directory is an error, never
// a hang or a machine out of memory.
package regularfile

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// Read reads a whole regular file of at most limit bytes. It opens
// with O_NONBLOCK, so a FIFO at path cannot hang the compile waiting for a
// writer, and refuses anything that is not a regular file (a FIFO, a
// device such as /dev/zero, a directory) before reading a byte.
func Read(name string, limit int64) ([]byte, error) {
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadFrom(f, limit)
}

// ReadFrom is Read's check and read on a file already open (an os.Root's,
// or an fs.FS's).
func ReadFrom(f fs.File, limit int64) ([]byte, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file (%s)", describeMode(st.Mode()))
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("too large (%d bytes; the limit is %d)", st.Size(), limit)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("too large (over %d bytes)", limit)
	}
	return data, nil
}

func describeMode(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSymlink != 0:
		return "a symlink"
	}
	return "not a plain file"
}

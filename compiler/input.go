package compiler

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"strings"
	"syscall"

	"github.com/palletops/pallet/internal/regularfile"
)

// Size limits for the crate files a compile reads (pallet.yaml's and the
// admin key's are the project's). Each is far above what a real file
// holds; they are there so that a path naming /dev/zero, or a huge file by
// mistake, is an error instead of memory growing until the machine gives
// up.
const (
	maxCrateYAMLBytes = 1 << 20
	maxTemplateBytes  = 1 << 20
)

// crateDirFS is a crate path on disk as an fs.FS. It is an os.Root, so a
// symlink in it is followed only while it stays inside the crate path: one
// leading out (a template linked to /etc/shadow) is refused before
// anything is read, and nothing from outside the project can end up in a
// script or an error message. Files open with O_NONBLOCK, so a FIFO cannot
// hang the compile; readCrateFile then refuses it as not regular.
//
// ReadDir reports a symlink by what it leads to, so a crate directory that
// is a symlink inside the crate path loads as a crate; a symlink leading
// out keeps its symlink type, and loadCrates refuses it by name.
type crateDirFS struct {
	root *os.Root
}

func openCrateDir(dir string) (*crateDirFS, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &crateDirFS{root: r}, nil
}

func (c *crateDirFS) Close() error { return c.root.Close() }

// Open opens name inside the crate path.
func (c *crateDirFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	return c.root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}

// ReadDir lists a directory, reporting symlinks that stay inside the crate
// path as what they lead to.
func (c *crateDirFS) ReadDir(name string) ([]fs.DirEntry, error) {
	f, err := c.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	d, ok := f.(fs.ReadDirFile)
	if !ok {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errors.New("not a directory")}
	}
	entries, err := d.ReadDir(-1)
	if err != nil {
		return nil, err
	}
	for i, e := range entries {
		if e.Type()&fs.ModeSymlink == 0 {
			continue
		}
		if st, err := c.root.Stat(path.Join(name, e.Name())); err == nil {
			entries[i] = fs.FileInfoToDirEntry(renamed{st, e.Name()})
		}
	}
	return entries, nil
}

// renamed is a FileInfo under the name its directory entry has (Stat
// through a symlink may report the target's).
type renamed struct {
	fs.FileInfo
	name string
}

func (r renamed) Name() string { return r.name }

// readCrateFile reads one file of a crate with a size limit, refusing
// anything but a regular file, and says plainly when a symlink leads out
// of the crate path.
func readCrateFile(fsys fs.FS, name string, limit int64) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, crateFileError(err)
	}
	defer f.Close()
	return regularfile.ReadFrom(f, limit)
}

// crateFileError words an os.Root refusal as what it means for a crate.
func crateFileError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	if strings.Contains(err.Error(), "escapes from parent") {
		return errors.New("a symlink that leads outside its crate path: pallet follows symlinks only inside a crate path; copy the file in, or add the directory it lives in to crate_paths")
	}
	return err
}

// unwrapPathError drops the "open PATH:" a *PathError repeats, since the
// message names the path already.
func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

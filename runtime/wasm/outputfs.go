package wasm

import (
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"github.com/tetratelabs/wazero/experimental/sysfs"
	"github.com/tetratelabs/wazero/sys"
)

// outputMeter counts the bytes a run is charged for /outputs (see
// Limits.Output) against the output limit. The first charge that does not
// fit is refused and trips the run's tripwire; once it has tripped, for
// this limit or another, every change is refused.
type outputMeter struct {
	max  int64
	trip *tripwire

	mu   sync.Mutex
	used int64
}

// charge reports whether a change costing n bytes (nothing if n <= 0) may
// go ahead, and counts it.
func (m *outputMeter) charge(n int64) bool {
	if m.trip.tripped() != nil {
		return false
	}
	if n <= 0 {
		return true
	}
	m.mu.Lock()
	if n > m.max-m.used {
		m.mu.Unlock()
		m.trip.trip(&LimitError{Limit: LimitOutput, Max: m.max})
		return false
	}
	m.used += n
	m.mu.Unlock()
	return true
}

func (m *outputMeter) usage() (used int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.used
}

// outputFS is the writable /outputs mount: a host directory
// (sysfs.DirFS) that
//   - counts written bytes, and OutputEntryBytes for each file or directory
//     created, with an outputMeter, and refuses what goes beyond it (EIO);
//   - refuses symbolic and hard links (EPERM), so nothing under /outputs can
//     point elsewhere, permission changes (EPERM), and removing, moving or
//     replacing /outputs itself (EPERM);
//   - creates files 0644 and directories 0755 whatever the module asks, so
//     the host can always read them back;
//   - reports host-independent metadata, like rootFS: times at the Unix
//     epoch, fixed modes, inode numbers from the guest path, directories
//     listed in byte order of names (see outputDirs).
type outputFS struct {
	experimentalsys.FS
	dir   string // the host directory
	meter *outputMeter
}

func newOutputFS(dir string, meter *outputMeter) *outputFS {
	return &outputFS{FS: sysfs.DirFS(dir), dir: dir, meter: meter}
}

func outputGuestPath(path string) string {
	if isMountRoot(path) {
		return "/outputs"
	}
	return "/outputs/" + strings.Trim(path, "/")
}

// OpenFile implements experimentalsys.FS. Creating a file costs
// OutputEntryBytes; when the meter refuses, the file is left (the run is
// over) and the module gets EIO.
func (o *outputFS) OpenFile(path string, flag experimentalsys.Oflag, perm fs.FileMode) (experimentalsys.File, experimentalsys.Errno) {
	creating := false
	if flag&experimentalsys.O_CREAT != 0 {
		_, errno := o.FS.Lstat(path)
		creating = errno == experimentalsys.ENOENT
	}
	f, errno := o.FS.OpenFile(path, flag, 0o644)
	if errno != 0 {
		return nil, errno
	}
	if creating && !o.meter.charge(OutputEntryBytes) {
		f.Close()
		return nil, experimentalsys.EIO
	}
	if isDir, _ := f.IsDir(); isDir {
		// Serve directories from a sorted snapshot instead: the host lists
		// entries in an order that depends on its filesystem.
		f.Close()
		return (&sysfs.AdaptFS{FS: outputDirs{host: o.dir}}).OpenFile(path, flag, perm)
	}
	return &outputFile{File: f, meter: o.meter, guestPath: outputGuestPath(path)}, 0
}

// outputDirs serves the directories under /outputs as fs.FS directories
// (dir), listed in byte order of names with host-independent metadata.
// wazero's adapter rewinds such a directory by opening it again, which
// takes a fresh snapshot.
type outputDirs struct{ host string }

// Open implements fs.FS.
func (o outputDirs) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	list, err := os.ReadDir(filepath.Join(o.host, filepath.FromSlash(name)))
	if err != nil {
		return nil, err
	}
	guestPath := outputGuestPath(name)
	entries := make([]dirEntry, len(list))
	for i, e := range list {
		entryPath := guestPath + "/" + e.Name()
		entries[i] = dirEntry{name: e.Name(), dir: e.IsDir(), info: func() (fs.FileInfo, error) {
			info, err := e.Info()
			if err != nil {
				return nil, err
			}
			return fileInfo{name: e.Name(), dir: info.IsDir(), size: info.Size(), ino: inode(entryPath)}, nil
		}}
	}
	return newDir(path.Base(guestPath), guestPath, entries), nil
}

// Lstat implements experimentalsys.FS.
func (o *outputFS) Lstat(path string) (sys.Stat_t, experimentalsys.Errno) {
	st, errno := o.FS.Lstat(path)
	return hostIndependent(st, outputGuestPath(path)), errno
}

// Stat implements experimentalsys.FS.
func (o *outputFS) Stat(path string) (sys.Stat_t, experimentalsys.Errno) {
	st, errno := o.FS.Stat(path)
	return hostIndependent(st, outputGuestPath(path)), errno
}

// Mkdir implements experimentalsys.FS. A directory costs
// OutputEntryBytes, like a file.
func (o *outputFS) Mkdir(path string, _ fs.FileMode) experimentalsys.Errno {
	if errno := o.FS.Mkdir(path, 0o755); errno != 0 {
		return errno
	}
	if !o.meter.charge(OutputEntryBytes) {
		return experimentalsys.EIO
	}
	return 0
}

// isMountRoot reports whether path names /outputs itself.
func isMountRoot(path string) bool {
	path = strings.Trim(path, "/")
	return path == "" || path == "."
}

// Rmdir implements experimentalsys.FS; /outputs itself cannot be removed.
func (o *outputFS) Rmdir(path string) experimentalsys.Errno {
	if isMountRoot(path) {
		return experimentalsys.EPERM
	}
	return o.FS.Rmdir(path)
}

// Unlink implements experimentalsys.FS; /outputs itself cannot be removed.
func (o *outputFS) Unlink(path string) experimentalsys.Errno {
	if isMountRoot(path) {
		return experimentalsys.EPERM
	}
	return o.FS.Unlink(path)
}

// Rename implements experimentalsys.FS; /outputs itself cannot be moved or
// replaced.
func (o *outputFS) Rename(from, to string) experimentalsys.Errno {
	if isMountRoot(from) || isMountRoot(to) {
		return experimentalsys.EPERM
	}
	return o.FS.Rename(from, to)
}

// Chmod implements experimentalsys.FS: refused.
func (o *outputFS) Chmod(string, fs.FileMode) experimentalsys.Errno { return experimentalsys.EPERM }

// Link implements experimentalsys.FS: refused.
func (o *outputFS) Link(string, string) experimentalsys.Errno { return experimentalsys.EPERM }

// Symlink implements experimentalsys.FS: refused.
func (o *outputFS) Symlink(string, string) experimentalsys.Errno { return experimentalsys.EPERM }

// hostIndependent keeps only the type and size of a host stat (size 0 for
// directories, whose host size depends on the filesystem).
func hostIndependent(st sys.Stat_t, guestPath string) sys.Stat_t {
	out := sys.Stat_t{Ino: inode(guestPath), Mode: st.Mode.Type() | 0o644, Nlink: 1, Size: st.Size}
	if st.Mode.IsDir() {
		out.Mode = fs.ModeDir | 0o755
		out.Size = 0
	}
	return out
}

// outputFile is a regular file opened under /outputs.
type outputFile struct {
	experimentalsys.File
	meter     *outputMeter
	guestPath string
}

// Ino implements experimentalsys.File.
func (f *outputFile) Ino() (sys.Inode, experimentalsys.Errno) { return inode(f.guestPath), 0 }

// Dev implements experimentalsys.File.
func (f *outputFile) Dev() (uint64, experimentalsys.Errno) { return 0, 0 }

// Stat implements experimentalsys.File.
func (f *outputFile) Stat() (sys.Stat_t, experimentalsys.Errno) {
	st, errno := f.File.Stat()
	return hostIndependent(st, f.guestPath), errno
}

// Write implements experimentalsys.File, charging the bytes written plus
// any hole left by writing past the end of the file.
func (f *outputFile) Write(buf []byte) (int, experimentalsys.Errno) {
	if len(buf) == 0 {
		return f.File.Write(buf)
	}
	st, errno := f.File.Stat()
	if errno != 0 {
		return 0, errno
	}
	pos := st.Size
	if !f.File.IsAppend() {
		if pos, errno = f.File.Seek(0, io.SeekCurrent); errno != 0 {
			return 0, errno
		}
	}
	if !f.meter.charge(int64(len(buf)) + max(0, pos-st.Size)) {
		return 0, experimentalsys.EIO
	}
	return f.File.Write(buf)
}

// Pwrite implements experimentalsys.File, charging like Write.
func (f *outputFile) Pwrite(buf []byte, off int64) (int, experimentalsys.Errno) {
	if len(buf) == 0 || off < 0 {
		return f.File.Pwrite(buf, off)
	}
	st, errno := f.File.Stat()
	if errno != 0 {
		return 0, errno
	}
	if !f.meter.charge(int64(len(buf)) + max(0, off-st.Size)) {
		return 0, experimentalsys.EIO
	}
	return f.File.Pwrite(buf, off)
}

// Truncate implements experimentalsys.File, charging any growth.
func (f *outputFile) Truncate(size int64) experimentalsys.Errno {
	st, errno := f.File.Stat()
	if errno != 0 {
		return errno
	}
	if !f.meter.charge(size - st.Size) {
		return experimentalsys.EIO
	}
	return f.File.Truncate(size)
}

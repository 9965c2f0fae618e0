package wasm

import (
	"errors"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/tetratelabs/wazero/sys"
)

// rootFS is the read-only filesystem a module sees at "/": the package
// filesystem, overlaid with a virtual directory "inputs" that holds the
// input files and an empty placeholder "outputs" (the writable /outputs is a
// separate mount; the placeholder only makes "/" list it). Input files are
// opened on the host when the module opens them, never copied.
//
// Everything it reports is host-independent: directories list in byte order
// of names, times are the Unix epoch, modes are 0444 for files and 0555 for
// directories, and inode numbers derive from the guest path.
type rootFS struct {
	pkg    fs.FS
	inputs map[string]string // name -> host path
}

func newRootFS(pkg fs.FS, inputs []Input) *rootFS {
	r := &rootFS{pkg: pkg, inputs: make(map[string]string, len(inputs))}
	for _, in := range inputs {
		r.inputs[in.Name] = in.Path
	}
	return r
}

// Open implements fs.FS.
func (r *rootFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	top, rest, nested := strings.Cut(name, "/")
	switch {
	case name == ".":
		return r.openRoot()
	case top == "inputs" && !nested:
		entries := make([]dirEntry, 0, len(r.inputs))
		for n, host := range r.inputs {
			entries = append(entries, dirEntry{name: n, info: func() (fs.FileInfo, error) {
				st, err := os.Stat(host)
				if err != nil {
					return nil, err
				}
				return fileInfo{name: n, size: st.Size(), ino: inode("/inputs/" + n)}, nil
			}})
		}
		return newDir("inputs", "/inputs", entries), nil
	case top == "inputs":
		host, ok := r.inputs[rest]
		if !ok {
			return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
		}
		f, err := os.Open(host)
		if err != nil {
			return nil, err
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, err
		}
		return &inputFile{f: f, info: fileInfo{name: rest, size: st.Size(), ino: inode("/" + name)}}, nil
	case top == "outputs" && !nested:
		return newDir("outputs", "/outputs", nil), nil
	case top == "outputs":
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	f, err := r.pkg.Open(name)
	if err != nil {
		return nil, err
	}
	return wrapPkgFile(f, name, "/"+name, nil)
}

func (r *rootFS) openRoot() (fs.File, error) {
	f, err := r.pkg.Open(".")
	if err != nil {
		return nil, err
	}
	extra := []dirEntry{
		{name: "inputs", dir: true, info: func() (fs.FileInfo, error) {
			return fileInfo{name: "inputs", dir: true, ino: inode("/inputs")}, nil
		}},
		{name: "outputs", dir: true, info: func() (fs.FileInfo, error) {
			return fileInfo{name: "outputs", dir: true, ino: inode("/outputs")}, nil
		}},
	}
	return wrapPkgFile(f, ".", "/", extra)
}

// wrapPkgFile wraps a file of the package filesystem. For a directory it
// reads all entries at once, drops those named like an entry of extra, adds
// extra and sorts them.
func wrapPkgFile(f fs.File, name, guestPath string, extra []dirEntry) (fs.File, error) {
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.IsDir() {
		return &pkgFile{File: f, info: fileInfo{name: st.Name(), size: st.Size(), ino: inode(guestPath)}}, nil
	}
	defer f.Close()
	rd, ok := f.(fs.ReadDirFile)
	if !ok {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errors.ErrUnsupported}
	}
	list, err := rd.ReadDir(-1)
	if err != nil {
		return nil, err
	}
	entries := make([]dirEntry, 0, len(list)+len(extra))
	for _, e := range list {
		if slices.ContainsFunc(extra, func(x dirEntry) bool { return x.name == e.Name() }) {
			continue
		}
		entryPath := strings.TrimSuffix(guestPath, "/") + "/" + e.Name()
		entries = append(entries, dirEntry{name: e.Name(), dir: e.IsDir(), info: func() (fs.FileInfo, error) {
			info, err := e.Info()
			if err != nil {
				return nil, err
			}
			return fileInfo{name: e.Name(), dir: info.IsDir(), size: info.Size(), ino: inode(entryPath)}, nil
		}})
	}
	entries = append(entries, extra...)
	return newDir(st.Name(), guestPath, entries), nil
}

// inode returns a host-independent inode number for a guest path.
func inode(guestPath string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(guestPath))
	if ino := h.Sum64(); ino != 0 {
		return ino
	}
	return 1
}

// fileInfo is a host-independent fs.FileInfo. Its Sys is a *sys.Stat_t,
// which wazero uses as is, so no host inode, device or time leaks through.
type fileInfo struct {
	name string
	dir  bool
	size int64
	ino  uint64
}

func (i fileInfo) Name() string { return i.name }
func (i fileInfo) Size() int64 {
	if i.dir {
		return 0
	}
	return i.size
}
func (i fileInfo) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}
func (i fileInfo) ModTime() time.Time { return time.Unix(0, 0).UTC() }
func (i fileInfo) IsDir() bool        { return i.dir }
func (i fileInfo) Sys() any {
	return &sys.Stat_t{Ino: i.ino, Mode: i.Mode(), Nlink: 1, Size: i.Size()}
}

// dirEntry is a host-independent fs.DirEntry.
type dirEntry struct {
	name string
	dir  bool
	info func() (fs.FileInfo, error)
}

func (e dirEntry) Name() string { return e.name }
func (e dirEntry) IsDir() bool  { return e.dir }
func (e dirEntry) Type() fs.FileMode {
	if e.dir {
		return fs.ModeDir
	}
	return 0
}
func (e dirEntry) Info() (fs.FileInfo, error) { return e.info() }

// dir is a directory whose entries were read when it was opened.
type dir struct {
	info    fileInfo
	entries []dirEntry // sorted by name
	pos     int
}

func newDir(name, guestPath string, entries []dirEntry) *dir {
	slices.SortFunc(entries, func(a, b dirEntry) int { return strings.Compare(a.name, b.name) })
	return &dir{info: fileInfo{name: name, dir: true, ino: inode(guestPath)}, entries: entries}
}

func (d *dir) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *dir) Close() error               { return nil }
func (d *dir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.name, Err: errIsDir}
}

// ReadDir implements fs.ReadDirFile.
func (d *dir) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.pos:]
	if n > 0 && len(rest) == 0 {
		return nil, io.EOF
	}
	if n > 0 && n < len(rest) {
		rest = rest[:n]
	}
	d.pos += len(rest)
	out := make([]fs.DirEntry, len(rest))
	for i, e := range rest {
		out[i] = e
	}
	return out, nil
}

var errIsDir = errors.New("is a directory")

// pkgFile is a regular file of the package filesystem with a
// host-independent Stat.
type pkgFile struct {
	fs.File
	info fileInfo
}

func (f *pkgFile) Stat() (fs.FileInfo, error) { return f.info, nil }

// ReadAt implements io.ReaderAt when the underlying file does.
func (f *pkgFile) ReadAt(p []byte, off int64) (int, error) {
	if ra, ok := f.File.(io.ReaderAt); ok {
		return ra.ReadAt(p, off)
	}
	return 0, &fs.PathError{Op: "readat", Path: f.info.name, Err: errors.ErrUnsupported}
}

// Seek implements io.Seeker when the underlying file does.
func (f *pkgFile) Seek(offset int64, whence int) (int64, error) {
	if s, ok := f.File.(io.Seeker); ok {
		return s.Seek(offset, whence)
	}
	return 0, &fs.PathError{Op: "seek", Path: f.info.name, Err: errors.ErrUnsupported}
}

// inputFile is an input: a host file opened read-only, exposing no write
// method and a host-independent Stat.
type inputFile struct {
	f    *os.File
	info fileInfo
}

func (f *inputFile) Stat() (fs.FileInfo, error)                { return f.info, nil }
func (f *inputFile) Read(p []byte) (int, error)                { return f.f.Read(p) }
func (f *inputFile) ReadAt(p []byte, off int64) (int, error)   { return f.f.ReadAt(p, off) }
func (f *inputFile) Seek(off int64, whence int) (int64, error) { return f.f.Seek(off, whence) }
func (f *inputFile) Close() error                              { return f.f.Close() }

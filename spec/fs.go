package spec

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/spec/specpb"
)

// MaxLinkHops is the most links followed while resolving one path, as
// Linux's MAXSYMLINKS; a longer chain is refused as if it were a cycle.
const MaxLinkHops = 40

// EntryType is the type of a filesystem entry.
type EntryType uint8

// Entry types. A link is reported as a link by Walk and is transparent in
// the io/fs view.
const (
	EntryFile EntryType = iota + 1
	EntryDir
	EntryLink
)

// String returns "file", "dir" or "link".
func (t EntryType) String() string {
	switch t {
	case EntryFile:
		return "file"
	case EntryDir:
		return "dir"
	case EntryLink:
		return "link"
	}
	return fmt.Sprintf("EntryType(%d)", uint8(t))
}

// Entry is one entry of a package filesystem as listed by Tree.Walk.
type Entry struct {
	// Path is absolute inside the package, e.g. "/bin/tool.wasm".
	Path string
	Type EntryType
	// Size is the file size in bytes (0 for directories and links).
	Size int64
	// Target is a link's target (Link.src) as written in the spec.
	Target string
	// Meta is the entry's metadata (ItemBranch.xattrs) and HasMeta whether
	// the entry carries it.
	Meta    Metadata
	HasMeta bool
}

type node struct {
	name     string
	typ      EntryType
	data     []byte // file content
	target   string // link target (Link.src)
	meta     Metadata
	hasMeta  bool
	parent   *node
	children []*node // directory entries in spec order
	index    map[string]*node
}

func (n *node) path() string {
	if n.parent == nil {
		return "/"
	}
	return path.Join(n.parent.path(), n.name)
}

// Tree is a decoded package filesystem (a celaut Filesystem), checked
// against the rules in the package doc. It is immutable and safe for
// concurrent use; it serves the package files as an io/fs.FS through FS.
type Tree struct {
	root     *node
	bytes    int64
	entries  int
	xattrs   []*specpb.BytesKeyValue
	readOnly bool
}

// DecodeTree decodes the raw bytes of a serialized Filesystem and checks
// names, duplicates, depth, entry count, total size and links against lim.
// Errors are *FieldError values joined with errors.Join; field paths start
// with "container.filesystem".
func DecodeTree(raw []byte, lim Limits) (*Tree, error) {
	const field = "container.filesystem"
	var p problems
	var msg specpb.Filesystem
	if err := proto.Unmarshal(raw, &msg); err != nil {
		p.add(field, "not a serialized Filesystem: %v", err)
		return nil, p.err()
	}
	t := &Tree{root: &node{typ: EntryDir, index: map[string]*node{}}, xattrs: msg.GetXattrs()}
	if v, ok := LastValue(t.xattrs, ReadModeKey); ok {
		switch string(v) {
		case "ro":
			t.readOnly = true
		case "rw":
		default:
			p.add(field+".xattrs."+ReadModeKey, "%q is neither \"ro\" nor \"rw\"", v)
		}
	}
	t.build(t.root, &msg, field, 0, lim, &p)
	if t.bytes > lim.MaxFilesystemBytes {
		p.add(field, "files total %d bytes, over the limit of %d bytes", t.bytes, lim.MaxFilesystemBytes)
	}
	if len(p) == 0 {
		t.checkLinks(t.root, &p)
	}
	if len(p) > 0 {
		return nil, p.err()
	}
	return t, nil
}

func (t *Tree) build(dir *node, msg *specpb.Filesystem, field string, depth int, lim Limits, p *problems) {
	if depth > lim.MaxDepth {
		p.add(field, "directories nested deeper than %d levels", lim.MaxDepth)
		return
	}
	for i, b := range msg.GetBranch() {
		f := fmt.Sprintf("%s.branch[%d]", field, i)
		t.entries++
		if t.entries > lim.MaxEntries {
			p.add(f, "more than %d entries in the filesystem", lim.MaxEntries)
			return
		}
		name := b.GetName()
		if err := checkName(name); err != "" {
			p.add(f+".name", "%s", err)
			continue
		}
		if _, dup := dir.index[name]; dup {
			p.add(f+".name", "duplicate name %q in directory %s", name, dir.path())
			continue
		}
		n := &node{name: name, parent: dir}
		switch it := b.GetItem().(type) {
		case *specpb.ItemBranch_File:
			n.typ, n.data = EntryFile, it.File
			t.bytes += int64(len(it.File))
		case *specpb.ItemBranch_Link:
			n.typ, n.target = EntryLink, it.Link.GetSrc()
			if n.target == "" {
				p.add(f+".link.src", "must not be empty: src is the link's target")
				continue
			}
			if dst := it.Link.GetDst(); dst != "" && dst != n.path() {
				p.add(f+".link.dst", "is %q but the link is at %q: dst is the link's own absolute path", dst, n.path())
				continue
			}
		case *specpb.ItemBranch_Filesystem:
			n.typ, n.index = EntryDir, map[string]*node{}
			t.build(n, it.Filesystem, f+".filesystem", depth+1, lim, p)
		default:
			p.add(f, "has no item: one of file, link or filesystem is required")
			continue
		}
		meta, ok, err := ParseMetadata(b.GetXattrs())
		switch {
		case err != nil:
			p.add(f+".xattrs", "%v", err)
		case ok && !meta.typeMatches(n.typ):
			p.add(f+".xattrs."+MetaMode, "%d (%#o) does not describe a %s", meta.Mode, meta.Mode, n.typ)
		case !ok && t.readOnly:
			p.add(f+".xattrs", "read_mode=ro requires the metadata keys %s on every entry; %s has none",
				strings.Join(MetadataKeys, ", "), n.path())
		}
		n.meta, n.hasMeta = meta, ok
		dir.children = append(dir.children, n)
		dir.index[name] = n
	}
}

// checkName returns the rule a directory entry name breaks, or "".
func checkName(name string) string {
	switch {
	case name == "":
		return "must not be empty"
	case name == "." || name == "..":
		return fmt.Sprintf("%q is not allowed as a name", name)
	case strings.HasPrefix(name, "/"):
		return fmt.Sprintf("%q is absolute; names are single path elements", name)
	case strings.ContainsAny(name, "/\\\x00"):
		return fmt.Sprintf("%q contains '/', '\\' or NUL; names are single path elements", name)
	}
	return ""
}

func (t *Tree) checkLinks(dir *node, p *problems) {
	for _, n := range dir.children {
		switch n.typ {
		case EntryLink:
			if _, err := t.resolve(n.path(), true); err != nil {
				p.add("container.filesystem"+n.path(), "link to %q: %v", n.target, err)
			}
		case EntryDir:
			t.checkLinks(n, p)
		}
	}
}

var (
	errNotFound  = fs.ErrNotExist
	errLinkCycle = fmt.Errorf("link cycle or more than %d links", MaxLinkHops)
	errEscapes   = fmt.Errorf("path escapes the package root")
	errNotDir    = fmt.Errorf("not a directory")
)

// resolve walks an absolute or root-relative path and returns its node,
// following links in every element, and in the last one when follow is set.
func (t *Tree) resolve(name string, follow bool) (*node, error) {
	hops := 0
	var walk func(start *node, p string, follow bool) (*node, error)
	walk = func(start *node, p string, follow bool) (*node, error) {
		cur := start
		if strings.HasPrefix(p, "/") {
			cur = t.root
		}
		elems := strings.Split(p, "/")
		for i, e := range elems {
			last := i == len(elems)-1
			switch e {
			case "", ".":
				continue
			case "..":
				if cur.parent == nil {
					return nil, errEscapes
				}
				cur = cur.parent
				continue
			}
			if cur.typ != EntryDir {
				return nil, errNotDir
			}
			next, ok := cur.index[e]
			if !ok {
				return nil, errNotFound
			}
			if next.typ == EntryLink && (!last || follow) {
				hops++
				if hops > MaxLinkHops {
					return nil, errLinkCycle
				}
				target, err := walk(cur, next.target, true)
				if err != nil {
					return nil, err
				}
				next = target
			}
			cur = next
		}
		return cur, nil
	}
	return walk(t.root, name, follow)
}

// Size returns the total size of the files in the tree, in bytes.
func (t *Tree) Size() int64 { return t.bytes }

// Len returns the number of entries (files, directories and links).
func (t *Tree) Len() int { return t.entries }

// ReadOnly reports whether the root xattr read_mode is "ro". Absent means
// "rw", as nodo reads a received spec. Batch runs mount the package
// read-only whatever it says.
func (t *Tree) ReadOnly() bool { return t.readOnly }

// Stat returns the entry at an absolute or root-relative path, following
// links in every element but the last. It returns an error wrapping
// fs.ErrNotExist when there is none.
func (t *Tree) Stat(name string) (Entry, error) {
	n, err := t.resolve(name, false)
	if err != nil {
		return Entry{}, fmt.Errorf("%s: %w", name, err)
	}
	return n.entry(), nil
}

// ReadFile returns the content of the file at name, following links.
func (t *Tree) ReadFile(name string) ([]byte, error) {
	n, err := t.resolve(name, true)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if n.typ != EntryFile {
		return nil, fmt.Errorf("%s: is a %s, not a file", name, n.typ)
	}
	return n.data, nil
}

func (n *node) entry() Entry {
	return Entry{Path: n.path(), Type: n.typ, Size: int64(len(n.data)), Target: n.target, Meta: n.meta, HasMeta: n.hasMeta}
}

// Walk calls fn for every entry in depth-first order, directories before
// their contents, entries in the order the spec lists them. Links are not
// followed. The root itself is not reported. Walk stops at the first error
// fn returns and returns it.
func (t *Tree) Walk(fn func(Entry) error) error {
	var walk func(dir *node) error
	walk = func(dir *node) error {
		for _, n := range dir.children {
			if err := fn(n.entry()); err != nil {
				return err
			}
			if n.typ == EntryDir {
				if err := walk(n); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk(t.root)
}

// FS returns the tree as a read-only io/fs.FS. Links are transparent: a
// link appears as the file or directory it resolves to. Files have mode
// 0444, directories 0555, and a zero modification time, so nothing in the
// view depends on the machine that built or reads the package.
func (t *Tree) FS() fs.FS { return treeFS{t} }

type treeFS struct{ t *Tree }

func (f treeFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	n, err := f.t.resolve(name, true)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fsErr(err)}
	}
	info := fileInfo{name: path.Base(name), n: n}
	if n.typ == EntryDir {
		return &openDir{info: info, t: f.t}, nil
	}
	return &openFile{info: info, Reader: bytes.NewReader(n.data)}, nil
}

func (f treeFS) ReadFile(name string) ([]byte, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrInvalid}
	}
	b, err := f.t.ReadFile(name)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fsErr(err)}
	}
	return slices.Clone(b), nil
}

func fsErr(err error) error {
	if err == errNotFound {
		return fs.ErrNotExist
	}
	return err
}

type fileInfo struct {
	name string
	n    *node
}

func (i fileInfo) Name() string { return i.name }
func (i fileInfo) Size() int64  { return int64(len(i.n.data)) }
func (i fileInfo) Mode() fs.FileMode {
	if i.n.typ == EntryDir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}
func (i fileInfo) ModTime() time.Time         { return time.Time{} }
func (i fileInfo) IsDir() bool                { return i.n.typ == EntryDir }
func (i fileInfo) Sys() any                   { return nil }
func (i fileInfo) Type() fs.FileMode          { return i.Mode().Type() }
func (i fileInfo) Info() (fs.FileInfo, error) { return i, nil }

type openFile struct {
	info fileInfo
	*bytes.Reader
}

func (f *openFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *openFile) Close() error               { return nil }

type openDir struct {
	info fileInfo
	t    *Tree
	pos  int
}

func (d *openDir) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *openDir) Close() error               { return nil }
func (d *openDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.name, Err: fs.ErrInvalid}
}

// ReadDir lists the directory sorted by name, as io/fs asks, with links
// shown as what they resolve to.
func (d *openDir) ReadDir(n int) ([]fs.DirEntry, error) {
	children := slices.Clone(d.info.n.children)
	slices.SortFunc(children, func(a, b *node) int { return strings.Compare(a.name, b.name) })
	rest := children[d.pos:]
	if n > 0 && len(rest) > n {
		rest = rest[:n]
	}
	out := make([]fs.DirEntry, 0, len(rest))
	for _, c := range rest {
		r := c
		if c.typ == EntryLink {
			var err error
			if r, err = d.t.resolve(c.path(), true); err != nil {
				return out, err // cannot happen in a validated tree
			}
		}
		out = append(out, fileInfo{name: c.name, n: r})
	}
	d.pos += len(out)
	if n > 0 && len(out) == 0 {
		return nil, io.EOF
	}
	return out, nil
}

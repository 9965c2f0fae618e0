package spec

// Limits bound what Validate and DecodeTree accept, so that a hostile spec
// cannot exhaust a node. The zero value accepts nothing; start from
// DefaultLimits.
type Limits struct {
	// MaxSpecBytes bounds the serialized Service, in bytes.
	MaxSpecBytes int64
	// MaxFilesystemBytes bounds the total size of the files in the package
	// filesystem, in bytes.
	MaxFilesystemBytes int64
	// MaxEntries bounds the number of files, directories and links.
	MaxEntries int
	// MaxDepth bounds directory nesting below the root.
	MaxDepth int
}

// DefaultLimits returns the limits used by the CLI and the node: a 96 MiB
// spec, 64 MiB of files, 100,000 entries, 64 levels of directories.
func DefaultLimits() Limits {
	return Limits{
		MaxSpecBytes:       96 << 20,
		MaxFilesystemBytes: 64 << 20,
		MaxEntries:         100_000,
		MaxDepth:           64,
	}
}

package spec

import (
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/celltonomy/celltonomy/spec/specpb"
)

// Keys of the per-entry filesystem metadata (ItemBranch.xattrs), as the
// reference node (nodo) reads them: an entry carries all seven or none.
// Values are base-10 integers in UTF-8; device.is_block is "0" or "1".
const (
	MetaMode          = "mode"            // st_mode, file-type bits included, e.g. "33060" (0o100444)
	MetaUID           = "uid"             // owner, >= 0
	MetaGID           = "gid"             // group, >= 0
	MetaMtimeNs       = "mtime_ns"        // modification time, ns since the Unix epoch
	MetaDeviceMajor   = "device.major"    // 0 unless a device node
	MetaDeviceMinor   = "device.minor"    // 0 unless a device node
	MetaDeviceIsBlock = "device.is_block" // "1" for a block device, else "0"
)

// MetadataKeys lists the seven metadata keys in the order nodo declares
// them (the order they are written in is sorted by key, as every
// key-value list).
var MetadataKeys = []string{MetaMode, MetaUID, MetaGID, MetaMtimeNs, MetaDeviceMajor, MetaDeviceMinor, MetaDeviceIsBlock}

// ReadModeKey is the root Filesystem xattr that says whether the package
// filesystem is mounted read-only ("ro") or writable ("rw"). Absent means
// "rw" for a received spec, as nodo reads it; any other value is refused.
// read_mode = "ro" requires the seven metadata keys on every entry.
const ReadModeKey = "read_mode"

// ArgsXattr is the Init.xattrs key holding a package's fixed arguments: a
// JSON array of strings, e.g. ["--loud"], passed after the program name.
// Absent means no arguments. The entry path itself never holds arguments
// (nodo refuses one that does).
const ArgsXattr = "celltonomy.args"

// File-type bits of a mode (Linux st_mode, in octal).
const (
	modeTypeMask = 0o170000
	modeReg      = 0o100000
	modeDir      = 0o040000
	modeLnk      = 0o120000
	modeChr      = 0o020000
	modeBlk      = 0o060000
)

// Metadata is the per-entry filesystem metadata of ItemBranch.xattrs.
type Metadata struct {
	// Mode is st_mode with its file-type bits (e.g. 0o100444 for a
	// read-only regular file).
	Mode uint32
	// UID and GID own the entry.
	UID, GID uint64
	// MtimeNs is the modification time in ns since the Unix epoch.
	MtimeNs int64
	// DeviceMajor, DeviceMinor and DeviceIsBlock describe a device node;
	// all zero for anything else.
	DeviceMajor, DeviceMinor uint64
	DeviceIsBlock            bool
}

// PackedMetadata returns the metadata the packer writes for an entry of
// type typ: owner 0:0, modification time 0, mode 0444 for files, 0555 for
// directories and 0777 for links (what the sandbox shows), so that nothing
// in it depends on the machine that built the package.
func PackedMetadata(typ EntryType) Metadata {
	switch typ {
	case EntryDir:
		return Metadata{Mode: modeDir | 0o555}
	case EntryLink:
		return Metadata{Mode: modeLnk | 0o777}
	default:
		return Metadata{Mode: modeReg | 0o444}
	}
}

// Xattrs returns the seven metadata entries, sorted by key.
func (m Metadata) Xattrs() []*specpb.BytesKeyValue {
	isBlock := "0"
	if m.DeviceIsBlock {
		isBlock = "1"
	}
	kv := func(k, v string) *specpb.BytesKeyValue { return &specpb.BytesKeyValue{Key: k, Value: []byte(v)} }
	return SortedKV([]*specpb.BytesKeyValue{
		kv(MetaMode, strconv.FormatUint(uint64(m.Mode), 10)),
		kv(MetaUID, strconv.FormatUint(m.UID, 10)),
		kv(MetaGID, strconv.FormatUint(m.GID, 10)),
		kv(MetaMtimeNs, strconv.FormatInt(m.MtimeNs, 10)),
		kv(MetaDeviceMajor, strconv.FormatUint(m.DeviceMajor, 10)),
		kv(MetaDeviceMinor, strconv.FormatUint(m.DeviceMinor, 10)),
		kv(MetaDeviceIsBlock, isBlock),
	})
}

// ParseMetadata reads the metadata keys of one entry's xattrs. It returns
// ok = false when none of the seven keys is present, and an error naming
// the key and the rule when some are missing or a value is not a base-10
// integer, a negative owner or device number, a device flag other than 0
// or 1, or device fields that contradict the mode.
func ParseMetadata(xattrs []*specpb.BytesKeyValue) (m Metadata, ok bool, err error) {
	var missing []string
	vals := map[string]string{}
	for _, k := range MetadataKeys {
		v, has := LastValue(xattrs, k)
		if !has {
			missing = append(missing, k)
			continue
		}
		vals[k] = strings.TrimSpace(string(v))
	}
	if len(missing) == len(MetadataKeys) {
		return m, false, nil
	}
	if len(missing) > 0 {
		return m, false, fmt.Errorf("partial filesystem metadata: missing %s (all seven keys or none)", strings.Join(missing, ", "))
	}
	num := func(k string, bits int) (int64, error) {
		n, err := strconv.ParseInt(vals[k], 10, bits)
		if err != nil {
			return 0, fmt.Errorf("%s: %q is not a base-10 integer", k, vals[k])
		}
		return n, nil
	}
	var n [7]int64
	for i, k := range MetadataKeys {
		bits := 64
		if k == MetaMode {
			bits = 33
		}
		if n[i], err = num(k, bits); err != nil {
			return m, false, err
		}
	}
	if n[0] < 0 || n[0] > 1<<32-1 {
		return m, false, fmt.Errorf("%s: %d is out of range", MetaMode, n[0])
	}
	for i := 1; i < 7; i++ {
		if n[i] < 0 && MetadataKeys[i] != MetaMtimeNs {
			return m, false, fmt.Errorf("%s: must be >= 0, got %d", MetadataKeys[i], n[i])
		}
	}
	if n[6] != 0 && n[6] != 1 {
		return m, false, fmt.Errorf("%s: must be 0 or 1, got %d", MetaDeviceIsBlock, n[6])
	}
	m = Metadata{Mode: uint32(n[0]), UID: uint64(n[1]), GID: uint64(n[2]), MtimeNs: n[3],
		DeviceMajor: uint64(n[4]), DeviceMinor: uint64(n[5]), DeviceIsBlock: n[6] == 1}
	switch m.Mode & modeTypeMask {
	case modeBlk, modeChr:
		if m.DeviceIsBlock != (m.Mode&modeTypeMask == modeBlk) {
			return m, false, fmt.Errorf("%s: contradicts mode %#o", MetaDeviceIsBlock, m.Mode)
		}
	default:
		if m.DeviceMajor != 0 || m.DeviceMinor != 0 || m.DeviceIsBlock {
			return m, false, fmt.Errorf("device.major, device.minor, device.is_block: must be 0 for mode %#o, which is not a device", m.Mode)
		}
	}
	return m, true, nil
}

// FileMode returns the io/fs mode of the metadata's file-type and
// permission bits.
func (m Metadata) FileMode() fs.FileMode {
	perm := fs.FileMode(m.Mode & 0o777)
	switch m.Mode & modeTypeMask {
	case modeDir:
		return perm | fs.ModeDir
	case modeLnk:
		return perm | fs.ModeSymlink
	case modeChr:
		return perm | fs.ModeDevice | fs.ModeCharDevice
	case modeBlk:
		return perm | fs.ModeDevice
	}
	return perm
}

// typeMatches reports whether the mode's file-type bits fit an entry of
// type typ. Device nodes are refused: a package holds files, directories
// and links only.
func (m Metadata) typeMatches(typ EntryType) bool {
	switch m.Mode & modeTypeMask {
	case modeReg:
		return typ == EntryFile
	case modeDir:
		return typ == EntryDir
	case modeLnk:
		return typ == EntryLink
	}
	return false
}

// MarshalFilesystem serializes a Filesystem with every ItemBranch's fields
// in field-number order: name (1), the item (2 file, 3 link or
// 4 filesystem), then xattrs (5). protobuf-go writes a oneof after the
// other fields, so a branch with xattrs would otherwise come out as name,
// xattrs, item, and the same tree would get a different id from nodo's
// writer, which follows field numbers. Key-value lists are written as
// given: callers pass them sorted (SortedKV). Unknown fields are not
// written.
func MarshalFilesystem(f *specpb.Filesystem) []byte {
	return appendFilesystem(nil, f)
}

func appendFilesystem(b []byte, f *specpb.Filesystem) []byte {
	for _, br := range f.GetBranch() {
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendBytes(b, appendBranch(nil, br))
	}
	for _, kv := range f.GetXattrs() {
		b = protowire.AppendTag(b, 2, protowire.BytesType)
		b = protowire.AppendBytes(b, appendBytesKV(nil, kv))
	}
	return b
}

func appendBranch(b []byte, br *specpb.ItemBranch) []byte {
	if br.GetName() != "" {
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendString(b, br.GetName())
	}
	switch it := br.GetItem().(type) {
	case *specpb.ItemBranch_File:
		b = protowire.AppendTag(b, 2, protowire.BytesType)
		b = protowire.AppendBytes(b, it.File)
	case *specpb.ItemBranch_Link:
		var l []byte
		if s := it.Link.GetSrc(); s != "" {
			l = protowire.AppendTag(l, 1, protowire.BytesType)
			l = protowire.AppendString(l, s)
		}
		if d := it.Link.GetDst(); d != "" {
			l = protowire.AppendTag(l, 2, protowire.BytesType)
			l = protowire.AppendString(l, d)
		}
		b = protowire.AppendTag(b, 3, protowire.BytesType)
		b = protowire.AppendBytes(b, l)
	case *specpb.ItemBranch_Filesystem:
		b = protowire.AppendTag(b, 4, protowire.BytesType)
		b = protowire.AppendBytes(b, appendFilesystem(nil, it.Filesystem))
	}
	for _, kv := range br.GetXattrs() {
		b = protowire.AppendTag(b, 5, protowire.BytesType)
		b = protowire.AppendBytes(b, appendBytesKV(nil, kv))
	}
	return b
}

func appendBytesKV(b []byte, kv *specpb.BytesKeyValue) []byte {
	if kv.GetKey() != "" {
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendString(b, kv.GetKey())
	}
	if kv.Value != nil {
		b = protowire.AppendTag(b, 2, protowire.BytesType)
		b = protowire.AppendBytes(b, kv.Value)
	}
	return b
}

package packer

import (
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/specpb"
)

// TestPackerFollowsNodoRules writes down, as a table, the rules by which
// the reference node (nodo) decodes a spec, and checks that a package
// built by the packer keeps every one. Each rule reads the raw spec bytes
// itself (protowire and the generated messages), not through package spec,
// so it states nodo's reading rather than our validator's.
func TestPackerFollowsNodoRules(t *testing.T) {
	p, err := Build(writeTree(t, helloFiles), spec.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	raw := p.Spec().Bytes()
	var svc specpb.Service
	if err := proto.Unmarshal(raw, &svc); err != nil {
		t.Fatal(err)
	}
	var root specpb.Filesystem
	if err := proto.Unmarshal(svc.GetContainer().GetFilesystem(), &root); err != nil {
		t.Fatal(err)
	}
	type branch struct {
		path string
		b    *specpb.ItemBranch
		raw  []byte
	}
	var branches []branch
	var walk func(dir string, fsRaw []byte)
	walk = func(dir string, fsRaw []byte) {
		for len(fsRaw) > 0 {
			num, typ, n := protowire.ConsumeTag(fsRaw)
			v, m := protowire.ConsumeBytes(fsRaw[n:])
			if n < 0 || m < 0 || typ != protowire.BytesType {
				t.Fatalf("%s: filesystem does not parse", dir)
			}
			fsRaw = fsRaw[n+m:]
			if num != 1 {
				continue
			}
			var b specpb.ItemBranch
			if err := proto.Unmarshal(v, &b); err != nil {
				t.Fatal(err)
			}
			p := path.Join(dir, b.GetName())
			branches = append(branches, branch{p, &b, v})
			if sub := b.GetFilesystem(); sub != nil {
				walk(p, rawField(t, v, 4))
			}
		}
	}
	walk("/", svc.GetContainer().GetFilesystem())
	if len(branches) != 8 {
		t.Fatalf("%d entries, want 8", len(branches))
	}

	rules := []struct {
		name string
		rule string
		ok   func() error
	}{
		{"link src", "Link.src is the link's target as written, relative to the link's directory",
			func() error {
				for _, b := range branches {
					if l := b.b.GetLink(); l != nil && l.GetSrc() != "tool" {
						return fmt.Errorf("%s: src %q, want the target \"tool\"", b.path, l.GetSrc())
					}
				}
				return nil
			}},
		{"link dst", "Link.dst is the link's own absolute path",
			func() error {
				n := 0
				for _, b := range branches {
					if l := b.b.GetLink(); l != nil {
						n++
						if l.GetDst() != b.path {
							return fmt.Errorf("%s: dst %q", b.path, l.GetDst())
						}
					}
				}
				if n != 1 {
					return fmt.Errorf("%d links, want 1", n)
				}
				return nil
			}},
		{"entry path", "Init.entry_path is the executable's path only: non-empty segments joined by /, no white space, no . or .., naming a file",
			func() error {
				segs := svc.GetContainer().GetInit().GetEntryPath()
				for _, s := range segs {
					if s == "" || s == "." || s == ".." || strings.Contains(s, "/") || strings.IndexFunc(s, unicode.IsSpace) >= 0 {
						return fmt.Errorf("segment %q", s)
					}
				}
				p := "/" + strings.Join(segs, "/")
				if !slices.ContainsFunc(branches, func(b branch) bool { return b.path == p && b.b.GetItem() != nil && b.b.GetFile() != nil }) {
					return fmt.Errorf("%s is not a file", p)
				}
				return nil
			}},
		{"entry args", "fixed arguments are Init.xattrs celltonomy.args, a JSON array of strings",
			func() error {
				v, ok := spec.LastValue(svc.GetContainer().GetInit().GetXattrs(), spec.ArgsXattr)
				var args []string
				if !ok || json.Unmarshal(v, &args) != nil || !slices.Equal(args, []string{"--loud"}) {
					return fmt.Errorf("celltonomy.args = %q", v)
				}
				return nil
			}},
		{"metadata", "every entry has all seven keys (mode, uid, gid, mtime_ns, device.major, device.minor, device.is_block), base-10, mode with the entry's file-type bits",
			func() error {
				for _, b := range branches {
					vals := map[string]int64{}
					for _, kv := range b.b.GetXattrs() {
						n, err := strconv.ParseInt(string(kv.GetValue()), 10, 64)
						if err != nil {
							return fmt.Errorf("%s: %s = %q", b.path, kv.GetKey(), kv.GetValue())
						}
						vals[kv.GetKey()] = n
					}
					for _, k := range []string{"mode", "uid", "gid", "mtime_ns", "device.major", "device.minor", "device.is_block"} {
						if _, ok := vals[k]; !ok {
							return fmt.Errorf("%s: no %s", b.path, k)
						}
					}
					want := map[string]int64{"file": 0o100000, "dir": 0o040000, "link": 0o120000}[kind(b.b)]
					if vals["mode"]&0o170000 != want {
						return fmt.Errorf("%s: mode %o for a %s", b.path, vals["mode"], kind(b.b))
					}
				}
				return nil
			}},
		{"read_mode", "root Filesystem.xattrs read_mode is ro (absent would mean rw), which requires the metadata on every entry",
			func() error {
				if v, ok := spec.LastValue(root.GetXattrs(), "read_mode"); !ok || string(v) != "ro" {
					return fmt.Errorf("read_mode = %q, %v", v, ok)
				}
				return nil
			}},
		{"field order", "each ItemBranch's fields are in field-number order: name 1, item 2|3|4, xattrs 5",
			func() error {
				for _, b := range branches {
					var nums []protowire.Number
					for r := b.raw; len(r) > 0; {
						num, typ, n := protowire.ConsumeTag(r)
						m := protowire.ConsumeFieldValue(num, typ, r[n:])
						nums = append(nums, num)
						r = r[n+m:]
					}
					if !slices.IsSorted(nums) {
						return fmt.Errorf("%s: fields %v", b.path, nums)
					}
				}
				return nil
			}},
	}
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			if err := r.ok(); err != nil {
				t.Errorf("rule %q broken: %v", r.rule, err)
			}
		})
	}
}

func kind(b *specpb.ItemBranch) string {
	switch b.GetItem().(type) {
	case *specpb.ItemBranch_Filesystem:
		return "dir"
	case *specpb.ItemBranch_Link:
		return "link"
	}
	return "file"
}

// rawField returns the bytes of field num in a serialized message.
func rawField(t *testing.T, b []byte, num protowire.Number) []byte {
	for len(b) > 0 {
		n, typ, k := protowire.ConsumeTag(b)
		m := protowire.ConsumeFieldValue(n, typ, b[k:])
		if k < 0 || m < 0 {
			t.Fatal("message does not parse")
		}
		if n == num {
			v, _ := protowire.ConsumeBytes(b[k:])
			return v
		}
		b = b[k+m:]
	}
	return nil
}

package spec

import (
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/spec/specpb"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func mustMarshal(t testing.TB, m proto.Message) []byte {
	t.Helper()
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// file, link and dir build entries carrying the packer's metadata, as a
// read_mode=ro tree needs.
func file(name, content string) *specpb.ItemBranch {
	return &specpb.ItemBranch{Name: name, Item: &specpb.ItemBranch_File{File: []byte(content)}, Xattrs: PackedMetadata(EntryFile).Xattrs()}
}

// link is a link at dst (its own absolute path, or "" to leave it out)
// to the target src.
func link(name, src, dst string) *specpb.ItemBranch {
	return &specpb.ItemBranch{Name: name, Item: &specpb.ItemBranch_Link{Link: &specpb.Link{Src: src, Dst: dst}}, Xattrs: PackedMetadata(EntryLink).Xattrs()}
}

func dir(name string, branches ...*specpb.ItemBranch) *specpb.ItemBranch {
	return &specpb.ItemBranch{Name: name, Item: &specpb.ItemBranch_Filesystem{Filesystem: &specpb.Filesystem{Branch: branches}}, Xattrs: PackedMetadata(EntryDir).Xattrs()}
}

// helloService is the small spec pinned by the golden files.
func helloService(t testing.TB, branches ...*specpb.ItemBranch) *specpb.Service {
	if branches == nil {
		branches = []*specpb.ItemBranch{
			dir("bin", file("hello.wasm", "\x00asm\x01\x00\x00\x00")),
			link("hello", "bin/hello.wasm", "/hello"),
			file("README", "hello, world\n"),
		}
	}
	return &specpb.Service{
		Prose: "Prints a greeting.",
		Container: &specpb.Container{
			Architecture: &specpb.Architecture{Tags: []string{ArchWasm32WASIP1}},
			Filesystem: MarshalFilesystem(&specpb.Filesystem{
				Branch: branches,
				Xattrs: []*specpb.BytesKeyValue{{Key: "read_mode", Value: []byte("ro")}},
			}),
			Init: &specpb.Init{EntryPath: []string{"bin", "hello.wasm"}, Xattrs: EntryArgs([]string{"--greeting"})},
			EnvironmentVariables: []*specpb.DataFormatKeyValue{
				{Key: "NAME", Value: &specpb.DataFormat{Prose: "who to greet"}},
			},
		},
	}
}

func TestSHA3256Tag(t *testing.T) {
	const want = "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a" // service-spec.md
	if got := hex.EncodeToString(SHA3256Tag); got != want {
		t.Fatalf("SHA3256Tag = %s, want %s", got, want)
	}
}

// TestGolden pins the bytes our writer produces for a small spec and the id
// of those bytes. Run with -update to rewrite the files after a deliberate
// change of the schema.
func TestGolden(t *testing.T) {
	specPath, idPath := filepath.Join("testdata", "hello.spec"), filepath.Join("testdata", "hello.id")
	raw := mustMarshal(t, helloService(t))
	if *update {
		if err := os.WriteFile(specPath, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(idPath, []byte(ServiceID(raw).String()+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	golden, err := os.ReadFile(specPath)
	if err != nil {
		t.Fatal(err)
	}
	wantID, err := os.ReadFile(idPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, golden) {
		t.Errorf("writer output differs from %s:\n got %x\nwant %x", specPath, raw, golden)
	}
	s, err := DecodeSpec(golden, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if got := s.ID().String(); got != strings.TrimSpace(string(wantID)) {
		t.Errorf("id = %s, want %s", got, wantID)
	}
	if prog, args := s.Entry(); prog != "bin/hello.wasm" || len(args) != 1 || args[0] != "--greeting" {
		t.Errorf("Entry() = %q %q", prog, args)
	}
	id := s.ID()
	h := id.Hash()
	if !bytes.Equal(h.Type, SHA3256Tag) || !bytes.Equal(h.Value, id[:]) {
		t.Errorf("Hash() = %x", h)
	}
}

// TestUnknownFieldsSurvive checks that bytes from a newer writer keep their
// id (the raw bytes are hashed) and that the decoded message re-encodes the
// fields it does not know.
func TestUnknownFieldsSurvive(t *testing.T) {
	raw := mustMarshal(t, helloService(t))
	raw = protowire.AppendTag(raw, 99, protowire.BytesType)
	raw = protowire.AppendBytes(raw, []byte("from the future"))
	s, err := DecodeSpec(raw, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(s.Bytes(), raw) || s.ID() != ServiceID(raw) {
		t.Fatal("raw bytes not kept")
	}
	again, err := proto.Marshal(s.Service())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(again, []byte("from the future")) {
		t.Fatal("unknown field lost in a decode/encode round trip")
	}
	if !bytes.Equal(again, raw) {
		t.Fatalf("decode/encode changed the bytes:\n got %x\nwant %x", again, raw)
	}
}

func TestValidate(t *testing.T) {
	tooBig := DefaultLimits()
	tooBig.MaxFilesystemBytes = 10
	tests := []struct {
		name   string
		mutate func(*specpb.Service)
		lim    *Limits
		field  string
		rule   string
	}{
		{"unknown architecture", func(s *specpb.Service) { s.Container.Architecture.Tags = []string{"x86_64"} },
			nil, "container.architecture.tags", "unknown architecture"},
		{"no architecture", func(s *specpb.Service) { s.Container.Architecture = nil },
			nil, "container.architecture.tags", "unknown architecture"},
		{"no container", func(s *specpb.Service) { s.Container = nil }, nil, "container", "required"},
		{"missing entry path", func(s *specpb.Service) { s.Container.Init = nil },
			nil, "container.init.entry_path", "must not be empty"},
		{"empty entry path", func(s *specpb.Service) { s.Container.Init.EntryPath = []string{""} },
			nil, "container.init.entry_path[0]", "must not be empty"},
		{"entry not in filesystem", func(s *specpb.Service) { s.Container.Init.EntryPath = []string{"bin", "nope.wasm"} },
			nil, "container.init.entry_path", "not in the filesystem"},
		{"entry is a directory", func(s *specpb.Service) { s.Container.Init.EntryPath = []string{"bin"} },
			nil, "container.init.entry_path", "is a dir, not a file"},
		{"arguments in the entry path", func(s *specpb.Service) { s.Container.Init.EntryPath = []string{"bin/hello.wasm --greeting"} },
			nil, "container.init.entry_path[0]", "contains white space"},
		{"dot-dot in the entry path", func(s *specpb.Service) { s.Container.Init.EntryPath = []string{"bin", "..", "bin", "hello.wasm"} },
			nil, "container.init.entry_path[1]", `has a ".." element`},
		{"arguments not JSON", func(s *specpb.Service) {
			s.Container.Init.Xattrs = []*specpb.BytesKeyValue{{Key: ArgsXattr, Value: []byte("--greeting")}}
		}, nil, "container.init.xattrs.celltonomy.args", "not a JSON array of strings"},
		{"bad env name", func(s *specpb.Service) { s.Container.EnvironmentVariables[0].Key = "1X" },
			nil, "container.environment_variables[0].key", "not a valid environment variable name"},
		{"not a filesystem", func(s *specpb.Service) { s.Container.Filesystem = []byte{0xff} },
			nil, "container.filesystem", "not a serialized Filesystem"},
		{"over size limit", func(s *specpb.Service) {}, &tooBig, "container.filesystem", "over the limit of 10 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := helloService(t)
			tt.mutate(svc)
			lim := DefaultLimits()
			if tt.lim != nil {
				lim = *tt.lim
			}
			_, err := DecodeSpec(mustMarshal(t, svc), lim)
			requireFieldError(t, err, tt.field, tt.rule)
		})
	}
}

// TestValidateFilesystem checks the filesystem rules. Every case puts its
// entries after bin/hello.wasm, the entry path, so indices start at 1.
func TestValidateFilesystem(t *testing.T) {
	tests := []struct {
		name     string
		branches []*specpb.ItemBranch
		field    string
		rule     string
	}{
		{"duplicate names", []*specpb.ItemBranch{file("a", ""), file("a", "")}, "container.filesystem.branch[2].name", `duplicate name "a"`},
		{"dot-dot name", []*specpb.ItemBranch{file("..", "")}, "container.filesystem.branch[1].name", `".." is not allowed`},
		{"dot name", []*specpb.ItemBranch{file(".", "")}, "container.filesystem.branch[1].name", `"." is not allowed`},
		{"absolute name", []*specpb.ItemBranch{file("/etc", "")}, "container.filesystem.branch[1].name", "is absolute"},
		{"slash in name", []*specpb.ItemBranch{file("a/b", "")}, "container.filesystem.branch[1].name", "single path elements"},
		{"empty name", []*specpb.ItemBranch{file("", "")}, "container.filesystem.branch[1].name", "must not be empty"},
		{"nested duplicate", []*specpb.ItemBranch{dir("d", file("x", ""), dir("x"))}, "container.filesystem.branch[1].filesystem.branch[1].name", `duplicate name "x" in directory /d`},
		{"link cycle", []*specpb.ItemBranch{link("a", "b", ""), link("b", "a", "")}, "container.filesystem/a", "link cycle"},
		{"self link", []*specpb.ItemBranch{link("a", "/a", "")}, "container.filesystem/a", "link cycle"},
		{"link through itself", []*specpb.ItemBranch{dir("d", link("up", "../d/up", ""))}, "container.filesystem/d/up", "link cycle"},
		{"dangling link", []*specpb.ItemBranch{link("a", "nowhere", "")}, "container.filesystem/a", "file does not exist"},
		{"link escapes root", []*specpb.ItemBranch{link("a", "../../etc/passwd", "")}, "container.filesystem/a", "escapes the package root"},
		{"link dst mismatch", []*specpb.ItemBranch{link("a", "x", "/b")}, "container.filesystem.branch[1].link.dst", "the link is at"},
		{"empty link", []*specpb.ItemBranch{link("a", "", "")}, "container.filesystem.branch[1].link.src", "must not be empty"},
		{"partial metadata", []*specpb.ItemBranch{{Name: "m", Item: &specpb.ItemBranch_File{}, Xattrs: PackedMetadata(EntryFile).Xattrs()[1:]}},
			"container.filesystem.branch[1].xattrs", "partial filesystem metadata: missing device.is_block"},
		{"no metadata under read_mode=ro", []*specpb.ItemBranch{{Name: "m", Item: &specpb.ItemBranch_File{}}},
			"container.filesystem.branch[1].xattrs", "read_mode=ro requires the metadata keys"},
		{"mode of another type", []*specpb.ItemBranch{{Name: "m", Item: &specpb.ItemBranch_File{}, Xattrs: PackedMetadata(EntryDir).Xattrs()}},
			"container.filesystem.branch[1].xattrs.mode", "does not describe a file"},
		{"mode not base 10", []*specpb.ItemBranch{{Name: "m", Item: &specpb.ItemBranch_File{}, Xattrs: withXattr(PackedMetadata(EntryFile).Xattrs(), MetaMode, "0o100444")}},
			"container.filesystem.branch[1].xattrs", "mode: \"0o100444\" is not a base-10 integer"},
		{"device numbers on a file", []*specpb.ItemBranch{{Name: "m", Item: &specpb.ItemBranch_File{}, Xattrs: withXattr(PackedMetadata(EntryFile).Xattrs(), MetaDeviceMajor, "8")}},
			"container.filesystem.branch[1].xattrs", "must be 0 for mode"},
		{"a device node", []*specpb.ItemBranch{{Name: "m", Item: &specpb.ItemBranch_File{}, Xattrs: (Metadata{Mode: 0o060660, DeviceMajor: 8, DeviceIsBlock: true}).Xattrs()}},
			"container.filesystem.branch[1].xattrs.mode", "does not describe a file"},
		{"empty item", []*specpb.ItemBranch{{Name: "x", Xattrs: PackedMetadata(EntryFile).Xattrs()}}, "container.filesystem.branch[1]", "has no item"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			branches := append([]*specpb.ItemBranch{dir("bin", file("hello.wasm", "x"))}, tt.branches...)
			_, err := DecodeSpec(mustMarshal(t, helloService(t, branches...)), DefaultLimits())
			requireFieldError(t, err, tt.field, tt.rule)
		})
	}
}

func withXattr(list []*specpb.BytesKeyValue, key, value string) []*specpb.BytesKeyValue {
	for _, kv := range list {
		if kv.GetKey() == key {
			kv.Value = []byte(value)
		}
	}
	return list
}

// TestReadMode: a received spec's root read_mode is "ro", "rw" or absent,
// and absent means "rw"; without "ro", entries may carry no metadata.
func TestReadMode(t *testing.T) {
	bare := &specpb.ItemBranch{Name: "hello.wasm", Item: &specpb.ItemBranch_File{File: []byte("x")}}
	for _, tc := range []struct {
		name  string
		attrs []*specpb.BytesKeyValue
		ro    bool
		err   string
	}{
		{"absent", nil, false, ""},
		{"rw", []*specpb.BytesKeyValue{{Key: ReadModeKey, Value: []byte("rw")}}, false, ""},
		{"ro", []*specpb.BytesKeyValue{{Key: ReadModeKey, Value: []byte("ro")}}, true, "read_mode=ro requires"},
		{"other", []*specpb.BytesKeyValue{{Key: ReadModeKey, Value: []byte("RO")}}, false, `"RO" is neither`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc := helloService(t)
			svc.Container.Init.EntryPath = []string{"hello.wasm"}
			svc.Container.Filesystem = MarshalFilesystem(&specpb.Filesystem{Branch: []*specpb.ItemBranch{bare}, Xattrs: tc.attrs})
			s, err := DecodeSpec(mustMarshal(t, svc), DefaultLimits())
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || s.Tree().ReadOnly() != tc.ro {
				t.Fatalf("err = %v, ReadOnly = %v", err, s != nil && s.Tree().ReadOnly())
			}
		})
	}
}

func requireFieldError(t *testing.T, err error, field, rule string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want %s: %s", field, rule)
	}
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("errors.Is(err, ErrInvalid) = false for %v", err)
	}
	for _, e := range flatten(err) {
		var fe *FieldError
		if errors.As(e, &fe) && fe.Field == field && strings.Contains(fe.Rule, rule) {
			return
		}
	}
	t.Fatalf("error %q has no %s: ...%s...", err, field, rule)
}

func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

func TestTreeFS(t *testing.T) {
	s, err := DecodeSpec(mustMarshal(t, helloService(t)), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if err := fstest.TestFS(s.Tree().FS(), "README", "bin/hello.wasm", "hello"); err != nil {
		t.Fatal(err)
	}
	b, err := s.Tree().ReadFile("/hello")
	if err != nil || string(b) != "\x00asm\x01\x00\x00\x00" {
		t.Fatalf("ReadFile through link = %q, %v", b, err)
	}
	var got []string
	_ = s.Tree().Walk(func(e Entry) error {
		got = append(got, e.Path+" "+e.Type.String())
		return nil
	})
	want := "/bin dir|/bin/hello.wasm file|/hello link|/README file"
	if strings.Join(got, "|") != want {
		t.Fatalf("Walk = %q, want %q", strings.Join(got, "|"), want)
	}
	if !s.Tree().ReadOnly() || s.Tree().Size() != 8+13 || s.Tree().Len() != 4 {
		t.Fatalf("ReadOnly/Size/Len = %v %d %d", s.Tree().ReadOnly(), s.Tree().Size(), s.Tree().Len())
	}
}

func TestSortedKV(t *testing.T) {
	in := []*specpb.BytesKeyValue{{Key: "b", Value: []byte("1")}, {Key: "a"}, {Key: "b", Value: []byte("2")}, {Key: "Z"}}
	var keys []string
	for _, kv := range SortedKV(in) {
		keys = append(keys, kv.GetKey()+"="+string(kv.GetValue()))
	}
	if got := strings.Join(keys, ","); got != "Z=,a=,b=2" {
		t.Fatalf("SortedKV = %s", got)
	}
	if v, ok := LastValue(in, "b"); !ok || string(v) != "2" {
		t.Fatalf("LastValue = %q %v", v, ok)
	}
}

func TestParseID(t *testing.T) {
	id := ServiceID([]byte("x"))
	got, err := ParseID(id.String())
	if err != nil || got != id {
		t.Fatalf("ParseID round trip: %v %v", got, err)
	}
	for _, bad := range []string{"", "zz", id.String()[:62]} {
		if _, err := ParseID(bad); err == nil {
			t.Errorf("ParseID(%q) succeeded", bad)
		}
	}
}

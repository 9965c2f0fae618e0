package outputroot_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/runtime/outputroot"
)

// golden is the fixed example whose root is pinned below.
var golden = struct {
	exitCode       uint32
	stdout, stderr []byte
	files          map[string]string // path -> content
}{
	exitCode: 3,
	stdout:   []byte("hello\n"),
	stderr:   nil,
	files: map[string]string{
		"b.txt":   "bee",
		"a/x.bin": "\x00\x01",
		"a.txt":   "",
	},
}

// goldenRoot is the version 1 output root of golden. It must never change:
// nodes of every version have to agree on it.
const goldenRoot = "4fd4cdc1cf66c327cf8511144f7c538442d3bfc82f43167a00c06cb3b4f23ce5"

func goldenFiles() []outputroot.File {
	var files []outputroot.File
	for p, c := range golden.files {
		files = append(files, outputroot.File{Path: p, Size: int64(len(c)), SHA256: sha256.Sum256([]byte(c))})
	}
	return files // map order: Compute must sort
}

// naiveRoot builds the preimage byte by byte as the package documentation
// writes it, as a reference for Compute.
func naiveRoot(exitCode uint32, stdout, stderr []byte, files map[string]string) [32]byte {
	var pre bytes.Buffer
	pre.WriteString("celltonomy/output-root/v1")
	pre.WriteByte(0)
	pre.Write(binary.BigEndian.AppendUint32(nil, exitCode))
	so, se := sha256.Sum256(stdout), sha256.Sum256(stderr)
	pre.Write(so[:])
	pre.Write(se[:])
	pre.Write(binary.BigEndian.AppendUint64(nil, uint64(len(files))))
	var paths []string
	for p := range files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		pre.Write(binary.BigEndian.AppendUint16(nil, uint16(len(p))))
		pre.WriteString(p)
		pre.Write(binary.BigEndian.AppendUint64(nil, uint64(len(files[p]))))
		h := sha256.Sum256([]byte(files[p]))
		pre.Write(h[:])
	}
	return sha256.Sum256(pre.Bytes())
}

func TestComputeGolden(t *testing.T) {
	root, err := outputroot.Compute(golden.exitCode, golden.stdout, golden.stderr, goldenFiles())
	if err != nil {
		t.Fatal(err)
	}
	if want := naiveRoot(golden.exitCode, golden.stdout, golden.stderr, golden.files); root != want {
		t.Fatalf("Compute = %x, naive reference = %x", root, want)
	}
	if got := hex.EncodeToString(root[:]); got != goldenRoot {
		t.Fatalf("root = %s, want pinned %s", got, goldenRoot)
	}
}

func TestComputeSensitivity(t *testing.T) {
	base, err := outputroot.Compute(0, []byte("out"), []byte("err"), goldenFiles())
	if err != nil {
		t.Fatal(err)
	}
	changed := func(name string, exit uint32, stdout, stderr string, files []outputroot.File) {
		t.Helper()
		root, err := outputroot.Compute(exit, []byte(stdout), []byte(stderr), files)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if root == base {
			t.Errorf("%s: root did not change", name)
		}
	}
	files := goldenFiles()
	changed("exit code", 1, "out", "err", files)
	changed("stdout", 0, "out!", "err", files)
	changed("stdout and stderr swapped", 0, "err", "out", files)
	changed("one file fewer", 0, "out", "err", files[1:])
	renamed := slices.Clone(files)
	renamed[0].Path = "z/" + renamed[0].Path
	changed("path", 0, "out", "err", renamed)
	resized := slices.Clone(files)
	resized[0].Size++
	changed("size", 0, "out", "err", resized)

	// Order of the input does not matter, and the caller's slice is left alone.
	reversed := slices.Clone(files)
	slices.Reverse(reversed)
	keep := slices.Clone(reversed)
	root, err := outputroot.Compute(0, []byte("out"), []byte("err"), reversed)
	if err != nil || root != base {
		t.Errorf("reordered files: root %x, %v; want %x", root, err, base)
	}
	if !slices.Equal(reversed, keep) {
		t.Error("Compute modified its argument")
	}
}

func TestComputeErrors(t *testing.T) {
	long := strings.Repeat("a", outputroot.MaxPathLen+1)
	tests := []struct {
		name  string
		files []outputroot.File
		want  error
	}{
		{"empty path", []outputroot.File{{Path: ""}}, outputroot.ErrInvalidPath},
		{"absolute", []outputroot.File{{Path: "/a"}}, outputroot.ErrInvalidPath},
		{"dot dot", []outputroot.File{{Path: "a/../b"}}, outputroot.ErrInvalidPath},
		{"leading dot dot", []outputroot.File{{Path: "../b"}}, outputroot.ErrInvalidPath},
		{"dot", []outputroot.File{{Path: "./b"}}, outputroot.ErrInvalidPath},
		{"trailing dot", []outputroot.File{{Path: "a/."}}, outputroot.ErrInvalidPath},
		{"backslash", []outputroot.File{{Path: `a\b`}}, outputroot.ErrInvalidPath},
		{"empty segment", []outputroot.File{{Path: "a//b"}}, outputroot.ErrInvalidPath},
		{"trailing slash", []outputroot.File{{Path: "a/"}}, outputroot.ErrInvalidPath},
		{"nul", []outputroot.File{{Path: "a\x00b"}}, outputroot.ErrInvalidPath},
		{"too long", []outputroot.File{{Path: long}}, outputroot.ErrInvalidPath},
		{"duplicate", []outputroot.File{{Path: "a"}, {Path: "b"}, {Path: "a"}}, outputroot.ErrDuplicatePath},
		{"negative size", []outputroot.File{{Path: "a", Size: -1}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := outputroot.Compute(0, nil, nil, tt.files)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("error %q does not match %q", err, tt.want)
			}
		})
	}
	// The longest valid path is fine.
	if _, err := outputroot.Compute(0, nil, nil, []outputroot.File{{Path: long[1:]}}); err != nil {
		t.Errorf("path of %d bytes: %v", outputroot.MaxPathLen, err)
	}
}

func TestScanDir(t *testing.T) {
	dir := t.TempDir()
	write := func(p, content string) {
		t.Helper()
		name := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for p, c := range golden.files {
		write(p, c)
	}
	if err := os.MkdirAll(filepath.Join(dir, "empty", "deeper"), 0o755); err != nil {
		t.Fatal(err)
	}

	files, err := outputroot.ScanDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range files {
		paths = append(paths, f.Path)
	}
	// Byte order: "a.txt" < "a/x.bin" because '.' < '/'.
	if want := []string{"a.txt", "a/x.bin", "b.txt"}; !slices.Equal(paths, want) {
		t.Fatalf("paths = %q, want %q", paths, want)
	}
	root, err := outputroot.Compute(golden.exitCode, golden.stdout, golden.stderr, files)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(root[:]); got != goldenRoot {
		t.Fatalf("root of scanned dir = %s, want %s", got, goldenRoot)
	}
}

func TestScanDirRejectsLinks(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(outside, []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Run("symlink to file", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.Symlink(outside, filepath.Join(dir, "link")); err != nil {
			t.Skip("symlinks not supported:", err)
		}
		if _, err := outputroot.ScanDir(dir); !errors.Is(err, outputroot.ErrNotRegular) {
			t.Fatalf("ScanDir = %v, want ErrNotRegular", err)
		}
	})
	t.Run("symlink to dir", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.Symlink(filepath.Dir(outside), filepath.Join(dir, "sub")); err != nil {
			t.Skip("symlinks not supported:", err)
		}
		if _, err := outputroot.ScanDir(dir); !errors.Is(err, outputroot.ErrNotRegular) {
			t.Fatalf("ScanDir = %v, want ErrNotRegular", err)
		}
	})
	t.Run("root is a symlink", func(t *testing.T) {
		link := filepath.Join(t.TempDir(), "out")
		if err := os.Symlink(filepath.Dir(outside), link); err != nil {
			t.Skip("symlinks not supported:", err)
		}
		if _, err := outputroot.ScanDir(link); err == nil {
			t.Fatal("ScanDir followed a symlinked root")
		}
	})
	t.Run("backslash in name", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, `a\b`), nil, 0o644); err != nil {
			t.Skip("cannot create such a name here:", err)
		}
		if _, err := outputroot.ScanDir(dir); !errors.Is(err, outputroot.ErrInvalidPath) {
			t.Fatalf("ScanDir = %v, want ErrInvalidPath", err)
		}
	})
	t.Run("missing", func(t *testing.T) {
		if _, err := outputroot.ScanDir(filepath.Join(t.TempDir(), "nope")); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("ScanDir = %v, want ErrNotExist", err)
		}
	})
}

// FuzzComputePaths checks Compute's path validation against the rules,
// written independently here.
func FuzzComputePaths(f *testing.F) {
	for _, p := range []string{"a", "a/b", "/a", "a/../b", "./a", "a//b", "a/", `a\b`, "..", ".", "", "a\x00", "é/ü"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		_, err := outputroot.Compute(0, nil, nil, []outputroot.File{{Path: p, Size: 1}})
		valid := p != "" && len(p) <= outputroot.MaxPathLen && !strings.ContainsAny(p, "\\\x00")
		if valid {
			for _, seg := range strings.Split(p, "/") {
				if seg == "" || seg == "." || seg == ".." {
					valid = false
				}
			}
		}
		if valid != (err == nil) {
			t.Fatalf("path %q: valid by the rules = %v, Compute error = %v", p, valid, err)
		}
		if err != nil && !errors.Is(err, outputroot.ErrInvalidPath) {
			t.Fatalf("path %q: error %v does not match ErrInvalidPath", p, err)
		}
		// A valid path given twice is always a duplicate.
		if valid {
			_, err := outputroot.Compute(0, nil, nil, []outputroot.File{{Path: p}, {Path: p}})
			if !errors.Is(err, outputroot.ErrDuplicatePath) {
				t.Fatalf("path %q twice: %v", p, err)
			}
		}
	})
}

// goldenOutcomeRoots are the outcome roots of golden's stdout and stderr
// for each outcome other than exited, checked against Python's hashlib
// when they were pinned. They must never change.
var goldenOutcomeRoots = map[outputroot.Outcome]string{
	outputroot.OutcomeTrap:        "03cb8f919d11b22cbfdad7191af2ba645d9943a59c42c70d3846006d963acc4f",
	outputroot.OutcomeFuelLimit:   "e59da72df3fa4c8827494265348bc77d9eb0d75096480beb0ec397502ca35e8c",
	outputroot.OutcomeMemoryLimit: "9791f22bf4b3bb01530e707028556d28247ae346d69673a41b456b196d4b06bf",
	outputroot.OutcomeOutputLimit: "5f1495e3f02691bb7dd9cf0ca61a132b03d28737abf40d233d19f20b3e926fb0",
	outputroot.OutcomeStdoutLimit: "5b1815dc0d772e75d867f765ea577a9523f75c02637be2acee6da7a9b5ed7ed0",
	outputroot.OutcomeStderrLimit: "90ffd5d460b9b82fee6f449c2a894a6f0728c2c1386a45f02bcf3f72be25a093",
}

// naiveOutcomeRoot builds the outcome root's preimage as the package
// documentation writes it.
func naiveOutcomeRoot(outcome byte, stdout, stderr []byte) [32]byte {
	var pre bytes.Buffer
	pre.WriteString("celltonomy/output-root/outcome/v1")
	pre.WriteByte(0)
	pre.WriteByte(outcome)
	so, se := sha256.Sum256(stdout), sha256.Sum256(stderr)
	pre.Write(so[:])
	pre.Write(se[:])
	return sha256.Sum256(pre.Bytes())
}

func TestComputeOutcomeGolden(t *testing.T) {
	// The exited outcome is version 1, byte for byte.
	root, err := outputroot.ComputeOutcome(outputroot.OutcomeExited, golden.exitCode, golden.stdout, golden.stderr, goldenFiles())
	if err != nil || hex.EncodeToString(root[:]) != goldenRoot {
		t.Fatalf("exited: root %x, %v; want %s", root, err, goldenRoot)
	}
	seen := map[[32]byte]outputroot.Outcome{root: outputroot.OutcomeExited}
	for o := outputroot.OutcomeTrap; o <= outputroot.OutcomeStderrLimit; o++ {
		t.Run(o.String(), func(t *testing.T) {
			root, err := outputroot.ComputeOutcome(o, 0, golden.stdout, golden.stderr, nil)
			if err != nil {
				t.Fatal(err)
			}
			if want := naiveOutcomeRoot(byte(o), golden.stdout, golden.stderr); root != want {
				t.Fatalf("ComputeOutcome = %x, naive reference = %x", root, want)
			}
			if got := hex.EncodeToString(root[:]); got != goldenOutcomeRoots[o] {
				t.Errorf("root = %s, want pinned %s", got, goldenOutcomeRoots[o])
			}
			if other, dup := seen[root]; dup {
				t.Errorf("same root as %s", other)
			}
			seen[root] = o
		})
	}
}

func TestComputeOutcomeErrors(t *testing.T) {
	for _, tt := range []struct {
		name    string
		outcome outputroot.Outcome
		exit    uint32
		files   []outputroot.File
	}{
		{"unspecified", outputroot.OutcomeUnspecified, 0, nil},
		{"unknown", outputroot.OutcomeStderrLimit + 1, 0, nil},
		{"exit code with a trap", outputroot.OutcomeTrap, 1, nil},
		{"files with a limit", outputroot.OutcomeOutputLimit, 0, []outputroot.File{{Path: "a"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := outputroot.ComputeOutcome(tt.outcome, tt.exit, nil, nil, tt.files); !errors.Is(err, outputroot.ErrOutcome) {
				t.Fatalf("err = %v, want ErrOutcome", err)
			}
		})
	}
}

func TestOutcomeNames(t *testing.T) {
	want := []string{"unspecified", "exited", "trap", "fuel-limit", "memory-limit", "output-limit", "stdout-limit", "stderr-limit"}
	for i, name := range want {
		o := outputroot.Outcome(i)
		if o.String() != name {
			t.Errorf("Outcome(%d) = %q, want %q", i, o, name)
		}
		parsed, err := outputroot.ParseOutcome(name)
		if i == 0 {
			if err == nil {
				t.Error("ParseOutcome accepts unspecified")
			}
			continue
		}
		if err != nil || parsed != o {
			t.Errorf("ParseOutcome(%q) = %v, %v", name, parsed, err)
		}
		text, err := json.Marshal(struct{ O outputroot.Outcome }{o})
		if err != nil || string(text) != `{"O":"`+name+`"}` {
			t.Errorf("JSON of %v: %s, %v", o, text, err)
		}
		var back struct{ O outputroot.Outcome }
		if err := json.Unmarshal(text, &back); err != nil || back.O != o {
			t.Errorf("JSON round trip of %v: %v, %v", o, back.O, err)
		}
	}
	if s := outputroot.Outcome(9).String(); s != "outcome(9)" {
		t.Errorf("Outcome(9) = %q", s)
	}
	if _, err := json.Marshal(outputroot.Outcome(9)); err == nil {
		t.Error("an unknown outcome marshals")
	}
}

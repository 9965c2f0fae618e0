// Package outputroot defines the output root: the hash that two honest
// nodes running the same package on the same inputs must agree on.
//
// A run ends with one of the outcomes of [Outcome]: it exited by itself
// (with any exit code), trapped, or hit one of its deterministic limits
// (fuel, memory, output, stdout, stderr). Every outcome has a root, so a
// run that failed deterministically can still be delivered and verified.
//
// # Definition (version 1)
//
// A run that exited (OutcomeExited) has an exit code, the bytes it wrote to
// stdout and stderr, and the files it left under /outputs. Its output root
// is
//
//	root = SHA-256( "celltonomy/output-root/v1" ‖ 0x00
//	              ‖ u32be(exit code)
//	              ‖ SHA-256(stdout) ‖ SHA-256(stderr)
//	              ‖ u64be(number of files)
//	              ‖ for each file, sorted by path bytes:
//	                  u16be(len(path)) ‖ path ‖ u64be(size in bytes) ‖ SHA-256(content) )
//
// where ‖ is concatenation, uNbe is an N-bit unsigned big-endian integer and
// the files are every regular file under /outputs. A file's path is relative
// to /outputs, uses '/' as separator and has no leading slash, e.g.
// "sub/b.txt". Directories carry no entry, so empty directories do not
// count. A symbolic link, device, socket or any other non-regular file under
// /outputs makes the outputs invalid: it has no root.
//
// A path is valid when it is non-empty, at most 65535 bytes long, not
// absolute, free of backslashes and NUL bytes, and each of its
// '/'-separated segments is non-empty and neither "." nor "..". No two files
// may have the same path. Paths are compared as bytes, not as Unicode text;
// they need not be valid UTF-8.
//
// # Other outcomes (outcome root, version 1)
//
// A run that did not exit (a trap or a limit) has no exit code and no
// files: what it left under /outputs is incomplete and does not count. Its
// root is taken over a distinct domain, so that it can never equal the
// root of an exited run:
//
//	root = SHA-256( "celltonomy/output-root/outcome/v1" ‖ 0x00
//	              ‖ u8(outcome)
//	              ‖ SHA-256(stdout) ‖ SHA-256(stderr) )
//
// where outcome is the number of the [Outcome] (2 trap, 3 fuel limit, …)
// and stdout and stderr are what the run wrote up to the moment it ended,
// as the runtime defines it (runtime/wasm: "Results and outcomes").
//
// # Use
//
// A node that has run a package calls [ScanDir] on its output directory and
// [ComputeOutcome] on the result; a buyer who downloaded the outputs does
// the same and compares the roots:
//
//	files, err := outputroot.ScanDir(dir) // only for OutcomeExited
//	if err != nil { ... }
//	root, err := outputroot.ComputeOutcome(outcome, exitCode, stdout, stderr, files)
package outputroot

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Domain is the domain-separation prefix of version 1 of the output root.
// It is followed by a 0x00 byte in the hashed preimage.
const Domain = "celltonomy/output-root/v1"

// OutcomeDomain is the domain-separation prefix of version 1 of the root
// of an outcome other than OutcomeExited. It is followed by a 0x00 byte in
// the hashed preimage.
const OutcomeDomain = "celltonomy/output-root/outcome/v1"

// MaxPathLen is the longest valid file path, in bytes (it is encoded as a
// u16be length).
const MaxPathLen = 65535

// ErrInvalidPath is matched (errors.Is) by the error for a file path that
// breaks the rules in the package documentation.
var ErrInvalidPath = errors.New("invalid output path")

// ErrDuplicatePath is matched (errors.Is) by the error for two files with
// the same path.
var ErrDuplicatePath = errors.New("duplicate output path")

// ErrNotRegular is matched (errors.Is) by the error of [ScanDir] for an
// entry under the output directory that is neither a directory nor a regular
// file (a symbolic link, device, socket, named pipe, ...).
var ErrNotRegular = errors.New("not a regular file")

// ErrOutcome is matched (errors.Is) by the error of [ComputeOutcome] for
// an outcome it does not know, or for an exit code or files given with an
// outcome other than OutcomeExited.
var ErrOutcome = errors.New("invalid outcome")

// Outcome is how a run ended. The numbers are part of the output root and
// of the ledger (which mirrors them in its own enum): they are never
// renumbered, and new outcomes are appended.
type Outcome uint8

// The outcomes. Each has a lowercase name, its String, used in logs and
// JSON.
const (
	// OutcomeUnspecified is the zero value; no run ends with it.
	OutcomeUnspecified Outcome = 0
	// OutcomeExited: the module returned from _start or called proc_exit,
	// with any exit code. "exited".
	OutcomeExited Outcome = 1
	// OutcomeTrap: the module trapped (unreachable, an out-of-bounds
	// access, a division by zero, a failed instantiation, …). "trap".
	OutcomeTrap Outcome = 2
	// OutcomeFuelLimit: the module reached a loop iteration beyond its
	// fuel. "fuel-limit".
	OutcomeFuelLimit Outcome = 3
	// OutcomeMemoryLimit: the module's linear memory would have exceeded
	// its limit. "memory-limit".
	OutcomeMemoryLimit Outcome = 4
	// OutcomeOutputLimit: the module wrote or created more under /outputs
	// than its limit. "output-limit".
	OutcomeOutputLimit Outcome = 5
	// OutcomeStdoutLimit: the module wrote more to stdout than its limit.
	// "stdout-limit".
	OutcomeStdoutLimit Outcome = 6
	// OutcomeStderrLimit: the module wrote more to stderr than its limit.
	// "stderr-limit".
	OutcomeStderrLimit Outcome = 7
)

var outcomeNames = [...]string{
	OutcomeUnspecified: "unspecified",
	OutcomeExited:      "exited",
	OutcomeTrap:        "trap",
	OutcomeFuelLimit:   "fuel-limit",
	OutcomeMemoryLimit: "memory-limit",
	OutcomeOutputLimit: "output-limit",
	OutcomeStdoutLimit: "stdout-limit",
	OutcomeStderrLimit: "stderr-limit",
}

// String returns the outcome's name, e.g. "fuel-limit", or "outcome(N)"
// for a number that is not an outcome.
func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return fmt.Sprintf("outcome(%d)", uint8(o))
}

// Valid reports whether o is one of the outcomes a run can end with
// (OutcomeExited to OutcomeStderrLimit).
func (o Outcome) Valid() bool { return o >= OutcomeExited && int(o) < len(outcomeNames) }

// ParseOutcome returns the outcome named s ("exited", "trap",
// "fuel-limit", …); it fails, matching [ErrOutcome], for any other name.
func ParseOutcome(s string) (Outcome, error) {
	for o, name := range outcomeNames {
		if name == s && Outcome(o).Valid() {
			return Outcome(o), nil
		}
	}
	return OutcomeUnspecified, fmt.Errorf("%w: %q (known: exited, trap, fuel-limit, memory-limit, output-limit, stdout-limit, stderr-limit)", ErrOutcome, s)
}

// MarshalText implements encoding.TextMarshaler: the outcome's name. It
// fails for a number that is not an outcome.
func (o Outcome) MarshalText() ([]byte, error) {
	if !o.Valid() && o != OutcomeUnspecified {
		return nil, fmt.Errorf("%w: %d", ErrOutcome, uint8(o))
	}
	return []byte(o.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler, as ParseOutcome.
func (o *Outcome) UnmarshalText(b []byte) error {
	v, err := ParseOutcome(string(b))
	if err != nil {
		return err
	}
	*o = v
	return nil
}

// ComputeOutcome returns the output root of a run that ended with outcome
// (see the package documentation): for OutcomeExited it is Compute(exitCode,
// stdout, stderr, files); for every other outcome it is the outcome root
// over stdout and stderr, and exitCode must be 0 and files empty.
//
// It returns an error matching [ErrOutcome] for an outcome that is not
// Valid, or for an exit code or files given with an outcome other than
// OutcomeExited, and the errors of Compute.
func ComputeOutcome(outcome Outcome, exitCode uint32, stdout, stderr []byte, files []File) ([32]byte, error) {
	switch {
	case outcome == OutcomeExited:
		return Compute(exitCode, stdout, stderr, files)
	case !outcome.Valid():
		return [32]byte{}, fmt.Errorf("%w: %d", ErrOutcome, uint8(outcome))
	case exitCode != 0:
		return [32]byte{}, fmt.Errorf("%w: exit code %d with outcome %s", ErrOutcome, exitCode, outcome)
	case len(files) != 0:
		return [32]byte{}, fmt.Errorf("%w: %d files with outcome %s", ErrOutcome, len(files), outcome)
	}
	h := sha256.New()
	h.Write([]byte(OutcomeDomain))
	h.Write([]byte{0, byte(outcome)})
	so, se := sha256.Sum256(stdout), sha256.Sum256(stderr)
	h.Write(so[:])
	h.Write(se[:])
	var root [32]byte
	h.Sum(root[:0])
	return root, nil
}

// File is one regular file under /outputs, as it enters the output root.
type File struct {
	// Path is relative to /outputs, '/'-separated, without a leading slash.
	Path string
	// Size is the file's length in bytes; it must not be negative.
	Size int64
	// SHA256 is the SHA-256 of the file's content.
	SHA256 [32]byte
}

// Compute returns the output root (version 1, see the package
// documentation) of a run that exited (OutcomeExited) with exitCode, wrote stdout and stderr,
// and left files. files may be in any order: Compute sorts a copy by path
// bytes and leaves the caller's slice untouched.
//
// It returns an error matching [ErrInvalidPath] for a path that is not
// valid, [ErrDuplicatePath] for a path given twice, and a plain error for a
// negative size; the error names the offending path.
func Compute(exitCode uint32, stdout, stderr []byte, files []File) ([32]byte, error) {
	sorted := slices.Clone(files)
	slices.SortFunc(sorted, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	for i, f := range sorted {
		if err := ValidatePath(f.Path); err != nil {
			return [32]byte{}, err
		}
		if f.Size < 0 {
			return [32]byte{}, fmt.Errorf("output %q: negative size %d", f.Path, f.Size)
		}
		if i > 0 && sorted[i-1].Path == f.Path {
			return [32]byte{}, fmt.Errorf("output %q: %w", f.Path, ErrDuplicatePath)
		}
	}

	h := sha256.New()
	var buf [8]byte
	h.Write([]byte(Domain))
	h.Write([]byte{0})
	binary.BigEndian.PutUint32(buf[:4], exitCode)
	h.Write(buf[:4])
	so, se := sha256.Sum256(stdout), sha256.Sum256(stderr)
	h.Write(so[:])
	h.Write(se[:])
	binary.BigEndian.PutUint64(buf[:], uint64(len(sorted)))
	h.Write(buf[:])
	for _, f := range sorted {
		binary.BigEndian.PutUint16(buf[:2], uint16(len(f.Path)))
		h.Write(buf[:2])
		h.Write([]byte(f.Path))
		binary.BigEndian.PutUint64(buf[:], uint64(f.Size))
		h.Write(buf[:])
		h.Write(f.SHA256[:])
	}
	var root [32]byte
	h.Sum(root[:0])
	return root, nil
}

// ValidatePath reports whether p is a valid output path (see the package
// documentation). The error matches [ErrInvalidPath] and says why.
func ValidatePath(p string) error {
	bad := func(why string) error { return fmt.Errorf("output %q: %w: %s", p, ErrInvalidPath, why) }
	switch {
	case p == "":
		return fmt.Errorf("output path: %w: empty", ErrInvalidPath)
	case len(p) > MaxPathLen:
		return fmt.Errorf("output path of %d bytes: %w: longer than %d bytes", len(p), ErrInvalidPath, MaxPathLen)
	case p[0] == '/':
		return bad("absolute")
	case strings.ContainsRune(p, '\\'):
		return bad("contains a backslash")
	case strings.ContainsRune(p, 0):
		return bad("contains a NUL byte")
	}
	for seg := range strings.SplitSeq(p, "/") {
		switch seg {
		case "":
			return bad("empty segment")
		case ".", "..":
			return bad(fmt.Sprintf("%q segment", seg))
		}
	}
	return nil
}

// ScanDir lists every regular file under the host directory dir, with
// paths relative to dir ('/'-separated), sizes and SHA-256 digests, sorted
// by path bytes. It never follows a symbolic link: dir itself must be a
// directory (not a link to one), and an entry that is neither a directory nor
// a regular file is an error matching [ErrNotRegular]. Files are hashed by
// streaming, so memory use does not grow with their size.
//
// The result is ready for [Compute]; a path that Compute would reject is
// reported here already (matching [ErrInvalidPath]), as are I/O errors.
func ScanDir(dir string) ([]File, error) {
	st, err := os.Lstat(dir)
	if err != nil {
		return nil, fmt.Errorf("scan outputs: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("scan outputs: %s: not a directory (%v)", dir, st.Mode().Type())
	}
	var files []File
	err = filepath.WalkDir(dir, func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if name == dir {
			return nil
		}
		rel, err := filepath.Rel(dir, name)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch t := d.Type(); {
		case t.IsDir():
			return nil
		case !t.IsRegular():
			return fmt.Errorf("%q: %w (%v)", rel, ErrNotRegular, t)
		}
		if err := ValidatePath(rel); err != nil {
			return err
		}
		f, err := hashFile(name)
		if err != nil {
			return err
		}
		f.Path = rel
		files = append(files, f)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scan outputs: %w", err)
	}
	// WalkDir visits in lexical order of names per directory, which is not
	// byte order of whole paths ("a/b" vs "a.txt"), so sort.
	slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	return files, nil
}

// hashFile streams a regular file through SHA-256. It checks, after opening,
// that the opened file is the regular file that Lstat saw, so a link swapped
// in between is never followed.
func hashFile(name string) (File, error) {
	lst, err := os.Lstat(name)
	if err != nil {
		return File{}, err
	}
	if !lst.Mode().IsRegular() {
		return File{}, fmt.Errorf("%s: %w (%v)", name, ErrNotRegular, lst.Mode().Type())
	}
	f, err := os.Open(name)
	if err != nil {
		return File{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return File{}, err
	}
	if !os.SameFile(lst, st) {
		return File{}, fmt.Errorf("%s: changed while scanning", name)
	}
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return File{}, fmt.Errorf("read %s: %w", name, err)
	}
	var out File
	out.Size = n
	h.Sum(out.SHA256[:0])
	return out, nil
}

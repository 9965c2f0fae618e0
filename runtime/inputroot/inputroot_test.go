package inputroot

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// reference builds the root byte by byte from the package doc.
func reference(inputs []Input) [32]byte {
	b := append([]byte(Domain), 0)
	b = binary.BigEndian.AppendUint32(b, uint32(len(inputs)))
	for _, in := range inputs {
		b = binary.BigEndian.AppendUint16(b, uint16(len(in.Name)))
		b = append(b, in.Name...)
		b = binary.BigEndian.AppendUint64(b, in.Size)
		b = append(b, in.SHA256[:]...)
	}
	return sha256.Sum256(b)
}

func TestGolden(t *testing.T) {
	genome := Input{Name: "genome", Size: 5, SHA256: sha256.Sum256([]byte("GAATT"))}
	primers := Input{Name: "primers", Size: 2, SHA256: sha256.Sum256([]byte("AC"))}
	got, err := Compute([]Input{primers, genome}) // any order
	if err != nil {
		t.Fatal(err)
	}
	if want := reference([]Input{genome, primers}); got != want {
		t.Fatalf("root %x, reference %x", got, want)
	}
	// Pinned: a change of this value is a change of the definition.
	const pinned = "21c077fa60fc6200eecc12028054eec45aca7cb0d76ab4449203bb4ffa69e418"
	if hex.EncodeToString(got[:]) != pinned {
		t.Fatalf("root %x, pinned %s", got, pinned)
	}
	empty, err := Compute(nil)
	if err != nil || empty != reference(nil) {
		t.Fatalf("empty set: %x, %v", empty, err)
	}
}

func TestInvalid(t *testing.T) {
	sum := sha256.Sum256(nil)
	for _, inputs := range [][]Input{
		{{Name: ""}},
		{{Name: ".."}},
		{{Name: "a/b"}},
		{{Name: "x", SHA256: sum}, {Name: "x", SHA256: sum}},
		{{Name: string(make([]byte, 256))}},
	} {
		if _, err := Compute(inputs); !errors.Is(err, ErrInvalidName) {
			t.Errorf("Compute(%q) = %v, want ErrInvalidName", inputs[0].Name, err)
		}
	}
}

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "g.fa")
	if err := os.WriteFile(p, []byte("GAATT"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Files(map[string]string{"genome": p})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Compute([]Input{{Name: "genome", Size: 5, SHA256: sha256.Sum256([]byte("GAATT"))}})
	if got != want {
		t.Fatalf("Files = %x, want %x", got, want)
	}
	if _, err := Files(map[string]string{"genome": filepath.Join(dir, "missing")}); err == nil {
		t.Fatal("a missing file has a root")
	}
}

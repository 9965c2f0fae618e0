package bot

import (
	"bytes"
	"image"
	"image/png"
	"testing"

	qrcode "github.com/skip2/go-qrcode"
)

// TestLabelPNGCarriesCompletionCode decodes the label's PNG back into its
// module matrix and checks it is, module for module, the QR code of the
// label text, which parses back to the order, the label id and the
// completion code.
func TestLabelPNGCarriesCompletionCode(t *testing.T) {
	var code [32]byte
	for i := range code {
		code[i] = byte(7 * i)
	}
	b, err := LabelPNG(42, "L-0042-ab12", code)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("label is not a PNG: %v", err)
	}
	got := modules(img)
	want, err := qrcode.New(LabelText(42, "L-0042-ab12", code), qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	bm := want.Bitmap()
	if len(got) != len(bm) {
		t.Fatalf("PNG holds %d×%d modules, the QR code has %d", len(got), len(got), len(bm))
	}
	for y := range bm {
		for x := range bm[y] {
			if got[y][x] != bm[y][x] {
				t.Fatalf("module (%d,%d) differs", x, y)
			}
		}
	}
	// Another completion code gives another matrix: the image carries
	// the code.
	other := code
	other[0] ^= 1
	q2, _ := qrcode.New(LabelText(42, "L-0042-ab12", other), qrcode.Medium)
	if same(q2.Bitmap(), got) {
		t.Error("the label of another completion code has the same modules")
	}
	id, label, back, err := ParseLabelText(LabelText(42, "L-0042-ab12", code))
	if err != nil || id != 42 || label != "L-0042-ab12" || back != code {
		t.Errorf("ParseLabelText = %d %q %x %v", id, label, back, err)
	}
	again, _ := LabelPNG(42, "L-0042-ab12", code)
	if !bytes.Equal(again, b) {
		t.Error("the same label renders to other bytes")
	}
}

// modules samples the centre of each LabelModulePixels square: true for
// a dark module.
func modules(img image.Image) [][]bool {
	r := img.Bounds()
	n := r.Dx() / LabelModulePixels
	out := make([][]bool, n)
	for y := range n {
		out[y] = make([]bool, n)
		for x := range n {
			c := img.At(r.Min.X+x*LabelModulePixels+LabelModulePixels/2, r.Min.Y+y*LabelModulePixels+LabelModulePixels/2)
			l, _, _, _ := c.RGBA()
			out[y][x] = l < 0x8000
		}
	}
	return out
}

func same(a, b [][]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for y := range a {
		for x := range a[y] {
			if a[y][x] != b[y][x] {
				return false
			}
		}
	}
	return true
}

func TestLabelRefusesBadIDs(t *testing.T) {
	for _, label := range []string{"", "a b", "x\n", string(bytes.Repeat([]byte("a"), 65))} {
		if _, err := LabelPNG(1, label, [32]byte{}); err == nil {
			t.Errorf("LabelPNG(%q) = nil error", label)
		}
	}
	for _, s := range []string{"", "celltonomy-label/1 1 L", "celltonomy-label/2 1 L " + string(bytes.Repeat([]byte("0"), 64)), "celltonomy-label/1 x L 00", "celltonomy-label/1 1 L zz"} {
		if _, _, _, err := ParseLabelText(s); err == nil {
			t.Errorf("ParseLabelText(%q) = nil error", s)
		}
	}
}

// FuzzParseLabelText: the text of a label's QR code comes from whoever
// holds the goods; ParseLabelText never panics, and what it accepts is
// what LabelText writes back.
func FuzzParseLabelText(f *testing.F) {
	f.Add(LabelText(42, "LBL-0042", [32]byte{1, 2, 3}))
	f.Add("celltonomy-label/1 1 L zz")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		id, label, code, err := ParseLabelText(s)
		if err != nil {
			return
		}
		if back := LabelText(id, label, code); back != s {
			// Accepted forms that are not canonical: a decimal with
			// leading zeros or a "+", upper-case hex digits.
			if id2, label2, code2, err := ParseLabelText(back); err != nil || id2 != id || label2 != label || code2 != code {
				t.Fatalf("%q parses to (%d, %q, %x), which does not round-trip", s, id, label, code)
			}
		}
	})
}

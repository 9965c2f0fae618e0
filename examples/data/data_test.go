package data

import (
	"bytes"
	"os"
	"testing"

	"github.com/celltonomy/celltonomy/bio/restriction"
)

// TestLambdaFASTA checks the embedded genome against its provenance:
// NC_001416.1, 48,502 bp, GC 49.86 %, and the same bytes as lambda.fa.
func TestLambdaFASTA(t *testing.T) {
	onDisk, err := os.ReadFile("lambda.fa")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(onDisk, LambdaFASTA) {
		t.Fatal("LambdaFASTA differs from lambda.fa")
	}
	rec, err := restriction.ReadFASTA(bytes.NewReader(LambdaFASTA), int64(len(LambdaFASTA)))
	if err != nil {
		t.Fatal(err)
	}
	if rec.ID != "gi|9626243|ref|NC_001416.1|" {
		t.Errorf("id %q", rec.ID)
	}
	if len(rec.Seq) != 48502 {
		t.Errorf("length %d bp, want 48502", len(rec.Seq))
	}
	gc := bytes.Count(rec.Seq, []byte("G")) + bytes.Count(rec.Seq, []byte("C"))
	if permyriad := gc * 10000 / len(rec.Seq); permyriad != 4985 && permyriad != 4986 {
		t.Errorf("GC %d‱, want 49.86 %%", permyriad)
	}
}

package labsim

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"

	"github.com/celltonomy/celltonomy/protocol"
)

// FuzzRun feeds protocols that parse, validate and are covered by the
// simulated lab to Run: it must return a result or an error, never panic,
// and give the same datasets twice.
func FuzzRun(f *testing.F) {
	for _, ex := range examples {
		tpl, err := os.ReadFile(filepath.Join("../../examples/protocols", ex.dir, "protocol.json"))
		if err != nil {
			f.Fatal(err)
		}
		doc, err := protocol.Fill(tpl, ex.params)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(doc)
	}
	spec := simlab(f)
	stock := SimlabStock()
	f.Fuzz(func(t *testing.T, doc []byte) {
		p, err := protocol.Parse(doc)
		if err != nil || p.Validate() != nil || protocol.Covers(spec, p.Requirements()) != nil {
			return
		}
		in := Input{Protocol: p, ProtocolHash: sha256.Sum256(doc), BotSpec: spec, Stock: stock}
		a, errA := Run(in)
		b, errB := Run(in)
		if (errA == nil) != (errB == nil) {
			t.Fatalf("two runs disagree: %v / %v", errA, errB)
		}
		if errA != nil {
			return
		}
		if len(a.Datasets) != len(b.Datasets) {
			t.Fatal("two runs write different datasets")
		}
		for i := range a.Datasets {
			if string(a.Datasets[i].Data) != string(b.Datasets[i].Data) {
				t.Fatalf("dataset %s differs between two runs", a.Datasets[i].Name)
			}
		}
	})
}

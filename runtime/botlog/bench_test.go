package botlog

import (
	"fmt"
	"strings"
	"testing"
)

// bigProtocol returns a protocol of 100 provisions of 100 wells each:
// 10,000 warps, then a seal, an incubation and a read.
func bigProtocol() []byte {
	var ins []string
	for i := range 100 {
		var to []string
		for k := range 100 {
			to = append(to, fmt.Sprintf(`{"well": "p/%d", "volume": "1:microliter"}`, (i*100+k)%96))
		}
		ins = append(ins, `{"op": "provision", "resource_id": "lb-broth", "to": [`+strings.Join(to, ",")+`]}`)
	}
	ins = append(ins, `{"op": "cover", "object": "p", "lid": "standard"}`,
		`{"op": "incubate", "object": "p", "where": "warm_37", "duration": "8:hour", "shaking": true}`,
		`{"op": "spectrophotometry", "object": "p", "dataref": "od600", "groups": [{"mode": "absorbance", "mode_params": {"wells": ["p/0"], "wavelength": ["600:nanometer"], "num_flashes": 25}}]}`)
	return []byte(`{"refs": {"p": {"new": "96-flat", "store": {"where": "cold_4"}}}, "instructions": [` + strings.Join(ins, ",\n") + `],
	  "time_constraints": [{"from": {"instruction_end": 99}, "to": {"instruction_start": 101}, "less_than": "1:minute"}]}`)
}

// BenchmarkCheck10kWarps checks an honest log of 10,004 warps (issue 13:
// target ≤ 50 ms a check on the project's machine).
func BenchmarkCheck10kWarps(b *testing.B) {
	f := newFixture(b, bigProtocol())
	r, ds := f.honest()
	in := f.input(b, r, ds)
	if len(r.Warps) < 10_000 {
		b.Fatalf("%d warps", len(r.Warps))
	}
	if err := Check(in); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := Check(in); err != nil {
			b.Fatal(err)
		}
	}
}

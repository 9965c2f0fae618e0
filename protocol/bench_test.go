package protocol

import (
	"fmt"
	"strings"
	"testing"
)

// bigProtocol is a protocol of MaxInstructions instructions: liquid_handle
// moves between the wells of a 96-deep plate.
func bigProtocol() []byte {
	var b strings.Builder
	b.WriteString(`{"refs": {"p": {"new": "96-deep", "discard": true}}, "instructions": [`)
	b.WriteString(`{"op": "dispense", "object": "p", "resource_id": "water", "columns": [{"column": 0, "volume": "1000:microliter"}]}`)
	for i := 1; i < MaxInstructions; i++ {
		from, to := (i%8)*12, ((i+1)%8)*12
		fmt.Fprintf(&b, `, {"op": "liquid_handle", "locations": [{"location": "p/%d", "transports": [{"volume": "-10:microliter"}]}, {"location": "p/%d", "transports": [{"volume": "10:microliter"}]}]}`, from, to)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

func BenchmarkParseValidate(b *testing.B) {
	for _, tc := range []struct {
		name string
		doc  []byte
	}{{"lambda-digest", lambdaDigest(b)}, {"10000-instructions", bigProtocol()}} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.doc)))
			for b.Loop() {
				p, err := Parse(tc.doc)
				if err != nil {
					b.Fatal(err)
				}
				if err := p.Validate(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package labsim

import (
	"bytes"

	"github.com/celltonomy/celltonomy/bio/restriction"
	"github.com/celltonomy/celltonomy/examples/botspecs"
	"github.com/celltonomy/celltonomy/examples/data"
	"github.com/celltonomy/celltonomy/protocol"
)

// SimlabStock returns the DNA stocks of the simulated lab
// (examples/botspecs/simlab.json): lambda-dna, the phage λ genome of
// examples/data (NC_001416.1, 48,502 bp) at 500 ng/µL. It panics only if
// the embedded genome does not parse, which its test rules out.
func SimlabStock() []Material {
	rec, err := restriction.ReadFASTA(bytes.NewReader(data.LambdaFASTA), int64(len(data.LambdaFASTA)))
	if err != nil {
		panic("labsim: the embedded λ genome does not parse: " + err.Error())
	}
	return []Material{{ResourceID: "lambda-dna", Sequence: rec.Seq, NgPerUL: 500}}
}

// SimlabBotSpec returns the BotSpec of the simulated lab,
// examples/botspecs/simlab.json, parsed and validated. It panics only if
// the embedded document is invalid, which its test rules out.
func SimlabBotSpec() *protocol.BotSpec {
	s, err := protocol.ParseBotSpec(botspecs.Simlab)
	if err != nil {
		panic("labsim: the embedded simlab BotSpec is invalid: " + err.Error())
	}
	return s
}

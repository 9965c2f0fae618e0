package labsim_test

import (
	"crypto/sha256"
	"fmt"
	"os"

	"github.com/celltonomy/celltonomy/protocol"
	"github.com/celltonomy/celltonomy/runtime/labsim"
)

// Digest λ DNA with EcoRI on the simulated lab and read the gel: the
// species are the fragments of the real sequence, in λ's EcoRI map order
// 21,226 – 4,878 – 5,643 – 7,421 – 5,804 – 3,530 bp, and the 5,804 and
// 5,643 bp fragments run as one band.
func ExampleRun() {
	template, err := os.ReadFile("../../examples/protocols/lambda-digest-gel/protocol.json")
	if err != nil {
		panic(err)
	}
	filled, err := protocol.Fill(template, map[string]string{"ENZYME": "EcoRI"})
	if err != nil {
		panic(err)
	}
	p, err := protocol.Load(template, map[string]string{"ENZYME": "EcoRI"})
	if err != nil {
		panic(err)
	}
	spec := labsim.SimlabBotSpec()
	id, _ := spec.ID()
	res, err := labsim.Run(labsim.Input{
		Protocol: p, ProtocolHash: sha256.Sum256(filled), BotSpec: spec,
		Seed: labsim.SeedFor(1, sha256.Sum256(template), id), Stock: labsim.SimlabStock(),
	})
	if err != nil {
		panic(err)
	}
	lane := res.Gels[0].Lanes[1]
	for _, s := range lane.Species {
		fmt.Printf("species %5d bp  %s\n", s.BP, s.Origin)
	}
	for _, b := range lane.Bands {
		fmt.Printf("band at %5d µm: ~%5d bp (%d species)\n", b.PositionUM, b.SizeBP, b.Species)
	}
	last := res.Run.Warps[len(res.Run.Warps)-1]
	fmt.Printf("%d warps, the last %s ending at %d ms; shipped %v at %s\n", len(res.Run.Warps), last.Warp, last.End, res.Run.Pack.Containers, res.Run.Pack.Where)
	// Output:
	// species 21226 bp  lambda-dna 1-21226
	// species  7421 bp  lambda-dna 31748-39168
	// species  5804 bp  lambda-dna 39169-44972
	// species  5643 bp  lambda-dna 26105-31747
	// species  4878 bp  lambda-dna 21227-26104
	// species  3530 bp  lambda-dna 44973-48502
	// band at  8272 µm: ~21228 bp (1 species)
	// band at 18418 µm: ~ 7421 bp (1 species)
	// band at 20924 µm: ~ 5724 bp (2 species)
	// band at 22469 µm: ~ 4878 bp (1 species)
	// band at 25591 µm: ~ 3530 bp (1 species)
	// 16 warps, the last gel_imager.analyze ending at 6712000 ms; shipped [digest] at cold_4
}

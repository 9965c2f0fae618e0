package protocol_test

import (
	"fmt"

	"github.com/celltonomy/celltonomy/protocol"
)

func Example() {
	template := []byte(`{
	  "refs": {"tube": {"new": "micro-1.5", "store": {"where": "cold_20"}}},
	  "instructions": [
	    {"op": "provision", "resource_id": "{{ENZYME}}", "to": [{"well": "tube/0", "volume": "2.5:microliter"}]},
	    {"op": "incubate", "object": "tube", "where": "warm_37", "duration": "1.5:hour", "shaking": true}
	  ]
	}`)
	doc, err := protocol.Fill(template, map[string]string{"ENZYME": "BamHI"})
	if err != nil {
		panic(err)
	}
	p, err := protocol.Parse(doc)
	if err != nil {
		panic(err)
	}
	if err := p.Validate(); err != nil {
		panic(err)
	}
	req := p.Requirements()
	fmt.Println(req.Ops, req.ContainerTypes, req.Storage, req.Resources)
	fmt.Println("volume nL:", req.Volume.Min, "duration ms:", req.Duration.Max, "temperature m°C:", req.Temperature.Max)

	_, err = protocol.Fill(template, nil)
	fmt.Println(err)
	// Output:
	// [incubate provision] [micro-1.5] [cold_20 warm_37] [BamHI]
	// volume nL: 2500 duration ms: 5400000 temperature m°C: 37000
	// params.ENZYME: missing: the template uses {{ENZYME}}
}

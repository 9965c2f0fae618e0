package protocol_test

import (
	"errors"
	"fmt"

	"github.com/celltonomy/celltonomy/protocol"
)

func ExampleCovers() {
	spec, err := protocol.ParseBotSpec([]byte(`{
	  "name": "bench", "version": "1", "operator": "a lab", "simulated": false,
	  "devices": [
	    {"id": "lh1", "kind": "liquid_handler", "ops": ["provision"],
	     "limits": {"volume_nl": {"min": 500, "max": 200000}},
	     "timings": {"liquid_handler.provision": {"nominal_ms": 6000, "min_ms": 4000, "max_ms": 12000}}},
	    {"id": "inc1", "kind": "incubator", "ops": ["incubate"],
	     "limits": {"temperature_mc": {"min": 4000, "max": 42000}}, "timings": {}}
	  ],
	  "container_types": ["micro-1.5"],
	  "storage": ["cold_20", "warm_37"],
	  "inventory": [{"resource_id": "BamHI", "kind": "enzyme", "contents": "BamHI, 20 U/µL", "unit_price_ucell": 400}]
	}`))
	if err != nil {
		panic(err)
	}
	p, err := protocol.Load([]byte(`{
	  "refs": {"tube": {"new": "micro-1.5", "store": {"where": "cold_20"}}},
	  "instructions": [
	    {"op": "provision", "resource_id": "{{ENZYME}}", "to": [{"well": "tube/0", "volume": "2.5:microliter"}]},
	    {"op": "incubate", "object": "tube", "where": "warm_37", "duration": "1.5:hour", "shaking": true}
	  ]
	}`), map[string]string{"ENZYME": "BamHI"})
	if err != nil {
		panic(err)
	}
	fmt.Println(protocol.Covers(spec, p.Requirements()))

	req := p.Requirements()
	req.Ops = append(req.Ops, "thermocycle")
	err = protocol.Covers(spec, req)
	fmt.Println(err, errors.Is(err, protocol.ErrNotCovered))
	// Output:
	// <nil>
	// op thermocycle: no device of the bot runs it true
}

package botlog_test

import (
	"fmt"

	"github.com/celltonomy/celltonomy/protocol"
	"github.com/celltonomy/celltonomy/runtime/botlog"
)

// The params attribute of a warp event is the plan's parameters as
// "key=value" lines.
func ExampleFormatParams() {
	text := botlog.FormatParams([]protocol.Param{{Key: "duration_ms", Value: "3600000"}, {Key: "object", Value: "digest"}, {Key: "where", Value: "warm_37"}})
	fmt.Printf("%q\n", text)
	ps, err := botlog.ParseParams(text)
	fmt.Println(ps, err)
	_, err = botlog.ParseParams("where=warm_37\nobject=digest")
	fmt.Println(err)
	// Output:
	// "duration_ms=3600000\nobject=digest\nwhere=warm_37"
	// [{duration_ms 3600000} {object digest} {where warm_37}] <nil>
	// line 2: key "object" after "where": keys must be sorted and unique
}

// A violation names the instruction, the warp and the rule.
func ExampleViolation() {
	v := &botlog.Violation{Instruction: 5, Warp: "incubator.hold", Rule: botlog.RuleDuration, Detail: "1800000 ms, the protocol says 3600000 ms ± 1 %"}
	fmt.Println(v)
	// Output:
	// instruction 5 (incubator.hold): duration: 1800000 ms, the protocol says 3600000 ms ± 1 %
}

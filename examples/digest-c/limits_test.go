package digestc

import (
	"bytes"
	"testing"

	"github.com/celltonomy/celltonomy/runtime/outputroot"
	"github.com/celltonomy/celltonomy/runtime/wasm"
)

// TestHostileInputLimits: the package's limits bind the C module as they
// bind the Go one. A genome larger than the memory limit, a table longer
// than the stdout limit, a fragments.json larger than the output limit and
// a fuel budget too small for the search each end the run with that
// limit's outcome, the same on every run; at the stdout limit the module's
// stdout is exactly the first bytes of the full table.
func TestHostileInputLimits(t *testing.T) {
	ex := newExecutor(t)
	lambda := readFile(t, lambdaPath)
	big := bytes.Repeat([]byte("ACGTGAATTCGGATCCAAGCTT"), 1<<20) // 22 MiB of sequence
	big = append([]byte(">big\n"), big...)
	all := map[string]string{"ENZYMES": "EcoRI,BamHI,HindIII,AluI,HaeIII,MseI,TaqI,HpaII", "TOPOLOGY": "circular"}

	full, _ := digestRun{genome: lambda, params: all}.run(t, ex, cModule(t))
	if full.ExitCode != 0 {
		t.Fatalf("full run: exit %d, %s", full.ExitCode, full.Stderr)
	}
	tests := []struct {
		name   string
		run    digestRun
		want   outputroot.Outcome
		prefix bool // stdout is a prefix of the full run's
	}{
		{"memory", digestRun{genome: big, params: all, limits: wasm.Limits{Memory: 16 << 20}}, outputroot.OutcomeMemoryLimit, false},
		{"stdout", digestRun{genome: lambda, params: all, limits: wasm.Limits{Stdout: 1000}}, outputroot.OutcomeStdoutLimit, true},
		{"output", digestRun{genome: lambda, params: all, limits: wasm.Limits{Output: 4096}}, outputroot.OutcomeOutputLimit, false},
		{"fuel", digestRun{genome: lambda, params: all, limits: wasm.Limits{Fuel: 20_000}}, outputroot.OutcomeFuelLimit, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, _ := tt.run.run(t, ex, cModule(t))
			if res.Outcome != tt.want {
				t.Fatalf("outcome %v (%v), want %v; stderr %q", res.Outcome, res.Err(), tt.want, res.Stderr)
			}
			again, _ := tt.run.run(t, ex, cModule(t))
			if again.OutputRoot != res.OutputRoot || again.Usage.Fuel != res.Usage.Fuel {
				t.Errorf("two runs: roots %x and %x, fuel %d and %d", res.OutputRoot, again.OutputRoot, res.Usage.Fuel, again.Usage.Fuel)
			}
			if tt.prefix && (len(res.Stdout) != int(tt.run.limits.Stdout) || !bytes.HasPrefix(full.Stdout, res.Stdout)) {
				t.Errorf("stdout at the limit: %d bytes, not the first %d of the table", len(res.Stdout), tt.run.limits.Stdout)
			}
		})
	}
}

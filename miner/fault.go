package miner

import "fmt"

// Fault names a fault the miner injects on purpose: a tool to test the
// challenge-response of mining end to end and to show it on a devnet
// (`cell miner start --fault`, `cell devnet --miner-fault`). A miner runs
// with none unless told.
type Fault string

// Faults.
const (
	// FaultNone: the miner submits and defends the root it computed.
	FaultNone Fault = ""
	// FaultWrongRoot: for every cycle with at least one update, the miner
	// submits the root of a replay wrong from update N/2 on (N = the
	// cycle's updates, decays included; reputation.ReplayForged) and
	// defends that claim with the forged replay. Its justification tree is
	// well formed, so it answers every step up to the last, where the
	// update it got wrong cannot be proven: it loses the challenge to any
	// honest claim, and its stake. A cycle without updates has nothing to
	// forge: the miner does not submit for it.
	FaultWrongRoot Fault = "wrong-root"
)

// ParseFault returns the Fault named s ("" for none); an error names the
// faults there are.
func ParseFault(s string) (Fault, error) {
	switch f := Fault(s); f {
	case FaultNone, FaultWrongRoot:
		return f, nil
	}
	return "", fmt.Errorf("fault %q: must be %s", s, FaultWrongRoot)
}

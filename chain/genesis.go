package chain

import (
	"encoding/json"
	"fmt"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/ledger/reputation"
)

// GenesisSkills are the skills of a new network: the reputation module's
// roots (compute, protocol, buyer, mining), the skill of the example
// compute package, compute/genomics/digest, those of the example protocol
// packages of examples/protocols: protocol/dna/digest, protocol/dna/pcr and
// protocol/microbiology/growth, and, last (so that the skills before them
// keep their ids), those of the example services seq-index and
// primer-design: compute/genomics/index and compute/genomics/primers.
func GenesisSkills() []string {
	return append(reputation.DefaultGenesisSkills(), "compute/genomics", "compute/genomics/digest",
		"protocol/dna", "protocol/dna/digest", "protocol/dna/pcr", "protocol/microbiology", "protocol/microbiology/growth",
		"compute/genomics/index", "compute/genomics/primers")
}

// LedgerGenesis returns the ledger's genesis (the app_state of
// genesis.json) with the given accounts and validators, GenesisSkills, and
// p, or the default params when p is nil. The ledger checks it at
// InitChain.
func LedgerGenesis(accounts []*ledgerpb.GenesisAccount, validators []*ledgerpb.GenesisValidator, p *ledgerpb.Params) (json.RawMessage, error) {
	return LedgerGenesisOf(&ledgerpb.Genesis{Params: p, Accounts: accounts, Validators: validators})
}

// LedgerGenesisOf returns g as the ledger's genesis JSON, with the
// default params when it has none and GenesisSkills when it names no
// skills (neither in skills nor in reputation.skills). Errors: invalid
// params, or g does not marshal. g is not modified.
func LedgerGenesisOf(g *ledgerpb.Genesis) (json.RawMessage, error) {
	g = proto.Clone(g).(*ledgerpb.Genesis)
	if g.Params == nil {
		g.Params = params.Default()
	}
	if err := params.Validate(g.Params); err != nil {
		return nil, err
	}
	if len(g.Skills) == 0 && len(g.GetReputation().GetSkills()) == 0 {
		g.Skills = GenesisSkills()
	}
	b, err := protojson.MarshalOptions{Multiline: true, Indent: "  ", EmitUnpopulated: true}.Marshal(g)
	if err != nil {
		return nil, fmt.Errorf("ledger genesis: %w", err)
	}
	return json.RawMessage(b), nil
}

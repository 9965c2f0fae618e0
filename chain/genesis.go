package chain

import (
	"encoding/json"
	"fmt"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/ledger/reputation"
)

// GenesisSkills are the skills of a new network: the reputation module's
// roots (compute, protocol, buyer, mining) and the skill of the example
// package, compute/genomics/digest.
func GenesisSkills() []string {
	return append(reputation.DefaultGenesisSkills(), "compute/genomics", "compute/genomics/digest")
}

// LedgerGenesis returns the ledger's genesis (the app_state of
// genesis.json) with the given accounts and validators, GenesisSkills, and
// p, or the default params when p is nil. The ledger checks it at
// InitChain.
func LedgerGenesis(accounts []*ledgerpb.GenesisAccount, validators []*ledgerpb.GenesisValidator, p *ledgerpb.Params) (json.RawMessage, error) {
	if p == nil {
		p = params.Default()
	}
	if err := params.Validate(p); err != nil {
		return nil, err
	}
	b, err := protojson.MarshalOptions{Multiline: true, Indent: "  ", EmitUnpopulated: true}.Marshal(&ledgerpb.Genesis{
		Params: p, Accounts: accounts, Validators: validators, Skills: GenesisSkills(),
	})
	if err != nil {
		return nil, fmt.Errorf("ledger genesis: %w", err)
	}
	return json.RawMessage(b), nil
}

package chain

import (
	"encoding/json"
	"fmt"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/params"
)

// LedgerGenesis returns the ledger's genesis (the app_state of
// genesis.json) with the given accounts and validators and p, or the
// default params when p is nil. The ledger checks it at InitChain.
func LedgerGenesis(accounts []*ledgerpb.GenesisAccount, validators []*ledgerpb.GenesisValidator, p *ledgerpb.Params) (json.RawMessage, error) {
	if p == nil {
		p = params.Default()
	}
	if err := params.Validate(p); err != nil {
		return nil, err
	}
	b, err := protojson.MarshalOptions{Multiline: true, Indent: "  ", EmitUnpopulated: true}.Marshal(&ledgerpb.Genesis{
		Params: p, Accounts: accounts, Validators: validators,
	})
	if err != nil {
		return nil, fmt.Errorf("ledger genesis: %w", err)
	}
	return json.RawMessage(b), nil
}

package app

import (
	"bytes"
	"fmt"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/store"
)

// DecodeGenesis parses the protojson of a ledgerpb.Genesis, as found in
// the app_state of CometBFT's genesis.json. Field names may be written as
// in the schema (self_bond) or in lowerCamelCase (selfBond); uint64 values
// as JSON numbers or strings; bytes in base64. Unknown fields are errors.
func DecodeGenesis(genesisJSON []byte) (*ledgerpb.Genesis, error) {
	if len(bytes.TrimSpace(genesisJSON)) == 0 {
		return nil, fmt.Errorf("genesis: app_state is empty")
	}
	g := &ledgerpb.Genesis{}
	if err := protojson.Unmarshal(genesisJSON, g); err != nil {
		return nil, fmt.Errorf("genesis: not a ledger genesis: %w", err)
	}
	return g, nil
}

// EncodeGenesis returns g as indented protojson with the schema's field
// names, for genesis.json's app_state. The bytes are for people and are
// not stable across protobuf versions; InitChain reads any protojson.
func EncodeGenesis(g *ledgerpb.Genesis) ([]byte, error) {
	b, err := protojson.MarshalOptions{Multiline: true, Indent: "  ", UseProtoNames: true}.Marshal(g)
	if err != nil {
		return nil, fmt.Errorf("genesis: encode: %w", err)
	}
	return b, nil
}

// ValidateGenesis checks a genesis as InitChain would, without a node, and
// returns the initial validator set. The rules:
//
//   - params, if present, satisfy ledger/params.Validate (absent: the
//     defaults of params.Default);
//   - accounts have bech32 addresses, each listed once, positive balances,
//     a total that fits in uint64, and none is a module account;
//   - there is at least one validator; each has a bech32 operator, a
//     32-byte consensus key used by no other validator, a self_bond of at
//     least min_self_bond that its operator's genesis balance covers, and
//     a moniker of 1 to 64 bytes without control characters; an operator
//     is listed once;
//   - the skills, in skills or in reputation.skills but not both (none:
//     reputation.DefaultGenesisSkills), are valid paths, each listed once
//     and after its parent;
//   - each reputation grant (reputation.grants) has a bech32 address
//     other than the zero address, a skill among the genesis skills and
//     an amount that is a positive decimal integer of at most 2^127 − 1
//     (reputation.ParseGrantAmount); an error names the grant's index and
//     field. The grants are appended, in order, to the log of cycle 0
//     (reputation.Keeper.InitGrants).
//   - recovery_addresses are bech32, each listed once, at most
//     reputation.MaxRecoveryAddresses (none: nobody may enter recovery
//     mode until governance names some).
func ValidateGenesis(chainID string, genesisJSON []byte) ([]ValidatorUpdate, error) {
	return New().InitChain(store.NewMemStore(), chainID, genesisJSON)
}

package bench

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cfg "github.com/cometbft/cometbft/config"
	cmted25519 "github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/privval"
	sm "github.com/cometbft/cometbft/state"
	"github.com/cometbft/cometbft/types"

	"github.com/celltonomy/celltonomy/chain"
	"github.com/celltonomy/celltonomy/client/keyring"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/query"
)

// ScaleHome describes a chain home written by WriteScaleHome.
type ScaleHome struct {
	Home string `json:"home"`
	// Height is the height of the seeded state: the chain's first block
	// is Height+1.
	Height int64 `json:"height"`
	// Power is the voting power of the only validator.
	Power int64 `json:"validator_power"`
	// Funder is the address of the funded account whose key the home's
	// keyring holds as "funder" (unencrypted).
	Funder string `json:"funder"`
}

// ScaleFunderKeyName is the name of the funder's key in a ScaleHome's
// keyring.
const ScaleFunderKeyName = "funder"

// WriteScaleHome writes a chain home whose ledger holds the state of
// scale s kept under dir (ScaleOptions.Dir; a run of RunScale seeds it),
// so that `cell start --home HOME` runs a validator, and nodes, miners
// and clients use a chain, of the full state (issue 16, item 5):
//
//   - HOME/data/ledger.db is a copy of the seeded state (cloneState);
//   - the consensus key is the seeded validator's (ScaleValidatorKey);
//   - genesis.json starts the chain ScaleChainID at the seeded height + 1,
//     with the seeded state's app hash and its validator. CometBFT then
//     finds a ledger ahead of its empty block store whose app hash is the
//     genesis's, and starts at that height without InitChain;
//   - the keyring holds the funder's key (ScaleFunderKey) as "funder",
//     unencrypted: with it, `cell tx bank send --from funder` funds a
//     node's operator.
//
// nc configures config.toml (chain.InitHome). A development aid, like
// every seeded state: its keys are public. Errors: no kept state of that
// scale under dir, an existing ledger in HOME, or a failed write.
func WriteScaleHome(ctx context.Context, dir string, s float64, home string, nc chain.NodeConfig) (ScaleHome, error) {
	out := ScaleHome{Home: home}
	sd := scaleStateDir(dir, s)
	b, err := os.ReadFile(filepath.Join(sd, "state.json"))
	if err != nil {
		return out, fmt.Errorf("scale home: no kept state of scale %g (run cell bench scale --state %s --scale %g first): %w", s, dir, s, err)
	}
	var st ScaleState
	if err := json.Unmarshal(b, &st); err != nil {
		return out, fmt.Errorf("scale home: %s: %w", filepath.Join(sd, "state.json"), err)
	}
	if st.Format != scaleStateFormat {
		return out, fmt.Errorf("scale home: the state in %s is of format %d, want %d", sd, st.Format, scaleStateFormat)
	}
	appHash, err := hex.DecodeString(st.AppHash)
	if err != nil {
		return out, fmt.Errorf("scale home: app_hash: %w", err)
	}
	ledgerDB := filepath.Join(home, "data", "ledger.db")
	if _, err := os.Stat(ledgerDB); err == nil {
		return out, fmt.Errorf("scale home: %s exists", ledgerDB)
	}
	if _, err := chain.InitHome(home, nc); err != nil {
		return out, fmt.Errorf("scale home: %w", err)
	}
	if err := cloneState(filepath.Join(sd, "base", "data", "ledger.db"), ledgerDB); err != nil {
		return out, fmt.Errorf("scale home: copy the state: %w", err)
	}
	out.Height = st.Height
	if out.Power, err = scaleValidatorPower(ctx, home); err != nil {
		return out, fmt.Errorf("scale home: %w", err)
	}

	val := ScaleValidatorKey()
	pv := privval.NewFilePV(cmted25519.PrivKey(val), chain.ConsensusKeyFile(home), filepath.Join(home, "data", "priv_validator_state.json"))
	pv.Save()
	doc := types.GenesisDoc{
		ChainID: ScaleChainID,
		// The seeded blocks' times (driver.block): the chain's first
		// block is later.
		GenesisTime:     time.Unix(1_700_000_000+st.Height, 0).UTC(),
		InitialHeight:   st.Height + 1,
		ConsensusParams: types.DefaultConsensusParams(),
		Validators: []types.GenesisValidator{{
			PubKey: cmted25519.PubKey(val.Public().(ed25519.PublicKey)), Power: out.Power, Name: "scale",
		}},
		AppHash:  appHash,
		AppState: json.RawMessage(`{}`),
	}
	if err := doc.ValidateAndComplete(); err != nil {
		return out, fmt.Errorf("scale home: genesis: %w", err)
	}
	if err := doc.SaveAs(filepath.Join(home, "config", "genesis.json")); err != nil {
		return out, fmt.Errorf("scale home: genesis: %w", err)
	}
	if err := bootstrapConsensusState(home, &doc); err != nil {
		return out, fmt.Errorf("scale home: %w", err)
	}
	kr, err := keyring.Open(keyring.Dir(home))
	if err != nil {
		return out, fmt.Errorf("scale home: %w", err)
	}
	info, err := kr.AddFromSeed(ScaleFunderKeyName, ScaleFunderKey().Seed(), nil, keyring.Overwrite())
	if err != nil {
		return out, fmt.Errorf("scale home: funder key: %w", err)
	}
	out.Funder = info.Address.String()
	return out, nil
}

// scaleValidatorPower is the voting power of the seeded validator in the
// ledger of home.
func scaleValidatorPower(ctx context.Context, home string) (int64, error) {
	db, err := chain.OpenStateDB(home, chain.StateConfig{})
	if err != nil {
		return 0, err
	}
	defer db.Close()
	a, err := chain.OpenApplication(db, ScaleChainID, chain.StateConfig{})
	if err != nil {
		return 0, err
	}
	op, _ := address.FromPubKey(ScaleValidatorKey().Public().(ed25519.PublicKey))
	var vs ledgerpb.ValidatorStatus
	if err := ask(ctx, func(ctx context.Context, path string, data []byte) (*abci.QueryResponse, error) {
		return a.Query(ctx, &abci.QueryRequest{Path: path, Data: data})
	}, query.Validator, &ledgerpb.AddressRequest{Address: op.Bytes()}, &vs); err != nil {
		return 0, err
	}
	if vs.Power <= 0 {
		return 0, fmt.Errorf("the seeded validator %s has no power", op)
	}
	return vs.Power, nil
}

// bootstrapConsensusState saves the genesis state of doc as CometBFT's
// state (data/state.db), as state sync does for a node that starts from
// a snapshot: CometBFT calls InitChain, and saves its state, only for a
// ledger at height 0; for a ledger already at doc.InitialHeight-1 it
// would otherwise start with no validators.
func bootstrapConsensusState(home string, doc *types.GenesisDoc) error {
	c, err := chain.LoadConfig(home)
	if err != nil {
		return err
	}
	state, err := sm.MakeGenesisState(doc)
	if err != nil {
		return fmt.Errorf("consensus state: %w", err)
	}
	db, err := cfg.DefaultDBProvider(&cfg.DBContext{ID: "state", Config: c})
	if err != nil {
		return fmt.Errorf("consensus state: %w", err)
	}
	defer db.Close()
	if err := sm.NewStore(db, sm.StoreOptions{}).Bootstrap(state); err != nil {
		return fmt.Errorf("consensus state: %w", err)
	}
	return nil
}

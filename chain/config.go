package chain

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/types"
	"github.com/spf13/viper"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/params"
)

// Ports are the TCP ports of a node on its listen address.
type Ports struct {
	// P2P is CometBFT's peer-to-peer port (default 26656).
	P2P int
	// RPC is CometBFT's RPC port (default 26657), where `curl` and the
	// client talk to the node.
	RPC int
}

// DefaultPorts are CometBFT's usual ports.
var DefaultPorts = Ports{P2P: 26656, RPC: 26657}

// NodeConfig is what InitHome writes into config.toml beyond CometBFT's
// defaults.
type NodeConfig struct {
	// Moniker names the node to its peers.
	Moniker string
	// Host is the address the node listens on and advertises, e.g.
	// "127.0.0.1" (default) or "0.0.0.0".
	Host  string
	Ports Ports
	// PersistentPeers is CometBFT's "id@host:port,…" list.
	PersistentPeers string
	// BlockTime is the pause after each commit before the next height
	// (CometBFT's timeout_commit); 0 keeps CometBFT's default of 1 s.
	BlockTime time.Duration
	// Local allows peers on the same IP and private addresses, as a
	// testnet on one machine needs.
	Local bool
	// State is written to ledger.toml (see StateConfig); its zero value
	// keeps an existing ledger.toml, or writes the defaults.
	State StateConfig
}

// HomeKeys are the identities InitHome created or found.
type HomeKeys struct {
	// NodeID is the p2p node id, as in "ID@host:port".
	NodeID string
	// ConsensusPubKey is the node's consensus (validator) public key.
	ConsensusPubKey ed25519.PublicKey
}

// InitHome creates the CometBFT files of a node home: config.toml from nc,
// a node key and a consensus key. Existing keys are kept, so InitHome can
// rewrite the configuration of a home.
func InitHome(home string, nc NodeConfig) (HomeKeys, error) {
	if home == "" {
		return HomeKeys{}, errors.New("home: empty path")
	}
	c := cfg.DefaultConfig()
	c.SetRoot(home)
	if err := os.MkdirAll(filepath.Join(home, "config"), 0o700); err != nil {
		return HomeKeys{}, err
	}
	if err := os.MkdirAll(filepath.Join(home, "data"), 0o700); err != nil {
		return HomeKeys{}, err
	}
	host := nc.Host
	if host == "" {
		host = "127.0.0.1"
	}
	ports := nc.Ports
	if ports.P2P == 0 {
		ports.P2P = DefaultPorts.P2P
	}
	if ports.RPC == 0 {
		ports.RPC = DefaultPorts.RPC
	}
	c.Moniker = nc.Moniker
	c.P2P.ListenAddress = fmt.Sprintf("tcp://%s:%d", host, ports.P2P)
	c.RPC.ListenAddress = fmt.Sprintf("tcp://%s:%d", host, ports.RPC)
	c.P2P.PersistentPeers = nc.PersistentPeers
	if nc.Local {
		c.P2P.AddrBookStrict = false
		c.P2P.AllowDuplicateIP = true
	}
	if nc.BlockTime > 0 {
		c.Consensus.TimeoutCommit = nc.BlockTime
	}
	c.GRPC.ListenAddress = ""
	c.GRPC.Privileged.ListenAddress = ""
	c.RPC.PprofListenAddress = ""
	c.Instrumentation.Prometheus = false
	// Index transactions so that `cell query tx HASH` works.
	c.TxIndex.Indexer = "kv"
	cfg.WriteConfigFile(filepath.Join(home, "config", "config.toml"), c)
	if err := writeStateConfig(home, nc.State); err != nil {
		return HomeKeys{}, fmt.Errorf("ledger.toml: %w", err)
	}

	nodeKey, err := p2p.LoadOrGenNodeKey(c.NodeKeyFile())
	if err != nil {
		return HomeKeys{}, fmt.Errorf("node key: %w", err)
	}
	pv, err := privval.LoadOrGenFilePV(c.PrivValidatorKeyFile(), c.PrivValidatorStateFile(), nil)
	if err != nil {
		return HomeKeys{}, fmt.Errorf("consensus key: %w", err)
	}
	pub, err := pv.GetPubKey()
	if err != nil {
		return HomeKeys{}, err
	}
	return HomeKeys{NodeID: string(nodeKey.ID()), ConsensusPubKey: ed25519.PublicKey(pub.Bytes())}, nil
}

// ConsensusKeyFile returns the path of the consensus (validator) key
// of a node home: CometBFT's config/priv_validator_key.json.
func ConsensusKeyFile(home string) string {
	return filepath.Join(home, "config", "priv_validator_key.json")
}

// LoadConsensusKey reads the ed25519 private key of a CometBFT
// priv_validator_key.json ({"priv_key": {"type":
// "tendermint/PrivKeyEd25519", "value": BASE64}, "pub_key": …}), checking
// it against the public key the file names. A validator's operator signs
// staking.ConsensusKeyProofBytes with it to create the validator.
// CometBFT's own loader exits the process on a bad file; this returns an
// error naming the file and the field.
func LoadConsensusKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("consensus key: %w", err)
	}
	type typed struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	}
	var kf struct {
		PubKey  typed `json:"pub_key"`
		PrivKey typed `json:"priv_key"`
	}
	if err := json.Unmarshal(b, &kf); err != nil {
		return nil, fmt.Errorf("consensus key %s: %w", path, err)
	}
	if kf.PrivKey.Type != "tendermint/PrivKeyEd25519" {
		return nil, fmt.Errorf("consensus key %s: priv_key.type %q: must be tendermint/PrivKeyEd25519", path, kf.PrivKey.Type)
	}
	raw, err := base64.StdEncoding.DecodeString(kf.PrivKey.Value)
	if err != nil || len(raw) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("consensus key %s: priv_key.value: must be %d bytes in base64", path, ed25519.PrivateKeySize)
	}
	priv := ed25519.NewKeyFromSeed(raw[:ed25519.SeedSize])
	if !bytes.Equal(priv, raw) {
		return nil, fmt.Errorf("consensus key %s: priv_key.value: its public half does not match its seed", path)
	}
	if pub, err := base64.StdEncoding.DecodeString(kf.PubKey.Value); err != nil || !bytes.Equal(pub, priv.Public().(ed25519.PublicKey)) {
		return nil, fmt.Errorf("consensus key %s: pub_key: does not match priv_key", path)
	}
	return priv, nil
}

// WriteGenesis writes HOME/config/genesis.json for chainID with the ledger's
// genesis appState. The validator set is left to the ledger: CometBFT takes
// it from the ledger's InitChain reply. CometBFT's consensus params are its
// defaults but for the evidence window (EvidenceParams). Errors: appState
// is not a ledger genesis, or the genesis is invalid.
func WriteGenesis(home, chainID string, genesisTime time.Time, appState json.RawMessage) error {
	var g ledgerpb.Genesis
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(appState, &g); err != nil {
		return fmt.Errorf("genesis: app_state: %w", err)
	}
	p := g.GetParams()
	if p == nil {
		p = params.Default()
	}
	cp := types.DefaultConsensusParams()
	cp.Evidence = EvidenceParams(p.GetUnbondingBlocks())
	doc := types.GenesisDoc{
		ChainID:         chainID,
		GenesisTime:     genesisTime.UTC(),
		InitialHeight:   1,
		ConsensusParams: cp,
		AppState:        appState,
	}
	if err := doc.ValidateAndComplete(); err != nil {
		return fmt.Errorf("genesis: %w", err)
	}
	return doc.SaveAs(filepath.Join(home, "config", "genesis.json"))
}

// LoadConfig reads HOME/config/config.toml.
func LoadConfig(home string) (*cfg.Config, error) {
	path := filepath.Join(home, "config", "config.toml")
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("%w (run `cell init` first)", err)
	}
	v := viper.New()
	v.SetConfigFile(path)
	if err := v.ReadInConfig(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	c := cfg.DefaultConfig()
	if err := v.Unmarshal(c); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	c.SetRoot(home)
	if err := c.ValidateBasic(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// ChainID returns the chain id of a home's genesis.
func ChainID(home string) (string, error) {
	doc, err := types.GenesisDocFromFile(filepath.Join(home, "config", "genesis.json"))
	if err != nil {
		return "", err
	}
	return doc.ChainID, nil
}

// RPCAddress returns the http:// address of a home's CometBFT RPC.
func RPCAddress(home string) (string, error) {
	c, err := LoadConfig(home)
	if err != nil {
		return "", err
	}
	return "http://" + strings.TrimPrefix(c.RPC.ListenAddress, "tcp://"), nil
}

// EvidenceParams returns the evidence window of a chain whose ledger
// unbonds stake after unbondingBlocks blocks (the ledger param
// unbonding_blocks): CometBFT accepts evidence of a validator's fault for
// unbondingBlocks blocks, while the stake that committed it is still
// slashable, and not longer. The window bounds what a node keeps of old
// blocks whatever its retain_blocks: CometBFT keeps the header and the
// commit of every block within it (about 700 bytes a block with one
// validator), and the validator set's entry in its state. CometBFT's
// window is over blocks and time both (evidence expires once older than
// max_age_num_blocks and max_age_duration); the ledger counts blocks, so
// the duration is 1 ns, the least CometBFT allows, and the block count
// alone decides. Its size limit is CometBFT's default (1 MB a block).
func EvidenceParams(unbondingBlocks uint64) types.EvidenceParams {
	ep := types.DefaultEvidenceParams()
	ep.MaxAgeNumBlocks = int64(min(max(unbondingBlocks, 1), math.MaxInt64))
	ep.MaxAgeDuration = time.Nanosecond
	return ep
}

// Package devnet runs a whole Celltonomy network in one process, for a
// newcomer's first order, for demos and for end-to-end tests: a single
// validator (CometBFT and the ledger), N fulfillment nodes with their own
// keys and ports, a reputation miner run by each node's operator, funded
// development accounts, and the example packages registered and served by
// every node.
//
// # Layout of the home (default ~/.cell/devnet)
//
//	HOME/config, HOME/data     the validator's CometBFT home (RPC on 127.0.0.1:26657 by default)
//	HOME/keys/                 unencrypted development keys: validator, buyer, author, vendor-1 … vendor-N
//	HOME/nodes/node-I/         each fulfillment node's home: node.toml, node_key.json, data/, and miner/,
//	                           the records of its operator's reputation miner
//	HOME/devnet.json           what Start needs to resume: chain id, ports, node count
//
// HOME is an ordinary cell home, so `cell order run … --home HOME` finds
// the buyer key and the RPC address without further flags. With
// Options.ConfigFile, Start also writes the profile "devnet" (Profile) of
// the cell configuration (client/config) — home, node, the buyer key, the
// first miner — and a new devnet makes it the active profile, so that
// `cell order run …` needs no --home at all.
//
// A restart with the same home resumes the chain and the nodes where they
// stopped (the nodes resume their jobs); Reset removes the home first.
//
// # Ports
//
// A new devnet reserves its ports before it writes anything: a default
// port that is busy is replaced by a free one (Devnet.Moved), a port
// asked for that is busy is an error naming its cell devnet flag. A
// resumed devnet reserves the ports it was created with, and one of them
// busy is an error naming the flag to use with --reset. A new devnet that
// fails to start removes what it wrote, so that HOME/devnet.json never
// records the ports of a devnet that did not run.
//
// # Decisions
//
//   - Genesis params are the defaults with windows short enough for
//     interactive use: a verifier commit window of 20 blocks, a verifier
//     reveal window of 8 blocks, a rating reveal window of 10 blocks, an
//     input window of 30 blocks, a contest window of 20 blocks for a
//     report of missing inputs, a seed window of 20 blocks for a dispute
//     round, and reputation cycles of 40 blocks mined within 8 blocks.
//   - Unbonding takes unbonding_blocks = 1,200 blocks (5 minutes at the
//     default block time; default 100,800): short enough to watch an
//     unbond complete, and it is CometBFT's evidence window
//     (chain.EvidenceParams), within which every node keeps each block's
//     header and commit whatever it prunes, so an idle devnet's disk
//     stops growing after 1,200 blocks instead of 100,800.
//   - Every node's operator (vendor-I) also runs a reputation miner in the
//     process, staking MinerStake = min_miner_stake = 10 CELL of its 100
//     (the default 100 CELL is the whole balance of a vendor) and serving
//     reputation proofs on 127.0.0.1:26690 + I − 1; node I asks its
//     operator's miner for its own reputation and proves it in its bids.
//     Node and miner sign for the same account through one client.Sender,
//     so that their sequence numbers never collide. With a miner per
//     operator, a wrong root meets a defender as long as one operator's
//     miner is honest, and the challenge of Colony's mining can be watched
//     on the devnet (NodeOptions.MinerFault, `cell devnet --miner-fault
//     I=wrong-root`).
//   - A miner may submit after miner_min_staked_cycles = 1 cycle staked
//     (default 2), so that the first roots are accepted within the first
//     two cycles; a challenge step waits mining_response_window_blocks =
//     20 blocks (default 50): 5 s at the default block time, time enough
//     for an in-process miner that answers within a block or two, short
//     enough that a silent side loses quickly. The challenge of a wrong
//     root does not wait for the window: both sides answer each step at
//     once, and the honest response decides it.
//   - The recovery addresses of reputation mining (Colony whitepaper
//     §2.2, §7.9) are the validator's operator, the author and vendor-1:
//     any one of them may stop mining (`cell tx reputation recovery
//     enter`), two of the three resume it.
//   - The buyer holds 1,000 CELL, each vendor 100 CELL, the author 10 CELL.
//   - Every node is a verifier with a stake of 1 CELL and asks a price of
//     1,000 ucell (node i may be given another price and a fault, for
//     tests).
//   - Every node sets allow_private_fetch: the whole network, its package
//     locations included, is on 127.0.0.1.
//   - Node BotNode (node 1) runs a simulated bot: its node.toml has a
//     [[bots]] entry with the simulated lab's BotSpec (examples/botspecs,
//     written to HOME/nodes/node-1/botspecs/simlab.json) and the driver
//     labsim, so its announcement carries the BotSpec's id and the
//     architecture autoprotocol/1, and it bids on the protocol orders
//     that BotSpec covers; the bot is paced at BotSpeedup (one bot hour
//     per wall second). A node given the fault skip-step runs the same
//     bot, which skips a warp of each run. The other nodes run compute
//     packages only.
//   - The example packages are built from their directories (by default
//     examples/digest and the protocol packages of examples/protocols,
//     looked up from the working directory and from the executable's
//     directory), signed by the author key, registered with each node's
//     blob URL, and put directly into each node's blob store.
package devnet

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/celltonomy/celltonomy/chain"
	"github.com/celltonomy/celltonomy/client"
	cellconfig "github.com/celltonomy/celltonomy/client/config"
	"github.com/celltonomy/celltonomy/client/keyring"
	"github.com/celltonomy/celltonomy/examples/botspecs"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/miner"
	"github.com/celltonomy/celltonomy/node"
	"github.com/celltonomy/celltonomy/node/blobstore"
	"github.com/celltonomy/celltonomy/node/bot"
	"github.com/celltonomy/celltonomy/node/config"
	"github.com/celltonomy/celltonomy/nodeapi"
	"github.com/celltonomy/celltonomy/protocol"
	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/packer"
)

// DefaultNodePort is the HTTP port of node 1 unless Options.NodePort says
// otherwise; node I's is DefaultNodePort + I − 1.
const DefaultNodePort = 26680

// DefaultMinerPort is the HTTP port of node 1's operator's miner unless
// Options.MinerPort says otherwise; node I's is DefaultMinerPort + I − 1.
const DefaultMinerPort = 26690

// BotNode is the node (1-based) of a devnet that runs the simulated lab
// (examples/botspecs/simlab.json, driver labsim).
const BotNode = 1

// Profile is the profile of the cell configuration (client/config) that
// Start writes for the devnet when Options.ConfigFile names the file.
const Profile = "devnet"

// ChainIDPrefix starts the chain id of every devnet: a new devnet's chain
// id is ChainIDPrefix, "-" and 8 random hex digits, so that the results
// of its orders (~/.cell/results/CHAIN_ID/ORDER_ID) never mix with those
// of an earlier devnet whose order ids were the same (cell devnet --reset).
const ChainIDPrefix = "cell-devnet"

// Key names in HOME/keys.
const (
	KeyValidator = "validator"
	KeyBuyer     = "buyer"
	KeyAuthor    = "author"
)

// VendorKey returns the key name of node i's operator (1-based).
func VendorKey(i int) string { return "vendor-" + strconv.Itoa(i) }

// Balances at genesis, in ucell.
const (
	BuyerBalance     = 1_000_000_000
	VendorBalance    = 100_000_000
	AuthorBalance    = 10_000_000
	ValidatorBalance = 10_000_000
	SelfBond         = 5_000_000
	VerifierStake    = 1_000_000
	MinerStake       = 10_000_000
	NodePrice        = 1_000
)

// NodeOptions adjust one fulfillment node.
type NodeOptions struct {
	// Fault injects a fault into the node.
	Fault node.Fault
	// Price, when non-zero, replaces the node's asking price (base and
	// minimum) in ucell; Floor, when non-zero, its floor.
	Price, Floor uint64
	// Capacity, when non-zero, replaces the node's capacity (jobs at once).
	Capacity int
	// MinerFault injects a fault into the reputation miner of the node's
	// operator (miner.FaultWrongRoot: it submits and defends wrong roots,
	// and is slashed).
	MinerFault miner.Fault
}

// Options configure Start.
type Options struct {
	// Home holds the devnet's files (required).
	Home string
	// Nodes is the number of fulfillment nodes (default 2). On a resumed
	// home it must be 0 or the number the home was created with.
	Nodes int
	// BlockTime is CometBFT's pause after each commit (default 250 ms).
	BlockTime time.Duration
	// Reset removes Home first.
	Reset bool
	// Ports of a new devnet: the validator's RPC port (0: 26657; -1
	// picks a free port), its P2P port (0: 26656; -1 free), and the first
	// node's HTTP port (0: DefaultNodePort, node i on NodePort + i − 1;
	// -1 free ports). A default port that is busy is replaced by a free
	// one (Devnet.Moved); a port given that is busy is an error naming
	// its cell devnet flag (--rpc-port, --p2p-port, --node-port). A
	// resumed devnet keeps the ports it was created with; one of them
	// busy is an error naming its flag.
	RPCPort, P2PPort, NodePort int
	// MinerPort is the HTTP port of node 1's operator's reputation miner,
	// node I's on MinerPort + I − 1 (0: DefaultMinerPort; -1 picks free
	// ports; a busy port as for NodePort, flag --miner-port).
	MinerPort int
	// Node adjusts node i (index i-1).
	Node []NodeOptions
	// NodeConfig, when set, edits node i's configuration (i from 1)
	// after Node's adjustments, e.g. exclude_packages and the [peer]
	// table of peer delegation.
	NodeConfig func(i int, cfg *config.Config)
	// Packages are the package directories to register (default: the
	// example digest, when found).
	Packages []string
	// Log receives the validator's and the nodes' logs (default:
	// discarded).
	Log io.Writer
	// Params adjusts the genesis params of a new home.
	Params func(*ledgerpb.Params)
	// ConfigFile is the cell configuration file (client/config) in which
	// Start writes, once the devnet runs, the profile Profile: its home,
	// its RPC URL as node, the buyer key as key and node 1's operator's
	// miner. A new devnet also makes it the active profile. "" writes
	// nothing.
	ConfigFile string
}

// MovedPort is a default port that was busy when a new devnet was
// created, and the free port used instead.
type MovedPort struct {
	// Flag is the cell devnet flag that sets the port: --rpc-port,
	// --p2p-port, --node-port or --miner-port.
	Flag string
	// What the port is for, e.g. "the validator's RPC" or "node 2".
	What string
	// Default is the busy default port, Port the free one used instead.
	Default, Port int
}

// state is HOME/devnet.json.
type state struct {
	ChainID   string `json:"chain_id"`
	Nodes     int    `json:"nodes"`
	RPCPort   int    `json:"rpc_port"`
	P2PPort   int    `json:"p2p_port"`
	NodePorts []int  `json:"node_ports"`
	// MinerPorts are the HTTP ports of the operators' miners, by node.
	MinerPorts []int `json:"miner_ports"`
}

// NodeInfo describes a running fulfillment node.
type NodeInfo struct {
	Name     string
	Home     string
	Endpoint string
	NodeKey  ed25519.PublicKey
	Operator address.Address
	Fault    node.Fault
	// Bots are the node's bots (node.toml [[bots]]): none, or the
	// simulated lab on BotNode and on a node with the fault skip-step.
	Bots []BotInfo
	Node *node.Node
}

// BotInfo describes a bot of a node: its BotSpec's name and id, and the
// driver that runs it.
type BotInfo struct {
	Name   string
	ID     protocol.BotSpecID
	Driver string
}

// MinerInfo describes the reputation miner of a node's operator.
type MinerInfo struct {
	Name     string
	Endpoint string
	// Address is the miner's account: the node's operator.
	Address address.Address
	Fault   miner.Fault
	Miner   *miner.Miner
}

// PackageInfo describes a registered example package.
type PackageInfo struct {
	Name    string
	Version string
	ID      spec.ID
	// Dir is the directory it was built from.
	Dir string
}

// Devnet is a running devnet.
type Devnet struct {
	Home    string
	ChainID string
	RPC     string
	Buyer   address.Address
	Author  address.Address
	Nodes   []NodeInfo
	// Miners are the operators' reputation miners: Miners[i] is the miner
	// of the operator of Nodes[i].
	Miners   []MinerInfo
	Packages []PackageInfo
	// Client talks to the validator.
	Client *client.Client
	// Created says whether Start created the devnet rather than resumed
	// it.
	Created bool
	// Moved are the default ports of a new devnet that were busy.
	Moved []MovedPort
	// ProfileActive says whether the profile Start wrote
	// (Options.ConfigFile) is the active profile; Start makes it so for
	// a new devnet.
	ProfileActive bool

	chain  *chain.Node
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	errs   []error
}

// Start creates (or resumes) and starts the devnet, registers the example
// packages, writes its profile (Options.ConfigFile) and returns once every
// node has announced itself. Stop it with Stop. When a new devnet fails to
// start, Start removes what it wrote in the home, so that a retry creates
// the devnet afresh rather than resuming a broken one.
func Start(ctx context.Context, o Options) (d *Devnet, err error) {
	if o.Home == "" {
		return nil, errors.New("devnet: home: empty path")
	}
	if o.BlockTime == 0 {
		o.BlockTime = 250 * time.Millisecond
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Reset {
		if err := os.RemoveAll(o.Home); err != nil {
			return nil, err
		}
	}
	res := &reserved{}
	defer res.closeAll()
	st, err := readState(o.Home)
	created := errors.Is(err, os.ErrNotExist)
	switch {
	case created:
		before, err := listDir(o.Home)
		if err != nil {
			return nil, err
		}
		defer func() {
			if d == nil {
				removeNew(o.Home, before)
			}
		}()
		if st, err = create(o, res); err != nil {
			return nil, fmt.Errorf("devnet: create %s: %w", o.Home, err)
		}
	case err != nil:
		return nil, err
	case o.Nodes != 0 && o.Nodes != st.Nodes:
		return nil, fmt.Errorf("devnet: %s was created with %d nodes, not %d; pass --reset to start afresh", o.Home, st.Nodes, o.Nodes)
	case len(st.MinerPorts) != st.Nodes:
		return nil, fmt.Errorf("devnet: %s was created before every node's operator ran a miner; pass --reset to start afresh", o.Home)
	default:
		if err := res.hold(st); err != nil {
			return nil, fmt.Errorf("devnet: %s: %w", o.Home, err)
		}
	}
	kr, err := keyring.Open(keyring.Dir(o.Home))
	if err != nil {
		return nil, err
	}
	pkgs, err := buildPackages(o, kr)
	if err != nil {
		return nil, err
	}
	// Blobs go into each node's store before the node opens it.
	for i := 1; i <= st.Nodes; i++ {
		cfg, err := config.Load(nodeHome(o.Home, i))
		if err != nil {
			return nil, err
		}
		bs, err := blobstore.Open(filepath.Join(cfg.DataDir, "blobs"))
		if err != nil {
			return nil, err
		}
		for _, p := range pkgs {
			if _, _, err := bs.Put(bytesReader(p.data)); err != nil {
				return nil, err
			}
		}
	}

	res.release(st.RPCPort)
	res.release(st.P2PPort)
	cn, err := chain.Start(ctx, o.Home, o.Log)
	if err != nil {
		return nil, fmt.Errorf("devnet: validator: %w", err)
	}
	rpc := fmt.Sprintf("http://127.0.0.1:%d", st.RPCPort)
	c, err := client.New(rpc)
	if err != nil {
		cn.Stop()
		return nil, err
	}
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	d = &Devnet{Home: o.Home, ChainID: st.ChainID, RPC: rpc, Client: c, chain: cn, cancel: cancel, Created: created, Moved: res.moved}
	d.Buyer = mustAddr(kr, KeyBuyer)
	d.Author = mustAddr(kr, KeyAuthor)
	fail := func(err error) (*Devnet, error) {
		d.Stop()
		return nil, err
	}
	if err := waitHeight(ctx, c, 1); err != nil {
		return fail(fmt.Errorf("devnet: the validator makes no blocks: %w", err))
	}
	logger := slog.New(slog.NewTextHandler(o.Log, &slog.HandlerOptions{Level: slog.LevelInfo}))
	p, err := c.Params(ctx)
	if err != nil {
		return fail(fmt.Errorf("devnet: params: %w", err))
	}
	for i := 1; i <= st.Nodes; i++ {
		home := nodeHome(o.Home, i)
		cfg, err := config.Load(home)
		if err != nil {
			return fail(err)
		}
		nk, err := node.LoadNodeKey(cfg.NodeKeyFile)
		if err != nil {
			return fail(err)
		}
		op, err := kr.PrivateKey(cfg.OperatorKey, nil)
		if err != nil {
			return fail(err)
		}
		no := NodeOptions{}
		if i <= len(o.Node) {
			no = o.Node[i-1]
		}
		if no.Price != 0 {
			cfg.Pricing.Base, cfg.Pricing.Minimum = no.Price, no.Price
			cfg.Pricing.Floor = min(cfg.Pricing.Floor, no.Price)
		}
		if no.Floor != 0 {
			cfg.Pricing.Floor = no.Floor
			cfg.Pricing.Minimum = max(cfg.Pricing.Minimum, no.Floor)
			cfg.Pricing.Base = max(cfg.Pricing.Base, no.Floor)
		}
		if no.Capacity > 0 {
			cfg.Capacity = no.Capacity
		}
		// A home written before the devnet had a bot, or a node given
		// the fault skip-step: the simulated lab.
		if (i == BotNode || no.Fault == node.FaultSkipStep) && len(cfg.Bots) == 0 {
			b, err := simlabBot(home)
			if err != nil {
				return fail(fmt.Errorf("devnet: node %d: %w", i, err))
			}
			cfg.Bots = []config.Bot{b}
		}
		bots, err := botInfos(cfg.Bots)
		if err != nil {
			return fail(fmt.Errorf("devnet: node %d: %w", i, err))
		}
		if o.NodeConfig != nil {
			o.NodeConfig(i, cfg)
		}
		// A home written before the key existed: the devnet is on one host.
		cfg.AllowPrivateFetch = true
		minerURL := fmt.Sprintf("http://127.0.0.1:%d", st.MinerPorts[i-1])
		cfg.MinerURL = minerURL
		// The node and its operator's miner sign for one account.
		sender, err := client.NewSender(c, op, st.ChainID, p.GetMinFee())
		if err != nil {
			return fail(err)
		}
		fcfg := followConfig()
		n, err := node.New(rctx, cfg, node.Options{NodeKey: nk, OperatorKey: op, Fault: no.Fault, Listener: res.take(st.NodePorts[i-1]),
			Log: logger.With("devnet_node", i), Follow: &fcfg, Sender: sender})
		if err != nil {
			return fail(fmt.Errorf("devnet: node %d: %w", i, err))
		}
		d.Nodes = append(d.Nodes, NodeInfo{Name: "node-" + strconv.Itoa(i), Home: home, Endpoint: cfg.Endpoint,
			NodeKey: n.NodeKey(), Operator: n.Operator(), Fault: no.Fault, Bots: bots, Node: n})
		d.wg.Go(func() {
			if err := n.Run(rctx); err != nil {
				d.mu.Lock()
				d.errs = append(d.errs, fmt.Errorf("node %d: %w", i, err))
				d.mu.Unlock()
			}
		})
		mcfg := followConfig()
		m, err := miner.New(miner.Options{ChainRPC: rpc, Key: op, Sender: sender, Listen: fmt.Sprintf("127.0.0.1:%d", st.MinerPorts[i-1]),
			Listener: res.take(st.MinerPorts[i-1]), DataDir: filepath.Join(home, "miner"), Stake: MinerStake, Fault: no.MinerFault,
			Log: logger.With("devnet_miner", i), Follow: &mcfg})
		if err != nil {
			return fail(fmt.Errorf("devnet: miner %d: %w", i, err))
		}
		d.Miners = append(d.Miners, MinerInfo{Name: "miner-" + strconv.Itoa(i), Endpoint: minerURL, Address: m.Address(), Fault: no.MinerFault, Miner: m})
		d.wg.Go(func() {
			if err := m.Run(rctx); err != nil {
				d.mu.Lock()
				d.errs = append(d.errs, fmt.Errorf("miner %d: %w", i, err))
				d.mu.Unlock()
			}
		})
	}
	authorKey, err := kr.PrivateKey(KeyAuthor, nil)
	if err != nil {
		return fail(err)
	}
	for _, p := range pkgs {
		if err := d.register(ctx, authorKey, p); err != nil {
			return fail(fmt.Errorf("devnet: register %s: %w", p.info.Name, err))
		}
		d.Packages = append(d.Packages, p.info)
	}
	if err := d.waitNodes(ctx); err != nil {
		return fail(err)
	}
	if o.ConfigFile != "" {
		trust, err := d.latestHeader(ctx)
		if err != nil {
			return fail(err)
		}
		if err := d.writeProfile(o.ConfigFile, trust); err != nil {
			return fail(fmt.Errorf("devnet: profile %s: %w", Profile, err))
		}
	}
	return d, nil
}

// writeProfile writes the profile Profile into the configuration file at
// path and, for a new devnet, makes it active. Its trust root is trust:
// the validator's latest header (latestHeader), read from the validator
// itself, the one source a devnet's user trusts.
func (d *Devnet) writeProfile(path string, trust client.TrustRoot) error {
	home, err := filepath.Abs(d.Home)
	if err != nil {
		return err
	}
	s := cellconfig.Settings{Home: home, Node: d.RPC, Key: KeyBuyer, Trust: trust.String()}
	if len(d.Miners) > 0 {
		s.Miner = d.Miners[0].Endpoint
	}
	f, err := cellconfig.Update(path, func(f *cellconfig.File) error {
		if err := f.Put(Profile, s); err != nil {
			return err
		}
		if d.Created {
			return f.Use(Profile)
		}
		return nil
	})
	if err != nil {
		return err
	}
	d.ProfileActive = f.Active() == Profile
	return nil
}

// latestHeader returns the validator's latest committed header as a
// trust root.
func (d *Devnet) latestHeader(ctx context.Context) (client.TrustRoot, error) {
	c, err := client.New(d.RPC)
	if err != nil {
		return client.TrustRoot{}, err
	}
	st, err := c.Status(ctx)
	if err != nil {
		return client.TrustRoot{}, fmt.Errorf("trust root: %w", err)
	}
	h := st.SyncInfo.LatestBlockHeight
	cm, err := c.RPC().Commit(ctx, &h)
	if err != nil {
		return client.TrustRoot{}, fmt.Errorf("trust root: header %d: %w", h, err)
	}
	return client.TrustRoot{Height: h, Hash: cm.SignedHeader.Hash()}, nil
}

// listDir returns the names in dir, nil when dir does not exist.
func listDir(dir string) (map[string]bool, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for _, e := range entries {
		names[e.Name()] = true
	}
	return names, nil
}

// removeNew removes from home what was not in it before (listDir), or
// home itself when it did not exist.
func removeNew(home string, before map[string]bool) {
	if before == nil {
		os.RemoveAll(home)
		return
	}
	entries, _ := os.ReadDir(home)
	for _, e := range entries {
		if !before[e.Name()] {
			os.RemoveAll(filepath.Join(home, e.Name()))
		}
	}
}

// Stop shuts the nodes down, then the validator, and returns the errors
// the nodes stopped with.
func (d *Devnet) Stop() error {
	d.cancel()
	d.wg.Wait()
	err := d.chain.Stop()
	d.mu.Lock()
	defer d.mu.Unlock()
	return errors.Join(append(d.errs, err)...)
}

// Err returns the errors of nodes that stopped on their own.
func (d *Devnet) Err() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return errors.Join(d.errs...)
}

// Key returns the private key of a development account of the devnet.
func (d *Devnet) Key(name string) (ed25519.PrivateKey, error) {
	kr, err := keyring.Open(keyring.Dir(d.Home))
	if err != nil {
		return nil, err
	}
	return kr.PrivateKey(name, nil)
}

func nodeHome(home string, i int) string {
	return filepath.Join(home, "nodes", "node-"+strconv.Itoa(i))
}

func readState(home string) (state, error) {
	var st state
	b, err := os.ReadFile(filepath.Join(home, "devnet.json"))
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("devnet: %s/devnet.json: %w", home, err)
	}
	return st, nil
}

// reserved holds the listeners of the ports a devnet will use, open until
// their server takes them, so that a busy port is found before anything
// starts and no other process can bind a port between its choice and its
// use. moved records the default ports that were busy.
type reserved struct {
	ls    map[int]net.Listener
	moved []MovedPort
}

// listen reserves port on 127.0.0.1; 0 reserves a free port.
func (r *reserved) listen(port int) (int, error) {
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return 0, err
	}
	port = l.Addr().(*net.TCPAddr).Port
	if r.ls == nil {
		r.ls = map[int]net.Listener{}
	}
	r.ls[port] = l
	return port, nil
}

// pick reserves the port of a new devnet for what (e.g. "node 2"): p
// when positive, failing with an error naming flag when it is busy; def
// when p is 0, or a free port when def is busy (recorded in moved); a
// free port when p is negative.
func (r *reserved) pick(p, def int, flag, what string) (int, error) {
	switch {
	case p < 0:
		return r.listen(0)
	case p > 0:
		port, err := r.listen(p)
		if err != nil {
			return 0, fmt.Errorf("port %d (%s) is not free: %w; pass another %s, or %s -1 for a free port", p, what, err, flag, flag)
		}
		return port, nil
	}
	if port, err := r.listen(def); err == nil {
		return port, nil
	}
	port, err := r.listen(0)
	if err != nil {
		return 0, err
	}
	r.moved = append(r.moved, MovedPort{Flag: flag, What: what, Default: def, Port: port})
	return port, nil
}

// hold reserves the ports of a resumed devnet, failing with an error that
// names the flag of the first busy one.
func (r *reserved) hold(st state) error {
	type use struct {
		port       int
		flag, what string
	}
	uses := []use{{st.RPCPort, "--rpc-port", "the validator's RPC"}, {st.P2PPort, "--p2p-port", "the validator's P2P"}}
	for i, p := range st.NodePorts {
		uses = append(uses, use{p, "--node-port", fmt.Sprintf("node %d", i+1)})
	}
	for i, p := range st.MinerPorts {
		uses = append(uses, use{p, "--miner-port", fmt.Sprintf("miner %d", i+1)})
	}
	for _, u := range uses {
		if _, err := r.listen(u.port); err != nil {
			return fmt.Errorf("port %d (%s) is not free: %w; stop what holds it, or start a new devnet with --reset and another %s (-1: a free port)", u.port, u.what, err, u.flag)
		}
	}
	return nil
}

// take hands over the listener of port, nil when port is not reserved.
func (r *reserved) take(port int) net.Listener {
	l := r.ls[port]
	delete(r.ls, port)
	return l
}

// release frees port for a server that binds it by itself (CometBFT).
func (r *reserved) release(port int) {
	if l := r.take(port); l != nil {
		l.Close()
	}
}

// closeAll frees every port still reserved.
func (r *reserved) closeAll() {
	for port := range r.ls {
		r.release(port)
	}
}

// DevnetParams returns the genesis params of a new devnet: the defaults
// with short verifier, seed, input, contest and reveal windows, a short
// unbonding period, short reputation cycles, and mining that every vendor can afford and that
// starts within two cycles (see the package documentation).
func DevnetParams() *ledgerpb.Params {
	p := params.Default()
	p.VerifierCommitWindow = 20
	p.VerifierRevealWindow = 8
	p.RevealWindowBlocks = 10
	p.ReputationCycleBlocks = 40
	p.MiningWindowBlocks = 8
	p.MinMinerStake = MinerStake
	p.MinerMinStakedCycles = 1
	p.MiningResponseWindowBlocks = 20
	p.InputWindowBlocks = 30
	p.InputContestWindowBlocks = 20
	p.DisputeSeedWindowBlocks = 20
	p.UnbondingBlocks = 1_200
	return p
}

// create writes a new home: keys, the validator's CometBFT home and
// genesis, and each node's home.
func create(o Options, res *reserved) (state, error) {
	if o.Nodes == 0 {
		o.Nodes = 2
	}
	if o.Nodes < 0 || o.Nodes > 64 {
		return state{}, fmt.Errorf("nodes %d: must be 1 to 64", o.Nodes)
	}
	var nonce [4]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return state{}, err
	}
	st := state{ChainID: ChainIDPrefix + "-" + hex.EncodeToString(nonce[:]), Nodes: o.Nodes}
	var err error
	if st.RPCPort, err = res.pick(o.RPCPort, chain.DefaultPorts.RPC, "--rpc-port", "the validator's RPC"); err != nil {
		return st, err
	}
	if st.P2PPort, err = res.pick(o.P2PPort, chain.DefaultPorts.P2P, "--p2p-port", "the validator's P2P"); err != nil {
		return st, err
	}
	// Node and miner I are on the first port + I − 1.
	nth := func(first, i int) int {
		if first > 0 {
			return first + i - 1
		}
		return first
	}
	for i := 1; i <= o.Nodes; i++ {
		p, err := res.pick(nth(o.NodePort, i), DefaultNodePort+i-1, "--node-port", fmt.Sprintf("node %d", i))
		if err != nil {
			return st, err
		}
		st.NodePorts = append(st.NodePorts, p)
	}
	for i := 1; i <= o.Nodes; i++ {
		p, err := res.pick(nth(o.MinerPort, i), DefaultMinerPort+i-1, "--miner-port", fmt.Sprintf("miner %d", i))
		if err != nil {
			return st, err
		}
		st.MinerPorts = append(st.MinerPorts, p)
	}
	if err := os.MkdirAll(o.Home, 0o700); err != nil {
		return st, err
	}
	keys, err := chain.InitHome(o.Home, chain.NodeConfig{Moniker: "devnet", Ports: chain.Ports{RPC: st.RPCPort, P2P: st.P2PPort}, BlockTime: o.BlockTime, Local: true})
	if err != nil {
		return st, err
	}
	kr, err := keyring.Open(keyring.Dir(o.Home))
	if err != nil {
		return st, err
	}
	add := func(name string) (address.Address, error) {
		if info, err := kr.Show(name); err == nil {
			return info.Address, nil
		}
		info, err := kr.Add(name, nil)
		return info.Address, err
	}
	val, err := add(KeyValidator)
	if err != nil {
		return st, err
	}
	accounts := []*ledgerpb.GenesisAccount{{Address: val.String(), Balance: ValidatorBalance}}
	for _, k := range []struct {
		name    string
		balance uint64
	}{{KeyBuyer, BuyerBalance}, {KeyAuthor, AuthorBalance}} {
		a, err := add(k.name)
		if err != nil {
			return st, err
		}
		accounts = append(accounts, &ledgerpb.GenesisAccount{Address: a.String(), Balance: k.balance})
	}
	for i := 1; i <= o.Nodes; i++ {
		a, err := add(VendorKey(i))
		if err != nil {
			return st, err
		}
		accounts = append(accounts, &ledgerpb.GenesisAccount{Address: a.String(), Balance: VendorBalance})
		home := nodeHome(o.Home, i)
		cfg := config.Default(home)
		cfg.OperatorKey = VendorKey(i)
		cfg.ChainRPC = fmt.Sprintf("http://127.0.0.1:%d", st.RPCPort)
		cfg.Listen = fmt.Sprintf("127.0.0.1:%d", st.NodePorts[i-1])
		cfg.Endpoint = "http://" + cfg.Listen
		cfg.Verifier = config.Verifier{Enabled: true, Stake: VerifierStake}
		cfg.MinerURL = fmt.Sprintf("http://127.0.0.1:%d", st.MinerPorts[i-1])
		// Every node, package location and the miner are on 127.0.0.1.
		cfg.AllowPrivateFetch = true
		if err := os.MkdirAll(home, 0o700); err != nil {
			return st, err
		}
		if i == BotNode {
			b, err := simlabBot(home)
			if err != nil {
				return st, err
			}
			cfg.Bots = []config.Bot{b}
		}
		if err := config.Write(home, cfg); err != nil {
			return st, err
		}
		if _, err := node.LoadOrCreateNodeKey(cfg.NodeKeyFile); err != nil {
			return st, err
		}
	}
	p := DevnetParams()
	if o.Params != nil {
		o.Params(p)
	}
	// The recovery addresses of reputation mining: the validator's
	// operator, the author and the first vendor (any one stops mining, two
	// resume it).
	recovery := []string{val.String(), mustAddr(kr, KeyAuthor).String()}
	if o.Nodes > 0 {
		recovery = append(recovery, mustAddr(kr, VendorKey(1)).String())
	}
	appState, err := chain.LedgerGenesisOf(&ledgerpb.Genesis{Params: p, Accounts: accounts, RecoveryAddresses: recovery,
		Validators: []*ledgerpb.GenesisValidator{{Operator: val.String(), ConsensusPubkey: keys.ConsensusPubKey, SelfBond: SelfBond, Moniker: "devnet"}}})
	if err != nil {
		return st, err
	}
	if err := chain.WriteGenesis(o.Home, st.ChainID, time.Now(), appState); err != nil {
		return st, err
	}
	b, _ := json.MarshalIndent(st, "", "  ")
	return st, os.WriteFile(filepath.Join(o.Home, "devnet.json"), append(b, '\n'), 0o600)
}

// simlabBot writes the simulated lab's BotSpec into the node's home
// (botspecs/simlab.json) unless it is there, and returns the [[bots]]
// entry that runs it with the labsim driver.
func simlabBot(home string) (config.Bot, error) {
	path := filepath.Join(home, "botspecs", "simlab.json")
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return config.Bot{}, err
		}
		if err := os.WriteFile(path, botspecs.Simlab, 0o600); err != nil {
			return config.Bot{}, err
		}
	} else if err != nil {
		return config.Bot{}, err
	}
	return config.Bot{BotSpec: path, Driver: labsimDriver, Speedup: BotSpeedup}, nil
}

// BotSpeedup paces the devnet's simulated bot: one hour of the bot's
// clock per wall second, so that a buyer watches a protocol run
// instruction by instruction (the λ digest with its gel, 1 h 52 min on
// the bot, takes about 2 s) and still gets its delivery well inside the
// default delivery window.
const BotSpeedup = 3600

// labsimDriver is the name of node/bot's driver of the simulator.
const labsimDriver = "labsim"

// botInfos describes the bots of a node's configuration.
func botInfos(bots []config.Bot) ([]BotInfo, error) {
	var out []BotInfo
	for _, b := range bots {
		l, err := bot.Load(b.BotSpec, b.Driver)
		if err != nil {
			return nil, fmt.Errorf("bot %s: %w", b.BotSpec, err)
		}
		out = append(out, BotInfo{Name: l.Spec.Name, ID: l.ID, Driver: b.Driver})
	}
	return out, nil
}

type builtPackage struct {
	info PackageInfo
	data []byte
	sum  [32]byte
	pkg  *spec.Package
}

// ProtocolExamples are the example protocol packages of
// examples/protocols that a devnet registers besides examples/digest.
var ProtocolExamples = []string{"lambda-digest-gel", "lambda-pcr", "growth-curve"}

// ServiceExamples are the example service packages of examples that a
// devnet registers when they are built (make examples writes their
// reactor NAME.wasm and their copy of lambda.fa): primer-design starts
// seq-index as its child by its package id.
var ServiceExamples = []string{"seq-index", "primer-design"}

// DefaultPackageDirs returns the example package directories found from
// the working directory or the executable's directory: examples/digest
// first (its module built: make examples), then those of
// ProtocolExamples that exist next to it, then those of ServiceExamples
// that are built.
func DefaultPackageDirs() []string {
	var bases []string
	if wd, err := os.Getwd(); err == nil {
		bases = append(bases, wd, filepath.Join(wd, "..", ".."))
	}
	if exe, err := os.Executable(); err == nil {
		bases = append(bases, filepath.Join(filepath.Dir(exe), ".."))
	}
	for _, b := range bases {
		dir := filepath.Join(b, "examples", "digest")
		if _, err := os.Stat(filepath.Join(dir, "digest.wasm")); err == nil {
			dirs := []string{dir}
			for _, name := range ProtocolExamples {
				p := filepath.Join(b, "examples", "protocols", name)
				if _, err := os.Stat(filepath.Join(p, "cell.toml")); err == nil {
					dirs = append(dirs, p)
				}
			}
			for _, name := range ServiceExamples {
				p := filepath.Join(b, "examples", name)
				_, errWasm := os.Stat(filepath.Join(p, name+".wasm"))
				_, errData := os.Stat(filepath.Join(p, "lambda.fa"))
				if errWasm == nil && errData == nil {
					dirs = append(dirs, p)
				}
			}
			return dirs
		}
	}
	return nil
}

func buildPackages(o Options, kr *keyring.Keyring) ([]builtPackage, error) {
	dirs := o.Packages
	if dirs == nil {
		dirs = DefaultPackageDirs()
	}
	author, err := kr.PrivateKey(KeyAuthor, nil)
	if err != nil {
		return nil, err
	}
	var out []builtPackage
	for _, dir := range dirs {
		p, err := packer.BuildSigned(dir, spec.DefaultLimits(), author)
		if err != nil {
			return nil, fmt.Errorf("devnet: package %s: %w (build the examples with `make examples`)", dir, err)
		}
		data := p.Encode()
		env := p.Envelope()
		out = append(out, builtPackage{
			info: PackageInfo{Name: env.GetName(), Version: env.GetVersion(), ID: p.ID(), Dir: dir},
			data: data, sum: sha256Sum(data), pkg: p,
		})
	}
	return out, nil
}

// register registers a package unless it is registered already.
func (d *Devnet) register(ctx context.Context, author ed25519.PrivateKey, p builtPackage) error {
	if _, err := d.Client.Package(ctx, p.info.ID[:]); err == nil {
		return nil
	}
	var locs []string
	for _, n := range d.Nodes {
		locs = append(locs, strings.TrimSuffix(n.Endpoint, "/")+nodeapi.BlobPath(p.sum))
	}
	pub, sig := p.pkg.Signature()
	res, err := d.Client.Send(ctx, author, d.ChainID, params.Default().MinFee, &ledgerpb.Msg{Sum: &ledgerpb.Msg_RegisterPackage{RegisterPackage: &ledgerpb.MsgRegisterPackage{
		Envelope: p.pkg.EnvelopeBytes(), AuthorPublicKey: pub, AuthorSignature: sig,
		SpecSize: uint64(len(p.pkg.Spec().Bytes())), BlobLocations: locs,
	}}})
	if err != nil {
		return err
	}
	if res.Code != 0 {
		return fmt.Errorf("code %d: %s", res.Code, res.Log)
	}
	return nil
}

// waitNodes waits until every node is registered and following the chain.
func (d *Devnet) waitNodes(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for {
		ready := 0
		for _, n := range d.Nodes {
			if _, err := d.Client.Node(ctx, n.NodeKey, 0); err == nil && n.Node.Healthy() {
				ready++
			}
		}
		if ready == len(d.Nodes) {
			return nil
		}
		if err := d.Err(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("devnet: %d of %d nodes ready: %w", ready, len(d.Nodes), ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func waitHeight(ctx context.Context, c *client.Client, h int64) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for {
		st, err := c.Status(ctx)
		if err == nil && st.SyncInfo.LatestBlockHeight >= h {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func mustAddr(kr *keyring.Keyring, name string) address.Address {
	info, err := kr.Show(name)
	if err != nil {
		return address.Address{}
	}
	return info.Address
}

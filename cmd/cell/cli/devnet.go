package cli

import (
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/client/config"
	"github.com/celltonomy/celltonomy/devnet"
	"github.com/celltonomy/celltonomy/miner"
	"github.com/celltonomy/celltonomy/node"
)

// devnetHome is the home given by --home or CELL_HOME, else
// ~/.cell/devnet: a profile's home is not the devnet's, as the devnet
// writes the profile.
func devnetHome(g *globals) string {
	if g.cfg.Home.Given() {
		return g.home
	}
	return filepath.Join(baseDir(), "devnet")
}

// parseFaults parses --fault I=FAULT flags (faults of nodes) and
// --miner-fault I=FAULT flags (faults of the operators' miners) into
// per-node options.
func parseFaults(faults, minerFaults []string, nodes int) ([]devnet.NodeOptions, error) {
	opts := make([]devnet.NodeOptions, nodes)
	index := func(flag, s string) (int, string, error) {
		i, f, ok := strings.Cut(s, "=")
		n, err := strconv.Atoi(i)
		if !ok || err != nil || n < 1 || n > nodes {
			return 0, "", &usageError{fmt.Errorf("%s %q: want NODE=FAULT with NODE in 1..%d", flag, s, nodes)}
		}
		return n, f, nil
	}
	for _, s := range faults {
		n, f, err := index("--fault", s)
		if err != nil {
			return nil, err
		}
		if opts[n-1].Fault, err = node.ParseFault(f); err != nil {
			return nil, &usageError{fmt.Errorf("--fault %q: %w", s, err)}
		}
	}
	for _, s := range minerFaults {
		n, f, err := index("--miner-fault", s)
		if err != nil {
			return nil, err
		}
		if opts[n-1].MinerFault, err = miner.ParseFault(f); err != nil {
			return nil, &usageError{fmt.Errorf("--miner-fault %q: %w", s, err)}
		}
	}
	return opts, nil
}

// examplePrimers are the example primers of examples/protocols/lambda-pcr
// (forward, reverse): a 1,013 bp product of λ 20,001–21,013.
var examplePrimers = [2]string{"TCCGTGGTGGCACAGAGTAC", "TGGATCATTCCCGAGCGCTG"}

// devnetFlags are the flags of `cell devnet`.
type devnetFlags struct {
	nodes                                 int
	blockTime                             time.Duration
	reset, verbose                        bool
	faults, minerFaults, packages         []string
	rpcPort, p2pPort, nodePort, minerPort int
}

func newDevnetCmd(g *globals) *cobra.Command {
	var f devnetFlags
	cmd := &cobra.Command{
		Use:   "devnet [--nodes N] [--block-time D] [--reset] [--fault I=FAULT]... [--miner-fault I=wrong-root]...",
		Short: "Run a whole network in this process: a validator, N fulfillment nodes, funded dev accounts, the example packages",
		Long: `devnet runs, in one process, a single validator, N fulfillment nodes with their
own keys and ports, funded development accounts (buyer, author, vendor-1…N)
and the example packages (examples/digest and examples/protocols/*),
registered and served by every node. Node 1 also runs a simulated bot (the
simulated lab of examples/botspecs/simlab.json, driver labsim): it announces
the BotSpec's id and bids on the protocol orders that BotSpec covers. Each node's
operator also runs a reputation miner (miner I on --miner-port+I-1), which
mines the reputation roots, answers their challenges and serves node I its
reputation proofs. It prints the endpoints and addresses, then runs until
Ctrl-C.

--fault I=FAULT makes node I misbehave (wrong-output, no-delivery,
silent-verifier, false-missing-inputs: it reports the inputs missing although
it signed their receipt, and delivers once the buyer shows the receipt;
skip-step: it runs the simulated bot, which skips one warp of each protocol run);
--miner-fault I=wrong-root makes the miner of node I's
operator submit and defend wrong roots, so that the honest miners beat it in
a challenge and it loses its stake. Both are tools for tests and demos.

Data lives under ~/.cell/devnet (or --home, or CELL_HOME). A restart resumes
the chain and the nodes' jobs; --reset starts afresh. Logs go to
HOME/devnet.log (--verbose: stderr), rotated at 20 MB with the last 3 old
logs kept, gzipped. The chain keeps the last 1,000 versions of the ledger
state, the last 10,000 blocks and at most 20 MB of consensus WAL
(HOME/config/ledger.toml), so an idle devnet's disk stays flat once those
windows are full. The example package is built from
examples/digest, so run from the repository after make examples.

A new devnet listens on the default ports, each replaced by a free one (and
said so) when busy; a port given with --rpc-port, --p2p-port, --node-port or
--miner-port must be free. A resumed devnet keeps its ports. A new devnet
that fails to start leaves nothing behind but its log.

Every start writes the profile "devnet" into ~/.cell/config.toml (home, node,
key "buyer", miner 1), and a new devnet makes it the active profile, so that
other commands talk to the devnet without --home; cell config use default
switches back. Order from another terminal:

  cell order run examples/digest \
      --input genome=examples/data/lambda.fa --param ENZYMES=EcoRI --max-price 5000
  cell order run examples/protocols/lambda-pcr \
      --param FORWARD=TCCGTGGTGGCACAGAGTAC --param REVERSE=TGGATCATTCCCGAGCGCTG --max-price 5000`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error { return runDevnet(cmd, g, f) },
	}
	cmd.Flags().IntVar(&f.nodes, "nodes", 0, "number of fulfillment nodes of a new devnet (default 2)")
	cmd.Flags().DurationVar(&f.blockTime, "block-time", 250*time.Millisecond, "pause after each commit (CometBFT timeout_commit)")
	cmd.Flags().BoolVar(&f.reset, "reset", false, "remove the devnet's home first")
	cmd.Flags().BoolVar(&f.verbose, "verbose", false, "log to stderr instead of HOME/devnet.log")
	cmd.Flags().StringSliceVar(&f.faults, "fault", nil, "inject a fault into node I: I=wrong-output, I=no-delivery, I=silent-verifier, I=false-missing-inputs or I=skip-step (repeatable)")
	cmd.Flags().StringSliceVar(&f.minerFaults, "miner-fault", nil, "inject a fault into the miner of node I's operator: I=wrong-root (repeatable)")
	cmd.Flags().StringSliceVar(&f.packages, "package", nil, "also register the package built from DIR (repeatable)")
	cmd.Flags().IntVar(&f.rpcPort, "rpc-port", 0, "validator RPC port of a new devnet (default 26657, or a free port when it is busy; -1: a free port)")
	cmd.Flags().IntVar(&f.p2pPort, "p2p-port", 0, "validator P2P port of a new devnet (default 26656, or a free port when it is busy; -1: a free port)")
	cmd.Flags().IntVar(&f.minerPort, "miner-port", 0, "HTTP port of node 1's operator's reputation miner of a new devnet, node I's on MINER_PORT+I-1 (default 26690, or free ports when busy; -1: free ports)")
	cmd.Flags().IntVar(&f.nodePort, "node-port", 0, "HTTP port of node 1 of a new devnet, node I on NODE_PORT+I-1 (default 26680, or free ports when busy; -1: free ports)")
	return cmd
}

// runDevnet starts (or resumes) the devnet of the home and runs it until
// the command's context ends.
func runDevnet(cmd *cobra.Command, g *globals, f devnetFlags) error {
	home := devnetHome(g)
	n := f.nodes
	if n == 0 {
		if _, err := os.Stat(filepath.Join(home, "devnet.json")); err != nil || f.reset {
			n = 2
		}
	}
	nopts, err := parseFaults(f.faults, f.minerFaults, max(n, 64))
	if err != nil {
		return err
	}
	// The home goes before the log opens in it, not in Start,
	// which would remove the new devnet's log with it.
	if f.reset {
		if err := os.RemoveAll(home); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(home, 0o700); err != nil {
		return err
	}
	var logw io.Writer = g.stderr
	if !f.verbose {
		logf := devnet.OpenLog(filepath.Join(home, "devnet.log"), devnet.LogMaxMB, devnet.LogBackups)
		defer logf.Close()
		logw = logf
		// The databases under CometBFT log through the standard
		// logger (e.g. pebble's WAL replay on a restart): to the log
		// file too.
		log.SetOutput(logf)
		defer log.SetOutput(os.Stderr)
	}
	var pkgs []string
	if len(f.packages) > 0 {
		pkgs = append(devnet.DefaultPackageDirs(), f.packages...)
	}
	d, err := devnet.Start(cmd.Context(), devnet.Options{Home: home, Nodes: n, BlockTime: f.blockTime, Node: nopts, Log: logw,
		Packages: pkgs, RPCPort: f.rpcPort, P2PPort: f.p2pPort, NodePort: f.nodePort, MinerPort: f.minerPort,
		ConfigFile: config.Path(baseDir())})
	if err != nil {
		return err
	}
	for _, m := range d.Moved {
		fmt.Fprintf(g.stderr, "cell: port %d (%s) is busy: using %d instead (%s sets it)\n", m.Default, m.What, m.Port, m.Flag)
	}
	switch {
	case d.Created && d.ProfileActive:
		fmt.Fprintf(g.stderr, "cell: profile %s is active: cell order run and the other commands now talk to this devnet; cell config use default switches back\n", devnet.Profile)
	case !d.ProfileActive:
		fmt.Fprintf(g.stderr, "cell: profile %s describes this devnet; cell config use %s makes the other commands talk to it\n", devnet.Profile, devnet.Profile)
	}
	printDevnet(g, d)
	<-cmd.Context().Done()
	fmt.Fprintln(g.stderr, "cell: stopping the devnet")
	return d.Stop()
}

type devnetJSON struct {
	Home     string            `json:"home"`
	ChainID  string            `json:"chain_id"`
	RPC      string            `json:"rpc"`
	Profile  string            `json:"profile,omitempty"`
	Active   bool              `json:"profile_active,omitempty"`
	Moved    []devnetMovedJSON `json:"moved_ports,omitempty"`
	Buyer    string            `json:"buyer"`
	Author   string            `json:"author"`
	Nodes    []devnetNodeJSON  `json:"nodes"`
	Miners   []devnetMinerJSON `json:"miners"`
	Packages []devnetPkgJSON   `json:"packages"`
	Keys     map[string]string `json:"keys"`
}

type devnetMovedJSON struct {
	Flag    string `json:"flag"`
	What    string `json:"what"`
	Default int    `json:"default"`
	Port    int    `json:"port"`
}

type devnetNodeJSON struct {
	Name     string `json:"name"`
	Endpoint string `json:"endpoint"`
	NodeKey  string `json:"node_key"`
	Operator string `json:"operator"`
	Fault    string `json:"fault,omitempty"`
	// Bots are the node's bots: BotSpec name, id (hex) and driver.
	Bots []devnetBotJSON `json:"bots,omitempty"`
}

type devnetBotJSON struct {
	BotSpec string `json:"botspec"`
	ID      string `json:"botspec_id"`
	Driver  string `json:"driver"`
}

type devnetMinerJSON struct {
	Name     string `json:"name"`
	Endpoint string `json:"endpoint"`
	Address  string `json:"address"`
	Fault    string `json:"fault,omitempty"`
}

type devnetPkgJSON struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	ID      string `json:"id"`
}

func printDevnet(g *globals, d *devnet.Devnet) {
	v := devnetJSON{Home: d.Home, ChainID: d.ChainID, RPC: d.RPC, Buyer: d.Buyer.String(), Author: d.Author.String(),
		Keys: map[string]string{"dir": filepath.Join(d.Home, "keys")}, Profile: devnet.Profile, Active: d.ProfileActive}
	for _, m := range d.Moved {
		v.Moved = append(v.Moved, devnetMovedJSON{Flag: m.Flag, What: m.What, Default: m.Default, Port: m.Port})
	}
	for _, n := range d.Nodes {
		nj := devnetNodeJSON{Name: n.Name, Endpoint: n.Endpoint, NodeKey: hex.EncodeToString(n.NodeKey), Operator: n.Operator.String(), Fault: string(n.Fault)}
		for _, b := range n.Bots {
			nj.Bots = append(nj.Bots, devnetBotJSON{BotSpec: b.Name, ID: b.ID.String(), Driver: b.Driver})
		}
		v.Nodes = append(v.Nodes, nj)
	}
	for _, m := range d.Miners {
		v.Miners = append(v.Miners, devnetMinerJSON{Name: m.Name, Endpoint: m.Endpoint, Address: m.Address.String(), Fault: string(m.Fault)})
	}
	for _, p := range d.Packages {
		v.Packages = append(v.Packages, devnetPkgJSON{Name: p.Name, Version: p.Version, ID: p.ID.String()})
	}
	if g.output == outputJSON {
		g.json("devnet", v)
		return
	}
	w := g.stdout
	fmt.Fprintf(w, "devnet %s running (home %s)\n", d.ChainID, d.Home)
	fmt.Fprintf(w, "  chain RPC   %s\n", d.RPC)
	fmt.Fprintf(w, "  buyer       %s (key \"buyer\")\n", d.Buyer)
	fmt.Fprintf(w, "  author      %s (key \"author\")\n", d.Author)
	for _, n := range v.Nodes {
		fault := ""
		if n.Fault != "" {
			fault = "  fault " + n.Fault
		}
		fmt.Fprintf(w, "  %-10s  %s  node key %s…  operator %s%s\n", n.Name, n.Endpoint, n.NodeKey[:16], n.Operator, fault)
		for _, b := range n.Bots {
			fmt.Fprintf(w, "  %-10s  runs the bot %s (BotSpec %s…, driver %s): it bids on protocol orders\n", "", b.BotSpec, b.ID[:16], b.Driver)
		}
	}
	for _, m := range v.Miners {
		fault := ""
		if m.Fault != "" {
			fault = "  fault " + m.Fault
		}
		fmt.Fprintf(w, "  %-10s  %s  reputation miner of operator %s%s\n", m.Name, m.Endpoint, m.Address, fault)
	}
	for _, p := range v.Packages {
		fmt.Fprintf(w, "  package     %s %s  %s\n", p.Name, p.Version, p.ID)
	}
	if len(v.Packages) == 0 {
		fmt.Fprintln(w, "  (no example packages: run make examples, then restart the devnet)")
	}
	home := ""
	if !d.ProfileActive {
		home = " --home " + d.Home
	}
	fmt.Fprintf(w, "order from another terminal:\n  cell order run examples/digest%s --input genome=examples/data/lambda.fa --param ENZYMES=EcoRI --max-price 5000\n", home)
	fmt.Fprintf(w, "  cell order run examples/protocols/lambda-pcr%s --param FORWARD=%s --param REVERSE=%s --max-price 5000\n", home, examplePrimers[0], examplePrimers[1])
	fmt.Fprintln(w, "stop with Ctrl-C")
}

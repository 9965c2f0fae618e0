package cli

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/client/repproof"
	"github.com/celltonomy/celltonomy/miner"
)

// minerKey is the default keyring name of a miner's account.
const minerKey = "miner"

// newMinerCmd is `cell miner …`: the reputation miner daemon.
func newMinerCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "miner", Short: "Run a reputation miner: replay the reputation logs, submit roots, serve proofs"}
	var o miner.Options
	var keyName, logLevel, fault string
	pass := passphrases{g: g}
	start := &cobra.Command{
		Use:   "start [--chain-rpc URL] [--key NAME] [--listen HOST:PORT] [--stake UCELL] [--fault wrong-root]",
		Short: "Run the reputation miner until interrupted",
		Long: `start runs a reputation miner (package miner). It stakes up to --stake
(default: the chain's min_miner_stake) from the account --key of the keyring
of --home, follows the chain, replays every frozen reputation update log
exactly as the Colony Network's reference miner does, submits the mining
cycle's root, nLeaves and JRH once it has been staked long enough
(miner_min_staked_cycles) and one of its entry indices is eligible, answers
every step of the challenges of that root when other roots compete with it,
checks its roots against the accepted ones (an error in the log when they
differ), and serves reputation with proofs against the accepted root:

  GET /v1/reputation/ADDRESS[?skill=ID]   leaves and Merkle proofs (cell rep show checks them)
  GET /v1/root                            latest computed and accepted roots
  GET /healthz

It keeps nothing it needs on disk: at every start it replays all frozen
cycles from the chain again. Logs go to stderr. Stop with Ctrl-C or SIGTERM.

--fault wrong-root is a tool for tests and devnets: the miner submits, for
every cycle with updates, a root wrong from the cycle's middle update on and
defends it, so that an honest miner beats it in the challenge and it loses
its stake.`,
		Example: `  cell keys add miner --dev
  cell tx bank send miner 10000000 --from validator
  cell miner start --stake 5000000`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var level slog.Level
			if err := level.UnmarshalText([]byte(logLevel)); err != nil {
				return &usageError{fmt.Errorf("--log-level %q: want debug, info, warn or error", logLevel)}
			}
			var err error
			if o.Fault, err = miner.ParseFault(fault); err != nil {
				return &usageError{fmt.Errorf("--fault: %w", err)}
			}
			if o.ChainRPC == "" {
				o.ChainRPC = g.cfg.Node.Value
			}
			if o.DataDir == "" {
				o.DataDir = filepath.Join(g.home, "miner")
			}
			key, err := signingKey(cmd, g, keyName, &pass)
			if err != nil {
				return err
			}
			o.Key = key
			o.Log = slog.New(slog.NewTextHandler(g.stderr, &slog.HandlerOptions{Level: level}))
			m, err := miner.New(o)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stderr, "cell: miner %s serving on %s, chain %s\n", m.Address(), m.Addr(), o.ChainRPC)
			return m.Run(cmd.Context())
		},
	}
	fl := start.Flags()
	fl.StringVar(&o.ChainRPC, "chain-rpc", "", "CometBFT RPC URL of a chain node (default: the node of the configuration, as --node of other commands: see cell config)")
	fl.StringVar(&keyName, "key", minerKey, "keyring name of the miner's account")
	fl.StringVar(&o.Listen, "listen", miner.DefaultListen, "host:port of the miner's HTTP server")
	fl.Uint64Var(&o.Stake, "stake", 0, "ucell to have staked at start, staking the difference (default: the chain's min_miner_stake)")
	fl.StringVar(&o.DataDir, "data-dir", "", "directory of the miner's records (default: --home/miner)")
	fl.Uint64Var(&o.Fee, "fee", 0, "fee of each transaction in ucell (default: the chain's min_fee)")
	fl.StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	fl.StringVar(&pass.file, "passphrase-file", "", "read the key's passphrase from the first line of FILE")
	fl.StringVar(&fault, "fault", "", "inject a fault, for tests and devnets: wrong-root (submit and defend a wrong root, and be slashed)")
	cmd.AddCommand(start)
	return cmd
}

// repShowLeaf is one line of `cell rep show`; its JSON is stable.
type repShowLeaf struct {
	Skill  uint64 `json:"skill"`
	Path   string `json:"path"`
	Amount string `json:"amount"`
	UID    uint64 `json:"uid"`
	Proof  string `json:"proof"`
}

// repShowJSON is the output of `cell rep show --output json`.
type repShowJSON struct {
	Address        string        `json:"address"`
	Cycle          uint64        `json:"cycle"`
	Root           string        `json:"root"`
	AcceptedHeight int64         `json:"accepted_height"`
	Miner          string        `json:"miner"`
	Leaves         []repShowLeaf `json:"leaves"`
}

// newRepShowCmd is `cell rep show`: a user's reputation from a miner,
// checked against the root the chain accepted.
func newRepShowCmd(g *globals) *cobra.Command {
	var skill, minerURL string
	nf := nodeFlags{g: g}
	cmd := &cobra.Command{
		Use:   "show ADDRESS [--skill S] [--miner URL]",
		Short: "Show an address's reputation from a miner, each leaf's proof checked against the accepted root",
		Long: `show asks a reputation miner (--miner) for the leaves of ADDRESS (cell1… or
0x hex) in the network colony, all of them or those of --skill (an id or a
path such as compute/genomics), with their Merkle proofs; reads the
accepted reputation root from the chain (--node); and checks every proof
against that root. It prints each skill's path and id, the reputation, the
leaf's UID and "proof ok", and fails if any proof does not verify: the
miner need not be trusted.`,
		Example: `  cell rep show cell1… --skill compute
  cell rep show 0x… --miner http://127.0.0.1:26690 --output json`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			user, err := repproof.ParseAddress(args[0])
			if err != nil {
				return &usageError{err}
			}
			c, err := nf.client()
			if err != nil {
				return err
			}
			var skillID uint64
			if skill != "" {
				if skillID, err = strconv.ParseUint(skill, 10, 64); err != nil {
					sk, qerr := c.Skill(ctx, skill)
					if qerr != nil {
						return fmt.Errorf("--skill %s: %w", skill, qerr)
					}
					skillID = sk.GetId()
				}
				if skillID == 0 {
					return &usageError{fmt.Errorf("--skill %s: skill ids start at 1", skill)}
				}
			}
			acc, ok, err := c.AcceptedRoot(ctx)
			if err != nil {
				return fmt.Errorf("accepted root: %w", err)
			}
			if !ok {
				return fmt.Errorf("no reputation root has been accepted on chain yet")
			}
			mc, err := repproof.NewClient(minerURL)
			if err != nil {
				return &usageError{fmt.Errorf("--miner: %w", err)}
			}
			resp, err := mc.Reputation(ctx, user, skillID)
			if err != nil {
				return err
			}
			leaves, err := repproof.VerifyReputation(resp, acc, user)
			if err != nil {
				return fmt.Errorf("the miner's answer does not check out against the accepted root of cycle %d: %w", acc.Cycle, err)
			}
			paths := map[uint64]string{}
			if skills, err := client.All(c.Skills(ctx)); err == nil {
				for _, s := range skills {
					paths[s.GetId()] = s.GetPath()
				}
			} else {
				fmt.Fprintf(g.stderr, "cell: skill paths: %v\n", err)
			}
			out := repShowJSON{Address: user.String(), Cycle: acc.Cycle, Root: resp.Root, AcceptedHeight: acc.Height, Miner: minerURL, Leaves: []repShowLeaf{}}
			for _, l := range leaves {
				out.Leaves = append(out.Leaves, repShowLeaf{Skill: l.Skill, Path: paths[l.Skill], Amount: l.Reputation.String(), UID: l.UID, Proof: "ok"})
			}
			if g.output == outputJSON {
				return g.json("proven-reputation", out)
			}
			fmt.Fprintf(g.stdout, "reputation of %s in the network colony\naccepted root %s (cycle %d, height %d)\n", out.Address, out.Root, out.Cycle, out.AcceptedHeight)
			if len(out.Leaves) == 0 {
				fmt.Fprintln(g.stdout, "no reputation")
				return nil
			}
			tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SKILL\tID\tAMOUNT\tUID\tPROOF")
			for _, l := range out.Leaves {
				fmt.Fprintf(tw, "%s\t%d\t%s\t%d\tproof %s\n", l.Path, l.Skill, l.Amount, l.UID, l.Proof)
			}
			return tw.Flush()
		},
	}
	nf.register(cmd)
	cmd.Flags().StringVar(&skill, "skill", "", "only this skill: an id or a path")
	cmd.Flags().StringVar(&minerURL, "miner", "http://"+miner.DefaultListen, "URL of a reputation miner's HTTP API (CELL_MINER or the profile's miner replace the default)")
	return cmd
}

package cli

import (
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/miner"
)

// minerKey is the default keyring name of a miner's account.
const minerKey = "miner"

// newMinerCmd is `cell miner …`: the reputation miner daemon.
func newMinerCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "miner", Short: "Run a reputation miner: replay the reputation logs, submit roots, serve proofs"}
	var o miner.Options
	var keyName, logLevel, fault string
	var lf logFlags
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
cycles from the chain again. Logs go to stderr, or with --log-file to a file
rotated at --log-max-mb, keeping --log-backups gzipped old files. Stop with
Ctrl-C or SIGTERM.

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
			logw, err := lf.open(g.stderr)
			if err != nil {
				return err
			}
			defer logw.Close()
			o.Log = slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: level}))
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
	lf.register(start)
	cmd.AddCommand(start)
	return cmd
}

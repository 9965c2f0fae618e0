package cli

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/node"
	"github.com/celltonomy/celltonomy/node/config"
)

// newNodeCmd is `cell node …`: the fulfillment node of a vendor.
func newNodeCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "node", Short: "Run a fulfillment node: bid on orders, run packages, deliver, verify"}
	cmd.AddCommand(newNodeInitCmd(g), newNodeStartCmd(g))
	return cmd
}

func newNodeInitCmd(g *globals) *cobra.Command {
	var chainRPC, listen, endpoint string
	var capacity int
	var dev bool
	initCmd := &cobra.Command{
		Use:   "init [--chain-rpc URL] [--listen HOST:PORT] [--endpoint URL] [--capacity N] [--dev]",
		Short: "Create a node home: node.toml, the node key, and the operator key",
		Long: `init writes node.toml (see below), a new node key (node_key.json) and, unless
the keyring of --home has one, an operator key "operator" that signs the
node's transactions and holds its stakes: encrypted with the passphrase in
CELL_KEYRING_PASSPHRASE, or unencrypted with --dev. Fund the operator
account, edit node.toml (pricing, verifier), then run cell node start.`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := os.Stat(g.home + "/" + config.FileName); err == nil {
				return fmt.Errorf("%s/%s exists; edit it or pick another --home", g.home, config.FileName)
			}
			cfg := config.Default(g.home)
			if chainRPC != "" {
				cfg.ChainRPC = chainRPC
			}
			if listen != "" {
				cfg.Listen = listen
			}
			if endpoint != "" {
				cfg.Endpoint = endpoint
			}
			if capacity != 0 {
				cfg.Capacity = capacity
			}
			if err := cfg.Validate(); err != nil {
				return &usageError{err}
			}
			if err := os.MkdirAll(g.home, 0o700); err != nil {
				return err
			}
			op, err := g.accountKey(g.home, cfg.OperatorKey, dev)
			if err != nil {
				return err
			}
			if err := config.Write(g.home, cfg); err != nil {
				return err
			}
			nk, err := node.LoadOrCreateNodeKey(cfg.NodeKeyFile)
			if err != nil {
				return err
			}
			pub := hex.EncodeToString(nk.Public().(ed25519.PublicKey))
			if g.output == outputJSON {
				return g.json("node-init", map[string]string{"home": g.home, "node_key": pub, "operator": op.Address.String(), "endpoint": cfg.Endpoint})
			}
			fmt.Fprintf(g.stdout, "node home  %s\nnode key   %s\noperator   %s (key %q)\nendpoint   %s\nfund the operator, then run: cell node start --home %s\n",
				g.home, pub, op.Address, cfg.OperatorKey, cfg.Endpoint, g.home)
			return nil
		},
	}
	initCmd.Flags().StringVar(&chainRPC, "chain-rpc", "", "CometBFT RPC URL of a chain node (default "+config.DefaultChainRPC+")")
	initCmd.Flags().StringVar(&listen, "listen", "", "host:port of the node's HTTP server (default "+config.DefaultListen+")")
	initCmd.Flags().StringVar(&endpoint, "endpoint", "", "public URL announced in the registry (default "+config.DefaultEndpoint+")")
	initCmd.Flags().IntVar(&capacity, "capacity", 0, fmt.Sprintf("jobs run at once (default %d)", config.DefaultCapacity))
	initCmd.Flags().BoolVar(&dev, "dev", false, "store the operator key unencrypted (local development only)")
	return initCmd
}

func newNodeStartCmd(g *globals) *cobra.Command {
	var fault, logLevel string
	var pass passphrases
	var lf logFlags
	startCmd := &cobra.Command{
		Use:   "start [--fault wrong-output|no-delivery]",
		Short: "Run the fulfillment node of --home until interrupted",
		Long: `start loads node.toml from --home, announces the node in the registry, follows
the chain, bids on orders by its pricing policy, runs awarded packages in
WebAssembly, delivers, and verifies disputes when drawn. Logs go to stderr, or
with --log-file to a file rotated at --log-max-mb, keeping --log-backups
gzipped old files. Stop with Ctrl-C or SIGTERM; jobs resume at the next start.

--fault makes the node misbehave on purpose, for tests and demonstrations of
disputes: wrong-output delivers a corrupted output root, no-delivery never
delivers.`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := node.ParseFault(fault)
			if err != nil {
				return &usageError{err}
			}
			var level slog.Level
			if err := level.UnmarshalText([]byte(logLevel)); err != nil {
				return &usageError{fmt.Errorf("--log-level %q: want debug, info, warn or error", logLevel)}
			}
			cfg, err := config.Load(g.home)
			if errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("%s/%s: not found; create it with cell node init --home %s", g.home, config.FileName, g.home)
			}
			if err != nil {
				return err
			}
			nk, err := node.LoadNodeKey(cfg.NodeKeyFile)
			if err != nil {
				return err
			}
			op, err := signingKey(cmd, g, cfg.OperatorKey, &pass)
			if err != nil {
				return err
			}
			logw, err := lf.open(g.stderr)
			if err != nil {
				return err
			}
			defer logw.Close()
			log := slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: level}))
			n, err := node.New(cmd.Context(), cfg, node.Options{NodeKey: nk, OperatorKey: op, Fault: f, Log: log})
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stderr, "cell: node %x serving %s (listening on %s), operator %s, chain %s\n", n.NodeKey(), cfg.Endpoint, n.Addr(), n.Operator(), cfg.ChainRPC)
			return n.Run(cmd.Context())
		},
	}
	startCmd.Flags().StringVar(&fault, "fault", "", "inject a fault: wrong-output, no-delivery, silent-verifier, false-missing-inputs or skip-step")
	startCmd.Flags().StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	startCmd.Flags().StringVar(&pass.file, "passphrase-file", "", "read the operator key's passphrase from the first line of FILE")
	lf.register(startCmd)
	return startCmd
}

package cli

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/chain"
	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/client/keyring"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/ledger/staking"
)

// nodeFlags are the flags of commands that talk to a node.
type nodeFlags struct {
	node string
	g    *globals
}

func (f *nodeFlags) register(cmd *cobra.Command) {
	cmd.PersistentFlags().StringVar(&f.node, "node", "", "CometBFT RPC URL of the node (default: CELL_NODE, else the profile's node, else the one in the home's config, else http://127.0.0.1:26657)")
}

// client talks to --node, which the configuration fills in when it is not
// given (globals.applyConfig).
func (f *nodeFlags) client() (*client.Client, error) {
	return client.New(f.node)
}

// txFlags are the flags of commands that sign a transaction.
type txFlags struct {
	nodeFlags
	from string
	fee  uint64
	pass passphrases
}

func (f *txFlags) register(cmd *cobra.Command) {
	f.nodeFlags.register(cmd)
	fl := cmd.PersistentFlags()
	fl.StringVar(&f.from, "from", operatorKey, "keyring name of the signing key (CELL_KEY or the profile's key replace the default)")
	fl.Uint64Var(&f.fee, "fee", params.Default().MinFee, "fee in ucell (at least the chain's min_fee)")
	fl.StringVar(&f.pass.file, "passphrase-file", "", "read the key's passphrase from the first line of FILE")
}

// send signs msgs with --from, broadcasts them and prints the result.
func (f *txFlags) send(cmd *cobra.Command, msgs ...*ledgerpb.Msg) error {
	return f.sendBuilt(cmd, func(context.Context, *client.Client, string, address.Address) ([]*ledgerpb.Msg, error) {
		return msgs, nil
	})
}

// buildFunc builds the messages of a transaction that depend on the
// chain: its id (a key possession proof signs it), its state (read
// through c) or the signer's address (from).
type buildFunc func(ctx context.Context, c *client.Client, chainID string, from address.Address) ([]*ledgerpb.Msg, error)

// sendBuilt is send for messages that build makes once the chain and
// the --from key are known.
func (f *txFlags) sendBuilt(cmd *cobra.Command, build buildFunc) error {
	g := f.g
	priv, err := signingKey(cmd, g, f.from, &f.pass)
	if err != nil {
		return err
	}
	from, err := address.FromPubKey(priv.Public().(ed25519.PublicKey))
	if err != nil {
		return err
	}
	c, err := f.client()
	if err != nil {
		return err
	}
	st, err := c.Status(cmd.Context())
	if err != nil {
		return fmt.Errorf("node: %w", err)
	}
	msgs, err := build(cmd.Context(), c, st.NodeInfo.Network, from)
	if err != nil {
		return err
	}
	res, err := c.Send(cmd.Context(), priv, st.NodeInfo.Network, f.fee, msgs...)
	if err != nil && res.Code == 0 {
		return err
	}
	if g.output == outputJSON {
		if jerr := g.json("tx", txJSON(res)); jerr != nil {
			return jerr
		}
	} else {
		printTx(g, res)
	}
	if res.Code != 0 {
		return &ExitError{Code: 1}
	}
	return nil
}

type txResultJSON struct {
	Hash      string      `json:"hash"`
	Height    int64       `json:"height"`
	Code      uint32      `json:"code"`
	Codespace string      `json:"codespace,omitempty"`
	Log       string      `json:"log,omitempty"`
	Events    []eventJSON `json:"events,omitempty"`
}

// eventJSON is an event as the JSON output shows it: an attribute key
// that appears twice keeps its last value.
type eventJSON struct {
	Type       string            `json:"type"`
	Attributes map[string]string `json:"attributes"`
}

func eventsJSON(evs []event.Typed) []eventJSON {
	var out []eventJSON
	for _, e := range evs {
		ev := event.Encode(e)
		j := eventJSON{Type: ev.Type, Attributes: map[string]string{}}
		for _, a := range ev.Attributes {
			j.Attributes[a.Key] = a.Value
		}
		out = append(out, j)
	}
	return out
}

func txJSON(r client.TxResult) txResultJSON {
	return txResultJSON{Hash: strings.ToUpper(hex.EncodeToString(r.Hash)), Height: r.Height, Code: r.Code, Codespace: r.Codespace, Log: r.Log,
		Events: eventsJSON(r.Events)}
}

func printTx(g *globals, r client.TxResult) {
	status := "ok"
	if r.Code != 0 {
		status = fmt.Sprintf("failed: code %d (%s): %s", r.Code, r.Codespace, r.Log)
	}
	fmt.Fprintf(g.stdout, "tx %X\nheight %d\n%s\n", r.Hash, r.Height, status)
	for _, e := range eventsJSON(r.Events) {
		var attrs []string
		for k, v := range e.Attributes {
			attrs = append(attrs, k+"="+v)
		}
		slices.Sort(attrs)
		fmt.Fprintf(g.stdout, "  %s %s\n", e.Type, strings.Join(attrs, " "))
	}
}

// resolveAddress accepts a bech32 address or the name of a key in the
// keyring.
func resolveAddress(g *globals, s string) (address.Address, error) {
	if strings.HasPrefix(s, address.Prefix+"1") {
		return address.Parse(s)
	}
	kr, err := keyring.Open(keyring.Dir(g.home))
	if err != nil {
		return address.Address{}, err
	}
	info, err := kr.Show(s)
	if err != nil {
		return address.Address{}, fmt.Errorf("%q is neither a cell1… address nor a key: %w", s, err)
	}
	return info.Address, nil
}

func parseAmount(s string) (uint64, error) {
	n, err := strconv.ParseUint(strings.TrimSuffix(s, "ucell"), 10, 64)
	if err != nil {
		return 0, &usageError{fmt.Errorf("amount %q: want a whole number of ucell, e.g. 1500 or 1500ucell", s)}
	}
	return n, nil
}

func newTxCmd(g *globals) *cobra.Command {
	f := &txFlags{nodeFlags: nodeFlags{g: g}, pass: passphrases{g: g}}
	cmd := &cobra.Command{Use: "tx", Short: "Sign and broadcast transactions, and wait for them to commit"}
	f.register(cmd)

	bank := &cobra.Command{Use: "bank", Short: "Transfers"}
	bank.AddCommand(&cobra.Command{
		Use:   "send TO AMOUNT",
		Short: "Send AMOUNT ucell from --from to TO (an address or a key name)",
		Args:  exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			to, err := resolveAddress(g, args[0])
			if err != nil {
				return err
			}
			amount, err := parseAmount(args[1])
			if err != nil {
				return err
			}
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_Send{Send: &ledgerpb.MsgSend{To: to[:], Amount: amount}}})
		},
	})

	stakingCmd := &cobra.Command{Use: "staking", Short: "Validators and stake"}
	var keyFile, moniker string
	create := &cobra.Command{
		Use:   "create-validator SELF_BOND",
		Short: "Make --from a validator with the consensus key of --home (or --consensus-key-file), bonding SELF_BOND ucell",
		Long: `create-validator makes --from a validator. The consensus key is read from a
CometBFT priv_validator_key.json (--consensus-key-file, default
HOME/config/priv_validator_key.json); it signs the chain's proof that --from
holds it (staking.ConsensusKeyProofBytes), so nobody can register another
validator's key.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			bond, err := parseAmount(args[0])
			if err != nil {
				return err
			}
			if keyFile == "" {
				keyFile = chain.ConsensusKeyFile(g.home)
			}
			cons, err := chain.LoadConsensusKey(keyFile)
			if err != nil {
				return err
			}
			return f.sendBuilt(cmd, func(_ context.Context, _ *client.Client, chainID string, from address.Address) ([]*ledgerpb.Msg, error) {
				return []*ledgerpb.Msg{{Sum: &ledgerpb.Msg_CreateValidator{CreateValidator: &ledgerpb.MsgCreateValidator{
					ConsensusPubkey: cons.Public().(ed25519.PublicKey), SelfBond: bond, Moniker: moniker,
					ConsensusSignature: staking.SignConsensusKeyProof(cons, chainID, from),
				}}}}, nil
			})
		},
	}
	create.Flags().StringVar(&keyFile, "consensus-key-file", "", "CometBFT priv_validator_key.json holding the consensus key (default: HOME/config/priv_validator_key.json)")
	create.Flags().StringVar(&moniker, "moniker", "", "validator name")
	bond := &cobra.Command{
		Use:   "bond AMOUNT",
		Short: "Bond AMOUNT more ucell to --from's validator",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			amount, err := parseAmount(args[0])
			if err != nil {
				return err
			}
			op, err := resolveAddress(g, f.from)
			if err != nil {
				return err
			}
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_Bond{Bond: &ledgerpb.MsgBond{Validator: op[:], Amount: amount}}})
		},
	}
	unbond := &cobra.Command{
		Use:   "unbond AMOUNT",
		Short: "Unbond AMOUNT ucell from --from's validator; it returns after the unbonding period",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			amount, err := parseAmount(args[0])
			if err != nil {
				return err
			}
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_Unbond{Unbond: &ledgerpb.MsgUnbond{Amount: amount}}})
		},
	}
	stakingCmd.AddCommand(create, bond, unbond)
	cmd.AddCommand(bank, stakingCmd, newRegistryTxCmd(g, f))
	cmd.AddCommand(newMarketTxCmd(g, f), newReputationTxCmd(f))
	return cmd
}

func newQueryCmd(g *globals) *cobra.Command {
	f := &nodeFlags{g: g}
	cmd := &cobra.Command{Use: "query", Aliases: []string{"q"}, Short: "Read the ledger: balances (proven against the app hash), transactions, validators"}
	f.register(cmd)
	bank := &cobra.Command{Use: "bank", Short: "Balances"}
	bank.AddCommand(&cobra.Command{
		Use:   "balance ADDRESS|KEY",
		Short: "Print a balance in ucell, read with a proof checked against the app hash",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			addr, err := resolveAddress(g, args[0])
			if err != nil {
				return err
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			bal, h, err := c.ProvenBalance(cmd.Context(), addr)
			if err != nil {
				return err
			}
			if g.output == outputJSON {
				return g.json("balance", map[string]any{"address": addr.String(), "balance": bal, "height": h, "proven": true})
			}
			fmt.Fprintf(g.stdout, "%d ucell\n", bal)
			fmt.Fprintf(g.stderr, "cell: %s at height %d, proven against the app hash of block %d\n", addr, h, h+1)
			return nil
		},
	})
	txq := &cobra.Command{
		Use:   "tx HASH",
		Short: "Print a committed transaction's result",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			hash, err := hex.DecodeString(args[0])
			if err != nil {
				return &usageError{fmt.Errorf("HASH: want hex: %w", err)}
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			r, err := c.Tx(cmd.Context(), hash)
			if err != nil {
				return err
			}
			if g.output == outputJSON {
				return g.json("tx", txJSON(r))
			}
			printTx(g, r)
			return nil
		},
	}
	staking := &cobra.Command{Use: "staking", Short: "Validators"}
	staking.AddCommand(&cobra.Command{
		Use:   "validators",
		Short: "List the validators with their stake and voting power",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			return printValidators(cmd.Context(), g, c)
		},
	})
	cmd.AddCommand(bank, txq, staking, newRegistryQueryCmd(g, f))
	cmd.AddCommand(newMarketQueryCmd(g, f), newReputationQueryCmd(g, f))
	return cmd
}

func printValidators(ctx context.Context, g *globals, c *client.Client) error {
	vals, err := client.All(c.Validators(ctx))
	if err != nil {
		return err
	}
	type valJSON struct {
		Operator        string `json:"operator"`
		ConsensusPubkey string `json:"consensus_pubkey"`
		Moniker         string `json:"moniker"`
		Bonded          uint64 `json:"bonded"`
		Power           int64  `json:"power"`
		Jailed          bool   `json:"jailed"`
	}
	out := []valJSON{}
	for _, v := range vals {
		op, _ := address.FromBytes(v.GetValidator().GetOperator())
		out = append(out, valJSON{op.String(), hex.EncodeToString(v.GetValidator().GetConsensusPubkey()), v.GetValidator().GetMoniker(),
			v.GetValidator().GetBonded(), v.GetPower(), v.GetValidator().GetJailed()})
	}
	if g.output == outputJSON {
		return g.json("validator", out)
	}
	for _, v := range out {
		jailed := ""
		if v.Jailed {
			jailed = " JAILED"
		}
		fmt.Fprintf(g.stdout, "%s  %-12s bonded %d ucell  power %d%s\n", v.Operator, v.Moniker, v.Bonded, v.Power, jailed)
	}
	return nil
}

func newStatusCmd(g *globals) *cobra.Command {
	f := &nodeFlags{g: g}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Print the node's chain id, latest height and app hash",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			st, err := c.Status(cmd.Context())
			if err != nil {
				return err
			}
			v := map[string]any{
				"chain_id": st.NodeInfo.Network, "moniker": st.NodeInfo.Moniker, "node_id": string(st.NodeInfo.DefaultNodeID),
				"latest_height": st.SyncInfo.LatestBlockHeight, "latest_app_hash": st.SyncInfo.LatestAppHash.String(),
				"latest_block_time": st.SyncInfo.LatestBlockTime, "catching_up": st.SyncInfo.CatchingUp,
				"voting_power": st.ValidatorInfo.VotingPower,
			}
			if g.output == outputJSON {
				return g.json("status", v)
			}
			fmt.Fprintf(g.stdout, "chain %s  node %s (%s)\nheight %d  app hash %s  time %s\ncatching up %v  voting power %d\n",
				st.NodeInfo.Network, st.NodeInfo.Moniker, st.NodeInfo.DefaultNodeID, st.SyncInfo.LatestBlockHeight,
				st.SyncInfo.LatestAppHash, st.SyncInfo.LatestBlockTime.UTC().Format("2006-01-02T15:04:05Z"),
				st.SyncInfo.CatchingUp, st.ValidatorInfo.VotingPower)
			return nil
		},
	}
	f.register(cmd)
	return cmd
}

// signingKey returns the private key of the keyring key name, asking for
// its passphrase when it is encrypted and warning when it is not.
func signingKey(cmd *cobra.Command, g *globals, name string, pass *passphrases) (ed25519.PrivateKey, error) {
	kr, err := keyring.Open(keyring.Dir(g.home))
	if err != nil {
		return nil, err
	}
	info, err := kr.Show(name)
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", name, err)
	}
	var secret []byte
	if info.Encrypted {
		if secret, err = pass.read(cmd, fmt.Sprintf("passphrase of %s: ", name), false); err != nil {
			return nil, err
		}
	} else {
		warnUnencrypted(g, kr, info)
	}
	return kr.PrivateKey(name, secret)
}

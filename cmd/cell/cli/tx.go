package cli

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/chain"
	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/staking"
)

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
		if r.Height == 0 {
			status = fmt.Sprintf("refused: code %d (%s): %s\nnot broadcast: the ledger refuses it (simulated), no fee paid", r.Code, r.Codespace, r.Log)
		}
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
	stakingCmd.AddCommand(newTxStakingDelegationCmds(g, f)...)
	cmd.AddCommand(bank, stakingCmd, newTxRegistryCmd(g, f))
	cmd.AddCommand(newTxMarketCmd(g, f), newTxReputationCmd(f))
	cmd.AddCommand(newTxGovCmd(f))
	return cmd
}

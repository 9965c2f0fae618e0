package cli

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"time"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/auth"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/spf13/cobra"
)

// nodeFlags are the flags of commands that talk to a node.
type nodeFlags struct {
	node  string
	trust string
	g     *globals
}

func (f *nodeFlags) register(cmd *cobra.Command) {
	cmd.PersistentFlags().StringVar(&f.node, "node", "", "CometBFT RPC URL of the node (default: CELL_NODE, else the profile's node, else the one in the home's config, else http://127.0.0.1:26657)")
	cmd.PersistentFlags().StringVar(&f.trust, "trust", "", "HEIGHT:HASH of the block header proven reads are verified from (default: CELL_TRUST, else the profile's with its node, else the node's first header)")
}

// client talks to --node, which the configuration fills in when it is not
// given (globals.applyConfig), and verifies proven reads from --trust.
func (f *nodeFlags) client() (*client.Client, error) {
	c, err := client.New(f.node)
	if err != nil {
		return nil, err
	}
	if f.trust != "" {
		root, err := client.ParseTrustRoot(f.trust)
		if err != nil {
			return nil, &usageError{fmt.Errorf("--trust: %w", err)}
		}
		c.Trust(root)
	}
	return c, nil
}

// addressClient resolves the ADDRESS|KEY argument arg (resolveAddress)
// and returns it with a client of --node.
func (f *nodeFlags) addressClient(g *globals, arg string) (address.Address, *client.Client, error) {
	addr, err := resolveAddress(g, arg)
	if err != nil {
		return address.Address{}, nil, err
	}
	c, err := f.client()
	return addr, c, err
}

// txFlags are the flags of commands that sign a transaction.
type txFlags struct {
	nodeFlags
	from string
	fee  uint64
	pass passphrases
	// rebuildOn, if set, is a ledger error for which sendBuilt builds
	// and sends the transaction again (up to rebuildAttempts times), as it
	// does for a sequence another sender of the key used first: a
	// reputation proof read against an accepted root that a newer one
	// replaced before the transaction ran.
	rebuildOn error
}

// rebuildAttempts bounds how often sendBuilt builds a refused
// transaction again (txFlags.rebuildOn).
const rebuildAttempts = 3

// rebuildWait bounds the wait for the next block before a rebuild.
const rebuildWait = 30 * time.Second

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
	var res client.TxResult
	for attempt := 1; ; attempt++ {
		msgs, berr := build(cmd.Context(), c, st.NodeInfo.Network, from)
		if berr != nil {
			return berr
		}
		res, err = c.Send(cmd.Context(), priv, st.NodeInfo.Network, f.fee, msgs...)
		retry := errors.Is(err, auth.ErrWrongSequence) || f.rebuildOn != nil && errors.Is(err, f.rebuildOn)
		if err == nil || !retry || attempt == rebuildAttempts {
			break
		}
		// Refused, not broadcast, for a reason a fresh build may cure:
		// another sender of the same key (a node or miner daemon) used
		// the sequence first, or a proof was made against a root the
		// chain replaced since. Build and sign again once the next block
		// is in (the account's sequence is read from committed state).
		if werr := waitNextBlock(cmd.Context(), c); werr != nil {
			break
		}
	}
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

// waitNextBlock waits until the chain's latest height passes the one it
// reads first, for at most rebuildWait.
func waitNextBlock(ctx context.Context, c *client.Client) error {
	ctx, cancel := context.WithTimeout(ctx, rebuildWait)
	defer cancel()
	st, err := c.Status(ctx)
	if err != nil {
		return err
	}
	h := st.SyncInfo.LatestBlockHeight
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if st, err := c.Status(ctx); err == nil && st.SyncInfo.LatestBlockHeight > h {
			return nil
		}
	}
}

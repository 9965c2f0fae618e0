package cli

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"os"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/registry"
	"github.com/celltonomy/celltonomy/node"
	"github.com/celltonomy/celltonomy/spec"
)

// newTxRegistryCmd is `cell tx registry …`: profiles, nodes, packages and
// offerings (ledger/registry has the rules).
func newTxRegistryCmd(g *globals, f *txFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "registry", Short: "Profiles, nodes, packages and offerings"}
	cmd.AddCommand(newTxRegistrySetProfileCmd(g, f), newTxRegistryAnnounceNodeCmd(g, f), newTxRegistryRemoveNodeCmd(g, f), newTxRegistryRegisterPackageCmd(g, f), newTxRegistrySetOfferingCmd(g, f), newTxRegistryRemoveOfferingCmd(g, f))
	return cmd
}

func newTxRegistrySetProfileCmd(g *globals, f *txFlags) *cobra.Command {
	var roles []string
	var contact string
	profile := &cobra.Command{
		Use:   "set-profile NAME",
		Short: "Create or replace --from's profile",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m := &ledgerpb.MsgSetProfile{Name: args[0], Contact: contact}
			for _, s := range roles {
				r, err := registry.ParseRole(s)
				if err != nil {
					return &usageError{fmt.Errorf("--role: %w", err)}
				}
				m.Roles = append(m.Roles, r)
			}
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_SetProfile{SetProfile: m}})
		},
	}
	profile.Flags().StringSliceVar(&roles, "role", nil, "a role: buyer, vendor, validator or governor (repeat or separate with commas)")
	profile.Flags().StringVar(&contact, "contact", "", "how to reach you (e-mail, URL, …)")
	return profile
}

func newTxRegistryAnnounceNodeCmd(g *globals, f *txFlags) *cobra.Command {
	var archs, botspecs []string
	var capacity uint32
	var nodeKeyFile string
	announce := &cobra.Command{
		Use:   "announce-node ENDPOINT --node-key-file FILE",
		Short: "Register or refresh a node of --from: its key file and its http(s) endpoint",
		Long: `announce-node registers a fulfillment node operated by --from, or refreshes it.
The node's key is read from its key file (--node-key-file, as cell node init
writes it: {"type": "ed25519", "public_key": HEX, "seed": HEX}); it signs the
chain's proof that --from holds it (registry.NodeKeyProofBytes), so nobody can
announce another operator's node. A node is active for node_ttl_blocks blocks
(a chain param) after its latest announcement; announce again before that to
stay active.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if nodeKeyFile == "" {
				return &usageError{fmt.Errorf("--node-key-file: required: the node's key file")}
			}
			key, err := node.LoadNodeKey(nodeKeyFile)
			if err != nil {
				return err
			}
			m := &ledgerpb.MsgAnnounceNode{NodePubkey: key.Public().(ed25519.PublicKey), Endpoint: args[0], Architectures: archs, Capacity: capacity}
			for _, s := range botspecs {
				h, err := hexArg("--botspec", s, registry.BotSpecHashSize)
				if err != nil {
					return err
				}
				m.BotspecHashes = append(m.BotspecHashes, h)
			}
			return f.sendBuilt(cmd, func(_ context.Context, _ *client.Client, chainID string, from address.Address) ([]*ledgerpb.Msg, error) {
				m.NodeSignature = registry.SignNodeKeyProof(key, chainID, from)
				return []*ledgerpb.Msg{{Sum: &ledgerpb.Msg_AnnounceNode{AnnounceNode: m}}}, nil
			})
		},
	}
	announce.Flags().StringVar(&nodeKeyFile, "node-key-file", "", "the node's key file (required)")
	announce.Flags().StringSliceVar(&archs, "arch", []string{spec.ArchWasm32WASIP1}, "architectures the node executes")
	announce.Flags().StringSliceVar(&botspecs, "botspec", nil, "SHA-256 in hex of a BotSpec of the node's lab bots")
	announce.Flags().Uint32Var(&capacity, "capacity", 1, "jobs the node runs at once")
	return announce
}

func newTxRegistryRemoveNodeCmd(g *globals, f *txFlags) *cobra.Command {
	remove := &cobra.Command{
		Use:   "remove-node NODE_PUBKEY",
		Short: "Remove a node of --from",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			key, err := hexArg("NODE_PUBKEY", args[0], registry.NodeKeySize)
			if err != nil {
				return err
			}
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_RemoveNode{RemoveNode: &ledgerpb.MsgRemoveNode{NodePubkey: key}}})
		},
	}
	return remove
}

func newTxRegistryRegisterPackageCmd(g *globals, f *txFlags) *cobra.Command {
	var locations []string
	register := &cobra.Command{
		Use:   "register-package FILE.cellpkg",
		Short: "Register a package signed by its author, --from",
		Long: `register-package registers the envelope of a .cellpkg file on chain. The file
must be signed by its author, and the author must be --from: the ledger
checks the signature over the envelope bytes, so an unsigned file cannot be
signed here without changing the bytes its author meant.

The ledger requires at least one --location, a URL where nodes fetch the
.cellpkg (at most 16). To have nodes serve it instead, order the package
from its directory or file (cell order run DIR|FILE.cellpkg): an
unregistered package is published first, its blob uploaded to the active
nodes, whose blob URLs (ENDPOINT/v1/blobs/SHA256) become its locations.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			p, err := spec.DecodePackage(data, spec.DefaultLimits())
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			if !p.Signed() {
				return fmt.Errorf("%s: the package is not signed: its author must sign it", args[0])
			}
			from, err := resolveAddress(g, f.from)
			if err != nil {
				return err
			}
			if author := address.Address(p.Envelope().GetAuthor()); author != from {
				return fmt.Errorf("%s: authored by %s, not by --from %s", args[0], author, from)
			}
			pub, sig := p.Signature()
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_RegisterPackage{RegisterPackage: &ledgerpb.MsgRegisterPackage{
				Envelope: p.EnvelopeBytes(), AuthorPublicKey: pub, AuthorSignature: sig,
				SpecSize: uint64(len(p.Spec().Bytes())), BlobLocations: locations,
			}}})
		},
	}
	register.Flags().StringSliceVar(&locations, "location", nil, "http(s) URL where the .cellpkg can be fetched (repeatable; at least one)")
	return register
}

func newTxRegistrySetOfferingCmd(g *globals, f *txFlags) *cobra.Command {
	var offerNode, offerStake, offerBotSpec string
	offer := &cobra.Command{
		Use:   "set-offering PACKAGE_ID PRICE LEAD_TIME_BLOCKS --node-key HEX|FILE",
		Short: "Offer a package at a fixed PRICE (ucell), delivered within LEAD_TIME_BLOCKS by a node of --from; --from must have the vendor role",
		Long: `set-offering offers a package at a fixed price. Each purchase is awarded at
once to the node --node-key names (an active node of --from: its public key in
hex, or its key file), with --stake (ucell) taken from --from's balance as the
bid stake of the purchase: at least min_bid_stake and bid_stake_ratio_bps of
the price (registry.OfferingMinStake), the default. An offering of a protocol
package names, with --botspec, the id of the BotSpec that runs its purchases:
one the node announced.`,
		Args: exactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := hexArg("PACKAGE_ID", args[0], registry.PackageIDSize)
			if err != nil {
				return err
			}
			price, err := parseAmount(args[1])
			if err != nil {
				return err
			}
			lead, err := strconv.ParseUint(args[2], 10, 64)
			if err != nil {
				return &usageError{fmt.Errorf("LEAD_TIME_BLOCKS %q: want a whole number of blocks", args[2])}
			}
			if offerNode == "" {
				return &usageError{fmt.Errorf("--node-key: required: the node that serves the purchases")}
			}
			node, err := nodePubKey("--node-key", offerNode)
			if err != nil {
				return err
			}
			stake, err := optionalAmount("--stake", offerStake)
			if err != nil {
				return err
			}
			var botspec []byte
			if offerBotSpec != "" {
				if botspec, err = hexArg("--botspec", offerBotSpec, registry.BotSpecHashSize); err != nil {
					return err
				}
			}
			return f.sendBuilt(cmd, func(ctx context.Context, c *client.Client, _ string, _ address.Address) ([]*ledgerpb.Msg, error) {
				if stake == 0 {
					p, err := c.Params(ctx)
					if err != nil {
						return nil, fmt.Errorf("params: %w", err)
					}
					stake = registry.OfferingMinStake(price, p)
				}
				return []*ledgerpb.Msg{{Sum: &ledgerpb.Msg_SetOffering{SetOffering: &ledgerpb.MsgSetOffering{
					PackageId: id, Price: price, LeadTimeBlocks: lead, NodeKey: node, Stake: stake, BotspecId: botspec}}}}, nil
			})
		},
	}
	offer.Flags().StringVar(&offerNode, "node-key", "", "the node that serves the purchases: its public key in hex or its key file (required)")
	offer.Flags().StringVar(&offerStake, "stake", "", "vendor stake per purchase in ucell (default: the least the chain accepts)")
	offer.Flags().StringVar(&offerBotSpec, "botspec", "", "the BotSpec id (32 bytes in hex) of an offering of a protocol package")
	return offer
}

func newTxRegistryRemoveOfferingCmd(g *globals, f *txFlags) *cobra.Command {
	unoffer := &cobra.Command{
		Use:   "remove-offering PACKAGE_ID",
		Short: "Withdraw --from's offering of a package",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := hexArg("PACKAGE_ID", args[0], registry.PackageIDSize)
			if err != nil {
				return err
			}
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_RemoveOffering{RemoveOffering: &ledgerpb.MsgRemoveOffering{PackageId: id}}})
		},
	}
	return unoffer
}

package cli

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/registry"
	"github.com/celltonomy/celltonomy/node"
	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/specpb"
)

// newRegistryTxCmd is `cell tx registry …`: profiles, nodes, packages and
// offerings (ledger/registry has the rules).
func newRegistryTxCmd(g *globals, f *txFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "registry", Short: "Profiles, nodes, packages and offerings"}

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

	var offerNode, offerStake string
	offer := &cobra.Command{
		Use:   "set-offering PACKAGE_ID PRICE LEAD_TIME_BLOCKS --node-key HEX|FILE",
		Short: "Offer a package at a fixed PRICE (ucell), delivered within LEAD_TIME_BLOCKS by a node of --from; --from must have the vendor role",
		Long: `set-offering offers a package at a fixed price. Each purchase is awarded at
once to the node --node-key names (an active node of --from: its public key in
hex, or its key file), with --stake (ucell) taken from --from's balance as the
bid stake of the purchase: at least min_bid_stake and bid_stake_ratio_bps of
the price (registry.OfferingMinStake), the default.`,
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
			return f.sendBuilt(cmd, func(ctx context.Context, c *client.Client, _ string, _ address.Address) ([]*ledgerpb.Msg, error) {
				if stake == 0 {
					p, err := c.Params(ctx)
					if err != nil {
						return nil, fmt.Errorf("params: %w", err)
					}
					stake = registry.OfferingMinStake(price, p)
				}
				return []*ledgerpb.Msg{{Sum: &ledgerpb.Msg_SetOffering{SetOffering: &ledgerpb.MsgSetOffering{
					PackageId: id, Price: price, LeadTimeBlocks: lead, NodeKey: node, Stake: stake}}}}, nil
			})
		},
	}
	offer.Flags().StringVar(&offerNode, "node-key", "", "the node that serves the purchases: its public key in hex or its key file (required)")
	offer.Flags().StringVar(&offerStake, "stake", "", "vendor stake per purchase in ucell (default: the least the chain accepts)")
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
	cmd.AddCommand(profile, announce, remove, register, offer, unoffer)
	return cmd
}

// hexArg decodes a hex argument of exactly size bytes.
func hexArg(name, s string, size int) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != size {
		return nil, &usageError{fmt.Errorf("%s: want %d bytes in hex (%d characters)", name, size, 2*size)}
	}
	return b, nil
}

// newRegistryQueryCmd is `cell query registry …`.
func newRegistryQueryCmd(g *globals, f *nodeFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "registry", Short: "Profiles, nodes, packages and offerings"}
	// nextHeight is the height nodes are judged at: the next block's,
	// where a bid sent now would land.
	nextHeight := func(ctx context.Context) (int64, error) {
		c, err := f.client()
		if err != nil {
			return 0, err
		}
		st, err := c.Status(ctx)
		if err != nil {
			return 0, fmt.Errorf("node: %w", err)
		}
		return st.SyncInfo.LatestBlockHeight + 1, nil
	}

	profile := &cobra.Command{
		Use:   "profile ADDRESS|KEY",
		Short: "Print an account's profile",
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
			p, err := c.Profile(cmd.Context(), addr)
			if err != nil {
				return err
			}
			out := profileOf(p)
			if g.output == outputJSON {
				return g.json(out)
			}
			fmt.Fprintf(g.stdout, "%s  %s  roles %s  contact %s\n", out.Owner, out.Name, orDash(strings.Join(out.Roles, ",")), orDash(out.Contact))
			return nil
		},
	}
	node := &cobra.Command{
		Use:   "node NODE_PUBKEY",
		Short: "Print a node and whether it is expired",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			key, err := hexArg("NODE_PUBKEY", args[0], registry.NodeKeySize)
			if err != nil {
				return err
			}
			h, err := nextHeight(cmd.Context())
			if err != nil {
				return err
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			st, err := c.Node(cmd.Context(), key, h)
			if err != nil {
				return err
			}
			return printNodes(g, []*ledgerpb.NodeStatus{st})
		},
	}
	nodes := &cobra.Command{
		Use:   "nodes [OPERATOR]",
		Short: "List the nodes, of one operator (an address or a key name) or all, with their expiry",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var op address.Address
			if len(args) == 1 {
				var err error
				if op, err = resolveAddress(g, args[0]); err != nil {
					return err
				}
			}
			h, err := nextHeight(cmd.Context())
			if err != nil {
				return err
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			nodes, err := client.All(c.Nodes(cmd.Context(), op, h))
			if err != nil {
				return err
			}
			return printNodes(g, nodes)
		},
	}
	pkg := &cobra.Command{
		Use:   "package PACKAGE_ID",
		Short: "Print a registered package",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := hexArg("PACKAGE_ID", args[0], registry.PackageIDSize)
			if err != nil {
				return err
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			p, err := c.Package(cmd.Context(), id)
			if err != nil {
				return err
			}
			return printPackages(g, []*ledgerpb.Package{p})
		},
	}
	pkgs := &cobra.Command{
		Use:   "packages NAME",
		Short: "List the registered versions of a package name, oldest first",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			pkgs, err := client.All(c.PackagesByName(cmd.Context(), args[0]))
			if err != nil {
				return err
			}
			return printPackages(g, pkgs)
		},
	}
	offerings := &cobra.Command{
		Use:   "offerings [VENDOR|PACKAGE_ID]",
		Short: "List the offerings: all, a vendor's (an address or a key name), or a package's (its id in hex)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var vendor address.Address
			var packageID []byte
			if len(args) == 1 {
				if id, err := hex.DecodeString(args[0]); err == nil && len(id) == registry.PackageIDSize {
					packageID = id
				} else if vendor, err = resolveAddress(g, args[0]); err != nil {
					return err
				}
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			out := []offeringJSON{}
			for o, err := range c.Offerings(cmd.Context(), vendor, packageID) {
				if err != nil {
					return err
				}
				out = append(out, offeringJSON{Vendor: addrString(o.Vendor), PackageID: hex.EncodeToString(o.PackageId),
					Price: o.Price, LeadTimeBlocks: o.LeadTimeBlocks, UpdatedHeight: o.UpdatedHeight})
			}
			if g.output == outputJSON {
				return g.json(out)
			}
			for _, o := range out {
				fmt.Fprintf(g.stdout, "%s  %s  %d ucell  %d blocks\n", o.Vendor, o.PackageID, o.Price, o.LeadTimeBlocks)
			}
			return nil
		},
	}
	cmd.AddCommand(profile, node, nodes, pkg, pkgs, offerings)
	return cmd
}

func mustProto(m proto.Message) []byte {
	b, err := proto.Marshal(m)
	if err != nil {
		panic(fmt.Sprintf("cli: marshal %T: %v", m, err)) // bytes and integers only: cannot fail
	}
	return b
}

func addrString(b []byte) string {
	a, err := address.FromBytes(b)
	if err != nil {
		return hex.EncodeToString(b)
	}
	return a.String()
}

type profileJSON struct {
	Owner         string   `json:"owner"`
	Name          string   `json:"name"`
	Roles         []string `json:"roles"`
	Contact       string   `json:"contact"`
	UpdatedHeight int64    `json:"updated_height"`
}

func profileOf(p *ledgerpb.Profile) profileJSON {
	out := profileJSON{Owner: addrString(p.Owner), Name: p.Name, Roles: []string{}, Contact: p.Contact, UpdatedHeight: p.UpdatedHeight}
	for _, r := range p.Roles {
		out.Roles = append(out.Roles, registry.RoleName(r))
	}
	return out
}

type nodeJSON struct {
	Operator            string   `json:"operator"`
	NodePubkey          string   `json:"node_pubkey"`
	Endpoint            string   `json:"endpoint"`
	Architectures       []string `json:"architectures"`
	BotSpecHashes       []string `json:"botspec_hashes"`
	Capacity            uint32   `json:"capacity"`
	RegisteredHeight    int64    `json:"registered_height"`
	LastAnnouncedHeight int64    `json:"last_announced_height"`
	ActiveUntilHeight   int64    `json:"active_until_height"`
	Expired             bool     `json:"expired"`
	// Prices is the node's published price list; absent if none.
	Prices *priceListJSON `json:"prices,omitempty"`
}

// priceListJSON is a node's published price list, amounts in ucell.
type priceListJSON struct {
	Base        uint64            `json:"base"`
	PerInputMiB uint64            `json:"per_input_mib"`
	Minimum     uint64            `json:"minimum"`
	Packages    map[string]uint64 `json:"packages,omitempty"`
}

func printNodes(g *globals, nodes []*ledgerpb.NodeStatus) error {
	out := []nodeJSON{}
	for _, s := range nodes {
		n := s.GetNode()
		j := nodeJSON{Operator: addrString(n.Operator), NodePubkey: hex.EncodeToString(n.NodePubkey), Endpoint: n.Endpoint,
			Architectures: append([]string{}, n.Architectures...), BotSpecHashes: []string{}, Capacity: n.Capacity,
			RegisteredHeight: n.RegisteredHeight, LastAnnouncedHeight: n.LastAnnouncedHeight,
			ActiveUntilHeight: s.ActiveUntilHeight, Expired: s.Expired}
		for _, h := range n.BotspecHashes {
			j.BotSpecHashes = append(j.BotSpecHashes, hex.EncodeToString(h))
		}
		if l := n.GetPrices(); l != nil {
			j.Prices = &priceListJSON{Base: l.Base, PerInputMiB: l.PerInputMib, Minimum: l.Minimum}
			for _, pp := range l.Packages {
				if j.Prices.Packages == nil {
					j.Prices.Packages = map[string]uint64{}
				}
				j.Prices.Packages[hex.EncodeToString(pp.PackageId)] = pp.Base
			}
		}
		out = append(out, j)
	}
	if g.output == outputJSON {
		return g.json(out)
	}
	for _, n := range out {
		state := fmt.Sprintf("active until %d", n.ActiveUntilHeight)
		if n.Expired {
			state = fmt.Sprintf("EXPIRED after %d", n.ActiveUntilHeight)
		}
		prices := "no prices"
		if l := n.Prices; l != nil {
			prices = fmt.Sprintf("prices %d + %d/MiB, min %d ucell", l.Base, l.PerInputMiB, l.Minimum)
			if len(l.Packages) > 0 {
				prices += fmt.Sprintf(" (%d package prices)", len(l.Packages))
			}
		}
		fmt.Fprintf(g.stdout, "%s  operator %s  %s  %s  capacity %d  %s  %s\n", n.NodePubkey, n.Operator, n.Endpoint,
			orDash(strings.Join(n.Architectures, ",")), n.Capacity, state, prices)
	}
	return nil
}

type packageJSON struct {
	PackageID        string   `json:"package_id"`
	Name             string   `json:"name"`
	Version          string   `json:"version"`
	Kind             string   `json:"kind"`
	Skill            string   `json:"skill"`
	Parent           string   `json:"parent"`
	RoyaltyBps       uint32   `json:"royalty_bps"`
	Author           string   `json:"author"`
	SpecSize         uint64   `json:"spec_size"`
	BlobLocations    []string `json:"blob_locations"`
	RegisteredHeight int64    `json:"registered_height"`
}

func printPackages(g *globals, pkgs []*ledgerpb.Package) error {
	out := []packageJSON{}
	for _, p := range pkgs {
		out = append(out, packageJSON{PackageID: hex.EncodeToString(p.PackageId), Name: p.Name, Version: p.Version,
			Kind: spec.KindName(specpb.Kind(p.Kind)), Skill: p.Skill, Parent: hex.EncodeToString(p.Parent), RoyaltyBps: p.RoyaltyBps,
			Author: addrString(p.Author), SpecSize: p.SpecSize, BlobLocations: append([]string{}, p.BlobLocations...),
			RegisteredHeight: p.RegisteredHeight})
	}
	if g.output == outputJSON {
		return g.json(out)
	}
	for _, p := range out {
		fmt.Fprintf(g.stdout, "%s  %s %s  %s  skill %s  parent %s  author %s  royalty %d bps  registered at %d\n",
			p.PackageID, p.Name, p.Version, p.Kind, p.Skill, orDash(p.Parent), p.Author, p.RoyaltyBps, p.RegisteredHeight)
	}
	return nil
}

type offeringJSON struct {
	Vendor         string `json:"vendor"`
	PackageID      string `json:"package_id"`
	Price          uint64 `json:"price"`
	LeadTimeBlocks uint64 `json:"lead_time_blocks"`
	UpdatedHeight  int64  `json:"updated_height"`
}

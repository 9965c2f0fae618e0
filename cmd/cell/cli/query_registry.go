package cli

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/registry"
	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/specpb"
	"github.com/spf13/cobra"
)

// newQueryRegistryCmd is `cell query registry …`.
func newQueryRegistryCmd(g *globals, f *nodeFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "registry", Short: "Profiles, nodes, packages and offerings"}
	cmd.AddCommand(newQueryRegistryProfileCmd(g, f), newQueryRegistryNodeCmd(g, f), newQueryRegistryNodesCmd(g, f), newQueryRegistryPackageCmd(g, f), newQueryRegistryPackagesCmd(g, f), newQueryRegistryOfferingsCmd(g, f))
	return cmd
}

func newQueryRegistryProfileCmd(g *globals, f *nodeFlags) *cobra.Command {
	profile := &cobra.Command{
		Use:   "profile ADDRESS|KEY",
		Short: "Print an account's profile",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			addr, c, err := f.addressClient(g, args[0])
			if err != nil {
				return err
			}
			p, err := c.Profile(cmd.Context(), addr)
			if err != nil {
				return err
			}
			out := profileOf(p)
			if g.output == outputJSON {
				return g.json("profile", out)
			}
			fmt.Fprintf(g.stdout, "%s  %s  roles %s  contact %s\n", out.Owner, out.Name, orDash(strings.Join(out.Roles, ",")), orDash(out.Contact))
			return nil
		},
	}
	return profile
}

func newQueryRegistryNodeCmd(g *globals, f *nodeFlags) *cobra.Command {
	node := &cobra.Command{
		Use:   "node NODE_PUBKEY",
		Short: "Print a node and whether it is expired",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			key, err := hexArg("NODE_PUBKEY", args[0], registry.NodeKeySize)
			if err != nil {
				return err
			}
			h, err := f.nextHeight(cmd.Context())
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
	return node
}

func newQueryRegistryNodesCmd(g *globals, f *nodeFlags) *cobra.Command {
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
			h, err := f.nextHeight(cmd.Context())
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
	return nodes
}

func newQueryRegistryPackageCmd(g *globals, f *nodeFlags) *cobra.Command {
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
	return pkg
}

func newQueryRegistryPackagesCmd(g *globals, f *nodeFlags) *cobra.Command {
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
	return pkgs
}

func newQueryRegistryOfferingsCmd(g *globals, f *nodeFlags) *cobra.Command {
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
				return g.json("offering", out)
			}
			for _, o := range out {
				fmt.Fprintf(g.stdout, "%s  %s  %d ucell  %d blocks\n", o.Vendor, o.PackageID, o.Price, o.LeadTimeBlocks)
			}
			return nil
		},
	}
	return offerings
}

// nextHeight is the height nodes are judged at: the next block's, where a
// bid sent now would land.
func (f *nodeFlags) nextHeight(ctx context.Context) (int64, error) {
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
		return g.json("node", out)
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
		return g.json("package-record", out)
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

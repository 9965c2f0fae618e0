package node

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/node/bot"
	"github.com/celltonomy/celltonomy/node/config"
	"github.com/celltonomy/celltonomy/protocol"
	"github.com/celltonomy/celltonomy/runtime/protopkg"
	"github.com/celltonomy/celltonomy/spec"
)

// loadBots reads and validates the BotSpec of each of the node's bots
// (node.toml [[bots]]); an error names the entry. Two entries whose
// BotSpecs have the same id are refused: the node announces each id once.
func loadBots(cfg *config.Config) ([]*bot.Bot, error) {
	var bots []*bot.Bot
	for i, b := range cfg.Bots {
		bt, err := bot.Load(b.BotSpec, b.Driver)
		if err != nil {
			return nil, fmt.Errorf("%s: bots[%d]: %w", config.FileName, i, err)
		}
		bt.Speedup = b.Speedup
		if slices.ContainsFunc(bots, func(o *bot.Bot) bool { return o.ID == bt.ID }) {
			return nil, fmt.Errorf("%s: bots[%d].botspec %q: BotSpec %s listed twice", config.FileName, i, b.BotSpec, bt.ID)
		}
		bots = append(bots, bt)
	}
	return bots, nil
}

// architectures returns the architecture tags the node announces and
// bids by: node.toml's, and bot.Architecture when it has a bot.
func (n *Node) architectures() []string {
	a := slices.Clone(n.cfg.Architectures)
	if len(n.bots) > 0 && !slices.Contains(a, bot.Architecture) {
		a = append(a, bot.Architecture)
	}
	return a
}

// botSpecHashes returns the ids of the node's BotSpecs, in node.toml's
// order, as the registry's botspec_hashes.
func (n *Node) botSpecHashes() [][]byte {
	var out [][]byte
	for _, b := range n.bots {
		out = append(out, bytes.Clone(b.ID[:]))
	}
	return out
}

// botByID returns the node's bot whose BotSpec id is id.
func (n *Node) botByID(id protocol.BotSpecID) (*bot.Bot, bool) {
	i := slices.IndexFunc(n.bots, func(b *bot.Bot) bool { return b.ID == id })
	if i < 0 {
		return nil, false
	}
	return n.bots[i], true
}

// isProtocol reports whether a registry record is a protocol package's.
func isProtocol(rec *ledgerpb.Package) bool {
	return rec.GetKind() == ledgerpb.PackageKind_PACKAGE_KIND_PROTOCOL
}

// coverProtocol decides which of the node's bots runs a protocol order:
// it loads the package (from the blob store: the bid engine fetched it
// before deciding), fills and validates its protocol with the order's
// parameters, and selects the first bot whose BotSpec covers the
// protocol's requirements. paramsErr says why the parameters do not
// fill a valid protocol; coverErr, why no bot covers it; err, that the
// package could not be loaded.
func (n *Node) coverProtocol(ctx context.Context, rec *ledgerpb.Package, params map[string]string) (b *bot.Bot, paramsErr, coverErr string, err error) {
	pkg, err := n.ensurePackage(ctx, rec, nil)
	if err != nil {
		return nil, "", "", err
	}
	l, err := loadProtocol(pkg, params)
	if err != nil {
		return nil, err.Error(), "", nil
	}
	b, err = bot.Select(n.bots, l.Requirements)
	if err != nil {
		return nil, "", err.Error(), nil
	}
	return b, "", "", nil
}

// loadProtocol fills a protocol package's template with params and
// validates it (runtime/protopkg.Load).
func loadProtocol(pkg *spec.Package, params map[string]string) (*protopkg.Loaded, error) {
	return protopkg.Load(pkg, params)
}

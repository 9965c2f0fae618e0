package node

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"strings"

	"github.com/celltonomy/celltonomy/node/gateway"
	"github.com/celltonomy/celltonomy/nodeapi"
	"github.com/celltonomy/celltonomy/spec"
)

// NET directory: the answer of "celltonomy:service:<id>" to a service
// instance (gateway.Directory), for the instances of that service the
// node verified itself:
//
//   - the service orders' instances it runs (not the asker's own), each
//     as its address (endpoint + nodeapi.ServicePath) and "#token=" and a
//     token issued to the asker alone: the asker's order, not its buyer,
//     holds it; one token per asker and instance, kept among the
//     instance's tokens (the oldest dropped beyond maxServiceTokens);
//   - the children it started on peers (peer delegation), each as the
//     peer's child address (endpoint + nodeapi.PeerChildPath), which the
//     peer answers only to this node's signature: no token is given.
//
// Sorted, hosted ones first. A network the spec does not declare, or
// that the node does not resolve, is refused by node/gateway before the
// directory is asked.

// serviceDirectory is the directory of the tree of order asker.
type serviceDirectory struct {
	n     *Node
	asker uint64
}

// Verified implements gateway.Directory.
func (d serviceDirectory) Verified(ctx context.Context, id spec.ID) ([]string, error) {
	var out []string
	for _, h := range d.n.services.all() {
		h.mu.Lock()
		if h.pkg == id && h.inst != nil && h.rec.OrderID != d.asker {
			tok, ok := h.netTokens[d.asker]
			if !ok {
				var b [nodeapi.TokenSize]byte
				rand.Read(b[:])
				tok = hex.EncodeToString(b[:])
				if h.netTokens == nil {
					h.netTokens = map[uint64]string{}
				}
				h.netTokens[d.asker] = tok
				h.addToken(b[:])
			}
			out = append(out, strings.TrimSuffix(d.n.cfg.Endpoint, "/")+nodeapi.ServicePath(h.rec.OrderID)+"#token="+tok)
		}
		h.mu.Unlock()
	}
	slices.Sort(out)
	return append(out, d.n.delegated.of(id)...), nil
}

var _ gateway.Directory = serviceDirectory{}

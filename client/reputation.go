package client

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/client/repproof"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	ledgerrep "github.com/celltonomy/celltonomy/ledger/reputation"
)

// AcceptedRoot returns the latest reputation root the chain accepted (the
// record query.ReputationRoot also serves), read with QueryStore: proven
// against the app hash. It returns false when none is accepted yet.
// Errors: those of QueryStore, a record that does not decode.
func (c *Client) AcceptedRoot(ctx context.Context) (repproof.Root, bool, error) {
	b, _, err := c.QueryStore(ctx, ledgerrep.RootKey())
	if err != nil || b == nil {
		return repproof.Root{}, false, err
	}
	var res ledgerpb.ReputationRoot
	if err := proto.Unmarshal(b, &res); err != nil {
		return repproof.Root{}, false, fmt.Errorf("accepted root: %w", err)
	}
	r, err := repproof.RootFromProto(&res)
	return r, err == nil, err
}

package client

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	ledgerrep "github.com/celltonomy/celltonomy/ledger/reputation"
	"github.com/celltonomy/celltonomy/miner/proofapi"
)

// AcceptedRoot returns the latest reputation root the chain accepted (the
// record query.ReputationRoot also serves), read with QueryStore: proven
// against the app hash. It returns false when none is accepted yet.
// Errors: those of QueryStore, a record that does not decode.
func (c *Client) AcceptedRoot(ctx context.Context) (proofapi.Root, bool, error) {
	b, _, err := c.QueryStore(ctx, ledgerrep.RootKey())
	if err != nil || b == nil {
		return proofapi.Root{}, false, err
	}
	var res ledgerpb.ReputationRoot
	if err := proto.Unmarshal(b, &res); err != nil {
		return proofapi.Root{}, false, fmt.Errorf("accepted root: %w", err)
	}
	r, err := proofapi.RootFromProto(&res)
	return r, err == nil, err
}

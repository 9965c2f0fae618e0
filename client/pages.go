package client

import (
	"bytes"
	"context"
	"fmt"

	"github.com/cometbft/cometbft/rpc/client"
	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/chain"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
)

// QueryAppAt is QueryApp at the committed state of height (0: the
// latest); it also returns the height the node answered at.
func (c *Client) QueryAppAt(ctx context.Context, path string, data []byte, height int64) ([]byte, int64, error) {
	r, err := c.rpc.ABCIQueryWithOptions(ctx, chain.QueryAppPrefix+path, data, client.ABCIQueryOptions{Height: height})
	if err != nil {
		return nil, 0, fmt.Errorf("query %s: %w", path, err)
	}
	if r.Response.Code != 0 {
		return nil, 0, fmt.Errorf("query %s: %s", path, r.Response.Log)
	}
	return r.Response.Value, r.Response.Height, nil
}

// Page is the reply of a paged list query of the ledger: one page of
// entries and the cursor of the next (ledger/app: MaxPage).
type Page interface {
	proto.Message
	GetPage() *ledgerpb.PageResponse
}

// QueryPages reads every page of the paged list query path, in order:
// request returns the query's data for one page, the caller's request
// with its page field set to page; each receives every page, decoded.
// All pages are read at the height of the first, so that together they
// list one committed state, however the list changes meanwhile. It
// returns the first error of a query or of each.
//
//	err := client.QueryPages(ctx, c, app.PathNodes,
//		func(p *ledgerpb.PageRequest) proto.Message { return &ledgerpb.NodesRequest{Page: p} },
//		func(r *ledgerpb.NodesResponse) error { nodes = append(nodes, r.Nodes...); return nil })
func QueryPages[R Page](ctx context.Context, c *Client, path string, request func(page *ledgerpb.PageRequest) proto.Message, each func(R) error) error {
	var zero R
	page := &ledgerpb.PageRequest{}
	var height int64
	for {
		data, err := proto.Marshal(request(page))
		if err != nil {
			return fmt.Errorf("query %s: %w", path, err)
		}
		raw, h, err := c.QueryAppAt(ctx, path, data, height)
		if err != nil {
			return err
		}
		height = h
		r := zero.ProtoReflect().New().Interface().(R)
		if err := proto.Unmarshal(raw, r); err != nil {
			return fmt.Errorf("query %s: %w", path, err)
		}
		if err := each(r); err != nil {
			return err
		}
		next := r.GetPage().GetNextKey()
		if len(next) == 0 {
			return nil
		}
		if bytes.Equal(next, page.Key) {
			return fmt.Errorf("query %s: the page cursor %x did not advance", path, next)
		}
		page = &ledgerpb.PageRequest{Key: next}
	}
}

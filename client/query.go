package client

import (
	"bytes"
	"context"
	"fmt"
	"iter"

	rpcclient "github.com/cometbft/cometbft/rpc/client"
	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/ledger/codes"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/query"
	"github.com/celltonomy/celltonomy/ledger/schema"
)

// AtHeight returns a client that reads the committed state of height
// (0: the latest) in every query, the typed ones and QueryStore. The
// node must still hold that height. It shares c's connection.
func (c *Client) AtHeight(height int64) *Client {
	d := *c
	d.height = height
	return &d
}

// ledgerError is the error of a result of code number in codespace: a
// *codes.Error with the ledger's code, so that errors.Is matches it
// against the modules' exported codes (query.ErrNotFound,
// market.ErrWindowClosed, …). A code this build does not know keeps its
// codespace and number.
func ledgerError(codespace string, number uint32, log string) error {
	c, ok := schema.Code(codespace, number)
	if !ok {
		c = codes.Code{Codespace: codespace, Number: number, Name: fmt.Sprintf("code %d", number)}
	}
	if log == "" {
		log = c.Error()
	}
	return &codes.Error{Code: c, Log: log}
}

// ask sends the query path (query.Paths) with req (nil: no data) at
// height (0: the latest), decodes the reply into resp, and returns the
// height the node answered at. A refusal by the ledger is an error that
// errors.Is matches against its code.
func (c *Client) ask(ctx context.Context, path string, req, resp proto.Message, height int64) (int64, error) {
	var data []byte
	if req != nil {
		var err error
		if data, err = proto.Marshal(req); err != nil {
			return 0, fmt.Errorf("query %s: %w", path, err)
		}
	}
	r, err := c.rpc.ABCIQueryWithOptions(ctx, query.AppPrefix+path, data, rpcclient.ABCIQueryOptions{Height: height})
	if err != nil {
		return 0, fmt.Errorf("query %s: %w", path, err)
	}
	q := r.Response
	if q.Code != 0 {
		return 0, fmt.Errorf("query %s: %w", path, ledgerError(q.Codespace, q.Code, q.Log))
	}
	if err := proto.Unmarshal(q.Value, resp); err != nil {
		return 0, fmt.Errorf("query %s: reply: %w", path, err)
	}
	return q.Height, nil
}

// get is ask at the client's height, returning resp.
func get[R proto.Message](ctx context.Context, c *Client, path string, req proto.Message, resp R) (R, error) {
	_, err := c.ask(ctx, path, req, resp, c.height)
	return resp, err
}

// paged is the response of a list query.
type paged interface {
	proto.Message
	GetPage() *ledgerpb.PageResponse
}

// list iterates over a list query's pages (see package query, "Paging"):
// it sets the page of req with setPage, asks path, and yields each page's
// reply, every page read at the height of the first (the client's height,
// or the latest), so that together they list one committed state. A
// failed query ends the iteration with its error.
func list[R paged](ctx context.Context, c *Client, path string, req proto.Message, setPage func(*ledgerpb.PageRequest)) iter.Seq2[R, error] {
	return func(yield func(R, error) bool) {
		var zero R
		height := c.height
		page := &ledgerpb.PageRequest{}
		for {
			setPage(page)
			resp := zero.ProtoReflect().New().Interface().(R)
			h, err := c.ask(ctx, path, req, resp, height)
			if err != nil {
				yield(zero, err)
				return
			}
			height = h
			if !yield(resp, nil) {
				return
			}
			next := resp.GetPage().GetNextKey()
			if len(next) == 0 {
				return
			}
			if bytes.Equal(next, page.Key) {
				yield(zero, fmt.Errorf("query %s: the page cursor %x did not advance", path, next))
				return
			}
			page = &ledgerpb.PageRequest{Key: next}
		}
	}
}

// entries flattens the pages of a list into its entries.
func entries[R paged, T any](pages iter.Seq2[R, error], of func(R) []T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for p, err := range pages {
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, e := range of(p) {
				if !yield(e, nil) {
					return
				}
			}
		}
	}
}

// All collects the entries of a list method, e.g. client.All(c.Nodes(ctx,
// addr, 0)), and returns the first error.
func All[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Take collects the first n entries of a list method (n ≤ 0: none) and
// returns the entry after them, if any, so that a caller can show a page
// and say where the next one starts, e.g. the id of *next. It reads at most
// n+1 entries and returns the first error.
func Take[T any](seq iter.Seq2[T, error], n int) (page []T, next *T, err error) {
	for v, err := range seq {
		if err != nil {
			return page, nil, err
		}
		if len(page) >= n {
			return page, &v, nil
		}
		page = append(page, v)
	}
	return page, nil, nil
}

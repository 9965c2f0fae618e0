package node

import (
	"context"
	"errors"
	"fmt"

	"github.com/celltonomy/celltonomy/ledger/query"
	"github.com/celltonomy/celltonomy/node/gateway"
	"github.com/celltonomy/celltonomy/runtime/wasm/abi"
	"github.com/celltonomy/celltonomy/spec"
)

// ServiceFetcher returns the gateway.Fetcher of the node's service
// instances: a child service's package by service id, found as a job's
// package is (ensurePackage): the registry record, then the node's package
// store or the record's locations and other nodes, checked against the
// blob hash, the package id and the registry's envelope.
func (n *Node) ServiceFetcher() gateway.Fetcher { return serviceFetcher{n} }

type serviceFetcher struct{ n *Node }

// Fetch implements gateway.Fetcher. A service id that no registered
// package has is an error wrapping abi.ErrUnknownService; a package that
// cannot be fetched, one wrapping abi.ErrInternal.
func (f serviceFetcher) Fetch(ctx context.Context, id spec.ID) (*spec.Package, error) {
	rec, err := f.n.query.Package(ctx, id[:])
	if errors.Is(err, query.ErrNotFound) {
		return nil, fmt.Errorf("package %s: %w: not registered", id, abi.ErrUnknownService)
	}
	if err != nil {
		return nil, fmt.Errorf("package %s: %w: %w", id, abi.ErrInternal, err)
	}
	p, err := f.n.ensurePackage(ctx, rec, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", abi.ErrInternal, err)
	}
	return p, nil
}

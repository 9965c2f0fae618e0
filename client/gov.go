package client

import (
	"context"
	"iter"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/query"
)

// Proposal returns governance proposal id (query.Proposal);
// query.ErrNotFound if no proposal has the id.
func (c *Client) Proposal(ctx context.Context, id uint64) (*ledgerpb.Proposal, error) {
	return get(ctx, c, query.Proposal, &ledgerpb.ProposalRequest{ProposalId: id}, &ledgerpb.Proposal{})
}

// Proposals iterates over the governance proposals by id
// (query.Proposals).
func (c *Client) Proposals(ctx context.Context) iter.Seq2[*ledgerpb.Proposal, error] {
	req := &ledgerpb.ProposalsRequest{}
	return entries(list[*ledgerpb.ProposalsResponse](ctx, c, query.Proposals, req, func(p *ledgerpb.PageRequest) { req.Page = p }),
		(*ledgerpb.ProposalsResponse).GetProposals)
}

// Votes iterates over the votes on proposal id by voter (query.Votes).
func (c *Client) Votes(ctx context.Context, id uint64) iter.Seq2[*ledgerpb.Vote, error] {
	req := &ledgerpb.VotesRequest{ProposalId: id}
	return entries(list[*ledgerpb.VotesResponse](ctx, c, query.Votes, req, func(p *ledgerpb.PageRequest) { req.Page = p }),
		(*ledgerpb.VotesResponse).GetVotes)
}

// Tally returns proposal id's tally (query.Tally): the votes counted now
// while it is voting (stake in ucell, reputation as uint256 bytes), its
// final tally after; query.ErrNotFound if there is no such proposal or it
// never voted.
func (c *Client) Tally(ctx context.Context, id uint64) (*ledgerpb.Tally, error) {
	return get(ctx, c, query.Tally, &ledgerpb.ProposalRequest{ProposalId: id}, &ledgerpb.Tally{})
}

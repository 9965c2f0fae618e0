package gov

import (
	"math/big"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
)

// Validator is a bonded validator as governance weighs it.
type Validator struct {
	// Operator is the validator's operator address; its vote is the
	// validator's.
	Operator address.Address
	// Tokens is its bonded stake in ucell, delegations included.
	Tokens uint64
}

// Delegation is a delegator's stake with a validator.
type Delegation struct {
	Validator address.Address
	// Tokens is the delegation's stake in ucell.
	Tokens uint64
}

// Count weighs the votes of a proposal by bonded stake (issue 14:
// "weighted by bonded stake with delegators able to override their
// validator's vote"): a validator that voted counts its bonded tokens
// for its option, less the tokens of its delegators that voted
// themselves, which count for their own options. A delegator's
// delegations to validators not in vals (unbonded, jailed) count for
// nothing. delegationsOf returns a voter's delegations; a validator's
// operator is not its own delegator. votes are in key order, so the
// result is deterministic. The reputation fields are not set here.
func Count(vals []Validator, votes []*ledgerpb.Vote, delegationsOf func(address.Address) []Delegation) *ledgerpb.Tally {
	tokens := make(map[address.Address]uint64, len(vals))
	t := &ledgerpb.Tally{}
	for _, v := range vals {
		tokens[v.Operator] = v.Tokens
		t.TotalBonded += v.Tokens
	}
	voted := make(map[address.Address]ledgerpb.VoteOption, len(votes))
	for _, v := range votes {
		voted[address.Address(v.Voter)] = v.Option
	}
	// Tokens of validators taken over by their delegators' own votes.
	overridden := make(map[address.Address]uint64)
	for _, v := range votes {
		voter := address.Address(v.Voter)
		for _, d := range delegationsOf(voter) {
			if d.Validator == voter {
				continue
			}
			if _, bonded := tokens[d.Validator]; !bonded {
				continue
			}
			add(t, v.Option, d.Tokens)
			overridden[d.Validator] += d.Tokens
		}
	}
	for _, v := range vals {
		opt, ok := voted[v.Operator]
		if !ok {
			continue
		}
		own := v.Tokens
		if o := overridden[v.Operator]; o < own {
			own -= o
		} else {
			own = 0
		}
		add(t, opt, own)
	}
	return t
}

func add(t *ledgerpb.Tally, opt ledgerpb.VoteOption, n uint64) {
	switch opt {
	case ledgerpb.VoteOption_VOTE_OPTION_YES:
		t.Yes += n
	case ledgerpb.VoteOption_VOTE_OPTION_NO:
		t.No += n
	case ledgerpb.VoteOption_VOTE_OPTION_ABSTAIN:
		t.Abstain += n
	case ledgerpb.VoteOption_VOTE_OPTION_VETO:
		t.Veto += n
	}
}

// Outcome is the status a tally gives a proposal.
type Outcome int

// Outcomes of Decide.
const (
	// Passed: quorum, no veto, yes above the threshold (and the
	// reputation chamber's majority when needed).
	Passed Outcome = iota
	// Rejected: no quorum, or not enough yes; deposits are returned.
	Rejected
	// Vetoed: veto reached the veto threshold; deposits are burned.
	Vetoed
)

// Decide applies the params to a tally (Compound / Cosmos shape):
//
//  1. quorum: (yes + no + abstain + veto) × 10000 ≥ total_bonded ×
//     gov_quorum_bps, and some stake voted; otherwise Rejected;
//  2. veto: veto × 10000 ≥ (yes + no + abstain + veto) ×
//     gov_veto_threshold_bps: Vetoed;
//  3. threshold: yes × 10000 > (yes + no + veto) × gov_threshold_bps;
//     otherwise Rejected;
//  4. with needsReputation (Colony's two-chamber rule, whitepaper
//     §5.1.2): the reputation of yes voters is more than that of no
//     voters; otherwise Rejected.
//
// Arithmetic is exact (big integers), so no sum overflows.
func Decide(t *ledgerpb.Tally, p *ledgerpb.Params, needsReputation bool) Outcome {
	n := func(v uint64) *big.Int { return new(big.Int).SetUint64(v) }
	mul := func(a *big.Int, b uint64) *big.Int { return new(big.Int).Mul(a, n(b)) }
	voted := n(t.Yes)
	voted.Add(voted, n(t.No)).Add(voted, n(t.Abstain)).Add(voted, n(t.Veto))
	if voted.Sign() == 0 || mul(voted, 10_000).Cmp(mul(n(t.TotalBonded), uint64(p.GovQuorumBps))) < 0 {
		return Rejected
	}
	if mul(n(t.Veto), 10_000).Cmp(mul(voted, uint64(p.GovVetoThresholdBps))) >= 0 {
		return Vetoed
	}
	decisive := n(t.Yes)
	decisive.Add(decisive, n(t.No)).Add(decisive, n(t.Veto))
	if mul(n(t.Yes), 10_000).Cmp(mul(decisive, uint64(p.GovThresholdBps))) <= 0 {
		return Rejected
	}
	if needsReputation {
		yes := new(big.Int).SetBytes(t.ReputationYes)
		no := new(big.Int).SetBytes(t.ReputationNo)
		if yes.Cmp(no) <= 0 {
			return Rejected
		}
	}
	return Passed
}

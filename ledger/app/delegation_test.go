package app

import (
	"testing"

	"github.com/celltonomy/celltonomy/ledger/codes"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/query"
	"github.com/celltonomy/celltonomy/ledger/staking"
)

// jailByDowntime runs blocks in which validator i misses every vote
// until it is jailed for downtime.
func (n *dposNet) jailByDowntime(i int) {
	n.t.Helper()
	for range 2 * n.p.StakingSignedBlocksWindow {
		n.finalize(n.commit(func(j int) bool { return j == i }), nil)
		if n.app.staking.Validator(n.st, n.vals[i].addr).Jailed {
			return
		}
	}
	n.t.Fatalf("validator %d not jailed after missing %d blocks", i, 2*n.p.StakingSignedBlocksWindow)
}

// TestStakingMessageRejections: every staking and distribution message
// refused for each rule, with its code and log, changing nothing but the
// fee and sequence when it was charged.
func TestStakingMessageRejections(t *testing.T) {
	type tcase struct {
		name      string
		setup     func(n *dposNet)
		build     func(n *dposNet) (key, *ledgerpb.Msg)
		codespace string
		code      uint32
		log       string
		charged   bool
	}
	v := func(n *dposNet, i int) key { return n.vals[i] }
	d := func(n *dposNet, i int) key { return n.dels[i] }
	delegated := func(n *dposNet) {
		n.finalize(nil, nil, n.tx(d(n, 0), delegateMsg(v(n, 0), 10_000)))
	}
	doubleSign := func(n *dposNet) {
		n.finalize(nil, []Misbehavior{{ValidatorAddress: consAddr(n.cons[1]), Height: n.height}})
	}
	cases := []tcase{
		{name: "delegate zero", build: func(n *dposNet) (key, *ledgerpb.Msg) { return d(n, 0), delegateMsg(v(n, 0), 0) },
			codespace: "staking", code: 7, log: "delegate: amount 0: must be positive"},
		{name: "delegate to a short address", build: func(n *dposNet) (key, *ledgerpb.Msg) {
			m := delegateMsg(v(n, 0), 1)
			m.GetDelegate().Validator = []byte{1, 2}
			return d(n, 0), m
		}, codespace: "staking", code: 11, log: "delegate: validator: must be 20 bytes, got 2"},
		{name: "delegate to no validator", build: func(n *dposNet) (key, *ledgerpb.Msg) { return d(n, 0), delegateMsg(d(n, 1), 1) },
			codespace: "staking", code: 5, log: "does not exist", charged: true},
		{name: "delegate more than the balance", build: func(n *dposNet) (key, *ledgerpb.Msg) { return d(n, 0), delegateMsg(v(n, 0), 20_000_000) },
			codespace: "bank", code: 2, log: "insufficient funds", charged: true},
		{name: "delegate to a jailed validator", setup: doubleSign, build: func(n *dposNet) (key, *ledgerpb.Msg) { return d(n, 0), delegateMsg(v(n, 1), 1) },
			codespace: "staking", code: 10, log: "is jailed", charged: true},
		{name: "undelegate zero", build: func(n *dposNet) (key, *ledgerpb.Msg) { return d(n, 0), undelegateMsg(v(n, 0), 0) },
			codespace: "staking", code: 7, log: "undelegate: amount 0"},
		{name: "undelegate without a delegation", build: func(n *dposNet) (key, *ledgerpb.Msg) { return d(n, 0), undelegateMsg(v(n, 0), 1) },
			codespace: "staking", code: 13, log: "has no delegation", charged: true},
		{name: "undelegate more than delegated", setup: delegated, build: func(n *dposNet) (key, *ledgerpb.Msg) { return d(n, 0), undelegateMsg(v(n, 0), 10_001) },
			codespace: "staking", code: 8, log: "is worth 10000 ucell", charged: true},
		{name: "undelegate from no validator", build: func(n *dposNet) (key, *ledgerpb.Msg) { return d(n, 0), undelegateMsg(d(n, 1), 1) },
			codespace: "staking", code: 5, log: "does not exist", charged: true},
		{name: "redelegate to the source", build: func(n *dposNet) (key, *ledgerpb.Msg) { return d(n, 0), redelegateMsg(v(n, 0), v(n, 0), 1) },
			codespace: "staking", code: 19, log: "dst_validator: must differ from src_validator"},
		{name: "redelegate zero", build: func(n *dposNet) (key, *ledgerpb.Msg) { return d(n, 0), redelegateMsg(v(n, 0), v(n, 1), 0) },
			codespace: "staking", code: 7, log: "redelegate: amount 0"},
		{name: "redelegate without a delegation", build: func(n *dposNet) (key, *ledgerpb.Msg) { return d(n, 0), redelegateMsg(v(n, 0), v(n, 1), 1) },
			codespace: "staking", code: 13, log: "has no delegation", charged: true},
		{name: "redelegate to a jailed validator", setup: func(n *dposNet) { delegated(n); doubleSign(n) },
			build:     func(n *dposNet) (key, *ledgerpb.Msg) { return d(n, 0), redelegateMsg(v(n, 0), v(n, 1), 1) },
			codespace: "staking", code: 10, log: "is jailed", charged: true},
		{name: "redelegate the operator's self-bond", build: func(n *dposNet) (key, *ledgerpb.Msg) { return v(n, 0), redelegateMsg(v(n, 0), v(n, 1), 1) },
			codespace: "staking", code: 6, log: "self-bond cannot be redelegated", charged: true},
		{name: "redelegate a redelegation on (hop)", setup: func(n *dposNet) {
			delegated(n)
			n.finalize(nil, nil, n.tx(d(n, 0), redelegateMsg(v(n, 0), v(n, 1), 5_000)))
		}, build: func(n *dposNet) (key, *ledgerpb.Msg) { return d(n, 0), redelegateMsg(v(n, 1), v(n, 2), 1_000) },
			codespace: "staking", code: 19, log: "reached it by a redelegation", charged: true},
		{name: "unjail a validator not jailed", build: func(n *dposNet) (key, *ledgerpb.Msg) { return v(n, 0), unjailMsg() },
			codespace: "staking", code: 16, log: "is not jailed", charged: true},
		{name: "unjail without a validator", build: func(n *dposNet) (key, *ledgerpb.Msg) { return d(n, 0), unjailMsg() },
			codespace: "staking", code: 5, log: "operates no validator", charged: true},
		{name: "unjail after a double sign", setup: doubleSign, build: func(n *dposNet) (key, *ledgerpb.Msg) { return v(n, 1), unjailMsg() },
			codespace: "staking", code: 17, log: "jailed for ever", charged: true},
		{name: "unjail before the jail period ends", setup: func(n *dposNet) { n.jailByDowntime(1) },
			build:     func(n *dposNet) (key, *ledgerpb.Msg) { return v(n, 1), unjailMsg() },
			codespace: "staking", code: 18, log: "jailed until height", charged: true},
		{name: "commission above 100 %", build: func(n *dposNet) (key, *ledgerpb.Msg) { return v(n, 0), commissionMsg(10_001) },
			codespace: "staking", code: 14, log: "commission_bps 10001: must be at most 10000"},
		{name: "commission changed too soon", build: func(n *dposNet) (key, *ledgerpb.Msg) { return v(n, 0), commissionMsg(50) },
			codespace: "staking", code: 15, log: "next change from height 5", charged: true},
		{name: "commission changed by more than max_change", setup: func(n *dposNet) {
			for range 5 {
				n.finalize(nil, nil)
			}
		}, build: func(n *dposNet) (key, *ledgerpb.Msg) { return v(n, 0), commissionMsg(101) },
			codespace: "staking", code: 14, log: "by more than max_change_bps 100", charged: true},
		{name: "edit without a validator", build: func(n *dposNet) (key, *ledgerpb.Msg) { return d(n, 0), commissionMsg(0) },
			codespace: "staking", code: 5, log: "operates no validator", charged: true},
		{name: "edit with a bad moniker", build: func(n *dposNet) (key, *ledgerpb.Msg) {
			return v(n, 0), &ledgerpb.Msg{Sum: &ledgerpb.Msg_EditValidator{EditValidator: &ledgerpb.MsgEditValidator{Moniker: "a\x00b"}}}
		}, codespace: "staking", code: 9, log: "control characters"},
		{name: "withdraw from a short address", build: func(n *dposNet) (key, *ledgerpb.Msg) {
			m := withdrawMsg(v(n, 0))
			m.GetWithdrawRewards().Validator = nil
			return d(n, 0), m
		}, codespace: "distribution", code: 1, log: "withdraw_rewards: validator: must be 20 bytes, got 0"},
		{name: "withdraw without a delegation", build: func(n *dposNet) (key, *ledgerpb.Msg) { return d(n, 0), withdrawMsg(v(n, 0)) },
			codespace: "distribution", code: 2, log: "neither delegates to nor operates", charged: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// No minting: checkRejection expects the block to change
			// nothing but the fee and sequence.
			n := newDPoSNet(t, 3, 2, func(p *ledgerpb.Params) { p.MintInflationBps = 0 })
			n.fund(1_000_000)
			n.finalize(n.commit(nil), nil) // rewards allocated: a failed message must not pay them
			if tc.setup != nil {
				tc.setup(n)
			}
			k, m := tc.build(n)
			checkRejection(t, n.chain, n.tx(k, m), tc.codespace, tc.code, tc.log, tc.charged)
		})
	}
}

// TestDelegatorsShareSlashesAndRewards: a delegator's stake falls with
// its validator's double sign and downtime slashes, its unbonding and its
// redelegated stake too; the downtime-jailed validator unjails after its
// jail period and signs again; rewards follow the shares.
func TestDelegatorsShareSlashesAndRewards(t *testing.T) {
	n := newDPoSNet(t, 3, 3, func(p *ledgerpb.Params) { p.UnbondingBlocks = 50 })
	v0, v1, v2 := n.vals[0], n.vals[1], n.vals[2]
	d0, d1, d2 := n.dels[0], n.dels[1], n.dels[2]
	n.finalize(nil, nil,
		n.tx(d0, delegateMsg(v1, 100_000)),
		n.tx(d1, delegateMsg(v1, 100_000)),
		n.tx(d2, delegateMsg(v0, 100_000)))
	infraction := n.height
	n.finalize(n.commit(nil), nil,
		n.tx(d1, undelegateMsg(v1, 40_000)),     // unbonding from v1: slashable
		n.tx(d2, redelegateMsg(v0, v1, 50_000)), // into v1: v1's fault does not reach it
		n.tx(d0, redelegateMsg(v1, v2, 20_000))) // out of v1: v1's fault follows it to v2
	worth := func(del, val key) uint64 {
		for _, x := range staking.DelegationsOf(n.st, del.addr) {
			if x.Validator == val.addr {
				return x.Tokens
			}
		}
		return 0
	}
	if worth(d0, v1) != 80_000 || worth(d0, v2) != 20_000 || worth(d2, v1) != 50_000 {
		t.Fatalf("before the slash: d0 %d at v1, %d at v2; d2 %d at v1", worth(d0, v1), worth(d0, v2), worth(d2, v1))
	}
	// v1 double-signed at the height of the delegations: 10 % of its stake.
	n.finalize(n.commit(nil), []Misbehavior{{ValidatorAddress: consAddr(n.cons[1]), Height: infraction}})
	if got := worth(d0, v1); got != 72_000 {
		t.Fatalf("d0 at v1 after the slash: %d, want 72000", got)
	}
	if got := worth(d2, v1); got != 45_000 {
		t.Fatalf("d2 at v1 after the slash: %d, want 45000 (its stake is v1's now)", got)
	}
	if got := worth(d0, v2); got != 18_000 {
		t.Fatalf("d0 at v2 after the slash of v1: %d, want 18000 (redelegated after the infraction)", got)
	}
	var unbonding uint64
	for _, e := range n.app.staking.Unbondings(n.st) {
		if string(e.Delegator) == string(d1.addr.Bytes()) {
			unbonding += e.Amount
		}
	}
	if unbonding != 36_000 {
		t.Fatalf("d1's unbonding after the slash: %d, want 36000", unbonding)
	}
	if v := n.app.staking.Validator(n.st, v1.addr); !v.Jailed || !v.Tombstoned {
		t.Fatalf("v1 after a double sign: %+v", v)
	}
	// The read API of governance: bonded validators and their stake,
	// delegations included; the jailed v1 counts for nothing.
	bonded := staking.BondedValidators(n.st)
	if len(bonded) != 2 || staking.TotalBonded(n.st) != bonded[0].Bonded+bonded[1].Bonded {
		t.Fatalf("bonded validators %v, total %d", bonded, staking.TotalBonded(n.st))
	}
	for _, v := range bonded {
		if string(v.Operator) == string(v1.addr.Bytes()) {
			t.Fatal("a jailed validator among the bonded")
		}
	}
	if got := n.app.staking.Validator(n.st, v0.addr).Bonded; got != 100_000+100_000-50_000 {
		t.Fatalf("v0 bonded %d: its self-bond and d2's delegation less what d2 redelegated", got)
	}

	// Downtime: v2 misses blocks until jailed; 1 % of its stake burns.
	before := worth(d0, v2)
	n.jailByDowntime(2)
	val2 := n.app.staking.Validator(n.st, v2.addr)
	if got, want := worth(d0, v2), before-before/100; got != want {
		t.Fatalf("d0 at v2 after downtime: %d, want %d", got, want)
	}
	if n.app.staking.LastPower(n.st, v2.addr) != 0 {
		t.Fatal("a jailed validator kept its power")
	}
	for n.height < val2.JailedUntil {
		n.finalize(n.commit(nil), nil)
	}
	n.finalize(n.commit(nil), nil, n.tx(v2, unjailMsg()))
	if n.app.staking.Validator(n.st, v2.addr).Jailed || n.app.staking.LastPower(n.st, v2.addr) == 0 {
		t.Fatal("v2 did not come back after unjail")
	}
	// It signs again and earns: d0's rewards at v2 grow; at the jailed v1,
	// which does not sign, they stay what they were.
	atV1 := n.app.distr.Rewards(n.st, v1.addr, d0.addr)
	atV2 := n.app.distr.Rewards(n.st, v2.addr, d0.addr)
	n.fund(1_000_000)
	n.finalize(n.commit(nil), nil)
	if r := n.app.distr.Rewards(n.st, v2.addr, d0.addr); r <= atV2 {
		t.Fatalf("d0's rewards at v2 after the unjail: %d, before %d", r, atV2)
	}
	if r := n.app.distr.Rewards(n.st, v1.addr, d0.addr); r != atV1 {
		t.Fatalf("rewards at a jailed validator that does not sign grew from %d to %d", atV1, r)
	}
}

// TestDelegationQueries: staking/delegations lists a delegator's
// delegations with worth and pending rewards, in pages; distribution/
// rewards answers one delegation and the commission; bad addresses and
// unknown validators are refused with their codes.
func TestDelegationQueries(t *testing.T) {
	n := newDPoSNet(t, 3, 1, nil)
	d := n.dels[0]
	n.finalize(nil, nil, n.tx(d, delegateMsg(n.vals[0], 10_000), delegateMsg(n.vals[2], 20_000)))
	n.fund(1_000_000)
	n.finalize(n.commit(nil), nil)

	b, err := n.app.Query(n.st, query.Delegations, mustMarshal(&ledgerpb.DelegationsRequest{Delegator: d.addr.Bytes(), Page: &ledgerpb.PageRequest{Limit: 1}}))
	if err != nil {
		t.Fatal(err)
	}
	r := &ledgerpb.DelegationsResponse{}
	if err := protoUnmarshal(b, r); err != nil {
		t.Fatal(err)
	}
	if len(r.Delegations) != 1 || len(r.Page.GetNextKey()) == 0 {
		t.Fatalf("first page %v", r)
	}
	first := r.Delegations[0]
	b, err = n.app.Query(n.st, query.Delegations, mustMarshal(&ledgerpb.DelegationsRequest{Delegator: d.addr.Bytes(), Page: &ledgerpb.PageRequest{Key: r.Page.NextKey}}))
	if err != nil {
		t.Fatal(err)
	}
	if err := protoUnmarshal(b, r); err != nil {
		t.Fatal(err)
	}
	if len(r.Delegations) != 1 || len(r.Page.GetNextKey()) != 0 {
		t.Fatalf("second page %v", r)
	}
	all := []*ledgerpb.DelegationStatus{first, r.Delegations[0]}
	want := map[string]uint64{string(n.vals[0].addr.Bytes()): 10_000, string(n.vals[2].addr.Bytes()): 20_000}
	for _, s := range all {
		op := s.Delegation.Validator
		if s.Tokens != want[string(op)] || s.Rewards == 0 {
			t.Fatalf("delegation %v: want %d ucell and rewards", s, want[string(op)])
		}
		b, err := n.app.Query(n.st, query.Rewards, mustMarshal(&ledgerpb.RewardsRequest{Delegator: d.addr.Bytes(), Validator: op}))
		if err != nil {
			t.Fatal(err)
		}
		rr := &ledgerpb.RewardsResponse{}
		if err := protoUnmarshal(b, rr); err != nil {
			t.Fatal(err)
		}
		if rr.Rewards != s.Rewards {
			t.Fatalf("rewards %d, delegations said %d", rr.Rewards, s.Rewards)
		}
	}
	for _, tc := range []struct {
		path string
		req  []byte
		code uint32
	}{
		{query.Delegations, mustMarshal(&ledgerpb.DelegationsRequest{Delegator: []byte{1}}), query.ErrInvalidQuery.Number},
		{query.Rewards, mustMarshal(&ledgerpb.RewardsRequest{Delegator: d.addr.Bytes(), Validator: []byte{1}}), query.ErrInvalidQuery.Number},
		{query.Rewards, mustMarshal(&ledgerpb.RewardsRequest{Delegator: d.addr.Bytes(), Validator: d.addr.Bytes()}), query.ErrNotFound.Number},
	} {
		_, err := n.app.Query(n.st, tc.path, tc.req)
		if c, ok := codes.Of(err); !ok || c.Number != tc.code {
			t.Errorf("%s: %v, want code %d", tc.path, err, tc.code)
		}
	}
}

// TestRedelegateThenUndelegateStillSlashed: stake redelegated out of a
// validator and at once undelegated from the destination is still cut
// for the source's earlier fault, in its unbonding entry.
func TestRedelegateThenUndelegateStillSlashed(t *testing.T) {
	n := newDPoSNet(t, 3, 1, func(p *ledgerpb.Params) { p.UnbondingBlocks = 50; p.MintInflationBps = 0 })
	v1, v2, d := n.vals[1], n.vals[2], n.dels[0]
	n.finalize(nil, nil, n.tx(d, delegateMsg(v1, 100_000)))
	infraction := n.height
	n.finalize(nil, nil, n.tx(d, redelegateMsg(v1, v2, 100_000)))
	n.finalize(nil, nil, n.tx(d, undelegateMsg(v2, 100_000)))
	n.finalize(nil, []Misbehavior{{ValidatorAddress: consAddr(n.cons[1]), Height: infraction}})
	var unbonding uint64
	for _, e := range n.app.staking.Unbondings(n.st) {
		if string(e.Delegator) == string(d.addr.Bytes()) {
			unbonding += e.Amount
		}
	}
	if unbonding != 90_000 {
		t.Fatalf("d's unbonding from v2 after v1's slash: %d, want 90000", unbonding)
	}
}

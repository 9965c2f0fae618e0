package devnet

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/client/order"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/auth"
	"github.com/celltonomy/celltonomy/ledger/bank"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/mint"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/ledger/query"
	ledgerrep "github.com/celltonomy/celltonomy/ledger/reputation"
	"github.com/celltonomy/celltonomy/ledger/schema"
	"github.com/celltonomy/celltonomy/miner"
	"github.com/celltonomy/celltonomy/miner/proofapi"
)

// TestReputationMinedAndProven is issue 6 end to end: an order closes and
// its ratings become final, the reputation cycle ends, the devnet's miner
// submits its root, the chain accepts it, the provider's reputation is
// proven against it; the provider then carries that proof in its bids,
// wins the tie-break against an equal price, and is the only one admitted
// by an order that asks for a minimum reputation.
func TestReputationMinedAndProven(t *testing.T) {
	ctx := context.Background()
	d := startDevnet(t, []NodeOptions{{}, {}})
	key, _ := d.Key(KeyBuyer)
	b, err := order.NewBuyer(ctx, d.Client, key)
	if err != nil {
		t.Fatal(err)
	}
	genome, _ := filepath.Abs("../examples/data/lambda.fa")
	req := order.Request{Package: d.Packages[0].ID.String(), Inputs: map[string]string{"genome": genome},
		Params: map[string]string{"ENZYMES": "EcoRI"}, MaxPrice: 5000, BidWindow: 10}
	first, err := b.Run(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Reputation) == 0 {
		t.Fatal("the close appended no reputation entries")
	}
	provider := first.Provider

	// Wait for a root accepted for a cycle that holds the order's entries.
	want := first.Reputation[0].Cycle
	var root proofapi.Root
	deadline := time.Now().Add(90 * time.Second)
	for {
		if rr, err := d.Client.ReputationRoot(ctx); err == nil {
			if root, err = proofapi.RootFromProto(rr); err == nil && root.Cycle >= want {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no root accepted for cycle %d", want)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// The provider's reputation, proven against the accepted root.
	mc, err := proofapi.NewClient(d.Miners[0].Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	addr, err := proofapi.ParseAddress(provider)
	if err != nil {
		t.Fatal(err)
	}
	var leaves []proofapi.VerifiedLeaf
	deadline = time.Now().Add(30 * time.Second)
	for {
		resp, err := mc.Reputation(ctx, addr, 0)
		if err == nil {
			leaves, err = proofapi.VerifyReputation(resp, root, addr)
			if err != nil {
				t.Fatalf("the miner's proof does not verify: %v", err)
			}
			if len(leaves) > 0 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no proven reputation for %s: %v", provider, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	skill := first.Reputation[0].Skill
	found := false
	for _, l := range leaves {
		if l.Skill == skill && l.Reputation.Sign() > 0 {
			found = true
		}
	}
	if !found {
		t.Fatalf("provider %s has no positive reputation in skill %d: %+v", provider, skill, leaves)
	}

	// Same price on both nodes: the proven reputation breaks the tie.
	second, err := b.Run(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if second.Provider != provider {
		t.Errorf("second order went to %s, not to the provider with reputation %s", second.Provider, provider)
	}
	// A minimum reputation admits only the provider that has it.
	req.MinProviderReputation = 1
	third, err := b.Run(ctx, req)
	if err != nil && !errors.Is(err, order.ErrExpired) {
		t.Fatal(err)
	}
	if third.Provider != provider {
		t.Errorf("order with a minimum reputation went to %q, want %s", third.Provider, provider)
	}
}

// must fails the test on err, naming what was read at height.
func must[T any](t *testing.T, what string, height int64) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s at %d: %v", what, height, err)
		}
		return v
	}
}

func balanceAt(t *testing.T, d *Devnet, a address.Address, height int64) int64 {
	t.Helper()
	return int64(must[uint64](t, "balance", height)(d.Client.AtHeight(height).Balance(context.Background(), a)))
}

// blockFees returns the fees the transactions of block height paid, by
// signer (bech32), and what the treasury received in the block from fees
// and minting (its shares in the tx, fee and minted events).
func blockFees(t *testing.T, d *Devnet, height int64) (map[string]int64, int64) {
	t.Helper()
	res, err := d.Client.RPC().BlockResults(context.Background(), &height)
	if err != nil {
		t.Fatal(err)
	}
	fees, toTreasury := map[string]int64{}, int64(0)
	for _, tx := range res.TxResults {
		for _, e := range client.Events(schema.Events(), tx.Events) {
			switch e := e.(type) {
			case auth.EventTx:
				fees[e.Signer.String()] += int64(e.Fee)
				toTreasury += int64(e.Treasury)
			case mint.EventFee: // a fee a message paid
				toTreasury += int64(e.Treasury)
			}
		}
	}
	for _, e := range client.Events(schema.Events(), res.FinalizeBlockEvents) {
		if e, ok := e.(mint.EventMinted); ok {
			toTreasury += int64(e.Treasury)
		}
	}
	return fees, toTreasury
}

// waitAccepted waits until a root of cycle or later is accepted and
// returns it.
func waitAccepted(t *testing.T, d *Devnet, cycle uint64, timeout time.Duration) proofapi.Root {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		root, ok, err := d.Client.AcceptedRoot(context.Background())
		if err == nil && ok && root.Cycle >= cycle {
			return root
		}
		if time.Now().After(deadline) {
			t.Fatalf("no root of cycle %d accepted (%v, %v)", cycle, ok, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestWrongRootMinerSlashed is Colony's challenge-response on a devnet:
// node 2's operator mines with the fault wrong-root, node 1's honestly;
// both submit for the same cycle, the challenge runs with nobody but the
// two miners answering, the honest root is accepted and the faulty miner
// loses its whole stake — half to the honest miner, the only defender of
// the winning claim, half to the treasury — and the next cycle is mined
// and proven as before.
func TestWrongRootMinerSlashed(t *testing.T) {
	began := time.Now()
	d := startDevnetParams(t, []NodeOptions{{}, {MinerFault: miner.FaultWrongRoot}}, func(p *ledgerpb.Params) {
		p.ReputationCycleBlocks, p.MiningWindowBlocks = 20, 10
	})
	honest, faulty := d.Miners[0], d.Miners[1]
	if honest.Address != d.Nodes[0].Operator || faulty.Address != d.Nodes[1].Operator || faulty.Fault != miner.FaultWrongRoot {
		t.Fatalf("miners %+v %+v: want the operators', the second faulty", honest, faulty)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	found, err := d.Client.WaitEvents(ctx, client.Match(ledgerrep.EventMinerSlashed{Miner: faulty.Address}))
	if err != nil {
		t.Fatalf("the faulty miner was not slashed: %v", err)
	}
	h := found[0].Height
	slashed, _ := event.Find[ledgerrep.EventMinerSlashed](found[0].Events)
	cycle := slashed.Cycle
	t.Logf("cycle %d: the faulty miner slashed at height %d, %s after the start", cycle, h, time.Since(began).Round(time.Second))

	// Both miners submitted for the cycle, different roots.
	subs, err := d.Client.WaitEvents(ctx, client.Match(ledgerrep.EventRootSubmitted{Cycle: cycle}, "Cycle"))
	if err != nil {
		t.Fatal(err)
	}
	roots := map[string]string{}
	for _, s := range subs {
		for _, e := range s.Events {
			if e, ok := e.(ledgerrep.EventRootSubmitted); ok {
				roots[e.Miner.String()] = hex.EncodeToString(e.Root)
			}
		}
	}
	honestRoot, faultyRoot := roots[honest.Address.String()], roots[faulty.Address.String()]
	if honestRoot == "" || faultyRoot == "" || honestRoot == faultyRoot {
		t.Fatalf("cycle %d: submissions %v, want distinct roots of both miners", cycle, roots)
	}

	// The book of the slash, between the states of heights h − 1 and h.
	p := must[*ledgerpb.Params](t, "params", h)(d.Client.AtHeight(h).Params(ctx))
	rec := must[*ledgerpb.Miner](t, "miner", h-1)(d.Client.AtHeight(h-1).Miner(ctx, faulty.Address))
	stake := int64(rec.GetStake())
	share := stake * int64(p.GetMinerSlashDefenderBps()) / 10_000
	if stake != MinerStake || slashed.Stake != uint64(stake) || slashed.Defenders != uint64(share) || slashed.Treasury != uint64(stake-share) {
		t.Errorf("miner_slashed %v: want the stake %d of the miner (MinerStake %d), %d to the defender, the rest to the treasury", slashed, stake, MinerStake, share)
	}
	if _, err := d.Client.AtHeight(h).Miner(ctx, faulty.Address); !errors.Is(err, query.ErrNotFound) {
		t.Error("the faulty miner keeps its record after the slash")
	}
	fees, feesAndMinting := blockFees(t, d, h)
	tb0 := must[uint64](t, "treasury", h-1)(d.Client.AtHeight(h - 1).TreasuryBalance(ctx))
	tb1 := must[uint64](t, "treasury", h)(d.Client.AtHeight(h).TreasuryBalance(ctx))
	minersAccount := bank.ModuleAddress(ledgerrep.MinerAccount)
	for _, c := range []struct {
		who       string
		got, want int64
	}{
		{"honest miner (the defender)", balanceAt(t, d, honest.Address, h) - balanceAt(t, d, honest.Address, h-1), share - fees[honest.Address.String()]},
		{"faulty miner", balanceAt(t, d, faulty.Address, h) - balanceAt(t, d, faulty.Address, h-1), -fees[faulty.Address.String()]},
		{"treasury", int64(tb1) - int64(tb0), stake - share + feesAndMinting},
		{"miner stakes", balanceAt(t, d, minersAccount, h) - balanceAt(t, d, minersAccount, h-1), -stake},
	} {
		if c.got != c.want {
			t.Errorf("block %d: %s moved %d ucell, want %d", h, c.who, c.got, c.want)
		}
	}

	// Nobody but the miners answered: each answered for its own claim.
	for _, m := range []MinerInfo{honest, faulty} {
		if _, err := d.Client.WaitEvents(ctx, client.Match(ledgerrep.EventChallengeAnswered{Cycle: cycle, By: m.Address}, "Cycle", "By")); err != nil {
			t.Errorf("%s answered no challenge step: %v", m.Name, err)
		}
	}

	// The honest root is accepted for the cycle, at the next block.
	waitAccepted(t, d, cycle, 30*time.Second)
	rr := must[*ledgerpb.ReputationRoot](t, "root", h+1)(d.Client.AtHeight(h + 1).ReputationRoot(ctx))
	if rr.GetCycle() != cycle || hex.EncodeToString(rr.GetRoot()) != honestRoot {
		t.Errorf("accepted at height %d: cycle %d, root %x; want cycle %d, the honest root %s", h+1, rr.GetCycle(), rr.GetRoot(), cycle, honestRoot)
	}
	if c, ok := honest.Miner.Replayer().Cycle(cycle); ok && hex.EncodeToString(c.Root[:]) != honestRoot {
		t.Errorf("the honest miner submitted %s, its replay gives %x", honestRoot, c.Root)
	}

	// The next cycle is mined (by the honest miner alone) and the
	// miners' proofs verify against its root: the honest miner's reward,
	// and the faulty one's penalty, each from its own operator's miner.
	acc := waitAccepted(t, d, cycle+1, 60*time.Second)
	for _, m := range []MinerInfo{honest, faulty} {
		mc, err := proofapi.NewClient(m.Endpoint)
		if err != nil {
			t.Fatal(err)
		}
		var leaves []proofapi.VerifiedLeaf
		deadline := time.Now().Add(30 * time.Second)
		for {
			resp, err := mc.Reputation(ctx, m.Address, 0)
			if err == nil && resp.Cycle == acc.Cycle {
				if leaves, err = proofapi.VerifyReputation(resp, acc, m.Address); err != nil {
					t.Fatalf("%s: the proof does not verify against the root of cycle %d: %v", m.Name, acc.Cycle, err)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: no reputation against the root of cycle %d: %v", m.Name, acc.Cycle, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
		mining := false
		for _, l := range leaves {
			if l.Path == "mining" {
				mining = true
				if m.Address == honest.Address && l.Reputation.Sign() <= 0 {
					t.Errorf("the honest miner's mining reputation is %s", l.Reputation)
				}
			}
		}
		if m.Address == honest.Address && !mining {
			t.Errorf("%s: no mining reputation: %+v", m.Name, leaves)
		}
	}
	t.Logf("done in %s", time.Since(began).Round(time.Second))
}

// acceptedRoot returns the accepted reputation root, waiting until one of
// cycle at least min is accepted.
func acceptedRoot(t *testing.T, d *Devnet, min uint64, timeout time.Duration) *ledgerpb.ReputationRoot {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if rr, err := d.Client.ReputationRoot(context.Background()); err == nil && rr.Root != nil && rr.Cycle >= min {
			return rr
		}
		if time.Now().After(deadline) {
			t.Fatalf("no root of cycle %d or later accepted in %s", min, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func recoveryStatus(t *testing.T, d *Devnet) *ledgerpb.RecoveryStatus {
	t.Helper()
	r, err := d.Client.Recovery(context.Background())
	if err != nil {
		t.Fatalf("recovery status: %v", err)
	}
	return r
}

// TestRecoveryOnDevnet: Colony's emergency brake on a running network. An
// order's reputation is mined and proven; a recovery address (the
// validator's operator) stops mining; however many blocks pass, no cycle
// freezes, so nothing decays, and the provider's reputation proves the
// same value against the same root; the recovery addresses then revert
// the accepted root to the cycle before, an edit, and two of the three
// approve the exit naming that edit; mining resumes, the miner mines the
// reverted cycle again from the state it computed, and the chain accepts
// it again.
func TestRecoveryOnDevnet(t *testing.T) {
	ctx := context.Background()
	d := startDevnetParams(t, []NodeOptions{{}}, func(p *ledgerpb.Params) { p.ReputationCycleBlocks, p.MiningWindowBlocks = 20, 5 })
	key, _ := d.Key(KeyBuyer)
	b, err := order.NewBuyer(ctx, d.Client, key)
	if err != nil {
		t.Fatal(err)
	}
	genome, _ := filepath.Abs("../examples/data/lambda.fa")
	res, err := b.Run(ctx, order.Request{Package: d.Packages[0].ID.String(), Inputs: map[string]string{"genome": genome},
		Params: map[string]string{"ENZYMES": "EcoRI"}, MaxPrice: 5000, BidWindow: 10})
	if err != nil || len(res.Reputation) == 0 {
		t.Fatalf("order: %+v, %v", res, err)
	}
	cycle := res.Reputation[0].Cycle
	before := acceptedRoot(t, d, max(cycle, 1), 90*time.Second)
	// The root of the cycle before, to revert to (the empty state before
	// cycle 0).
	var prevRoot []byte
	var prevLeaves uint64
	if before.Cycle > 0 {
		rr := must[*ledgerpb.ReputationRoot](t, "root", before.AcceptedHeight-1)(d.Client.AtHeight(before.AcceptedHeight - 1).ReputationRoot(context.Background()))
		if rr.Cycle+1 != before.Cycle {
			t.Fatalf("the root before height %d is of cycle %d, want %d", before.AcceptedHeight, rr.Cycle, before.Cycle-1)
		}
		prevRoot, prevLeaves = rr.Root, rr.NLeaves
	} else {
		prevRoot = make([]byte, 32)
	}
	mc, err := proofapi.NewClient(d.Miners[0].Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := proofapi.ParseAddress(res.Provider)
	prove := func(want *ledgerpb.ReputationRoot) string {
		t.Helper()
		root, err := proofapi.RootFromProto(want)
		if err != nil {
			t.Fatal(err)
		}
		// The miner replays an accepted cycle after the block that
		// accepts it: it answers 503 until then.
		resp, err := mc.Reputation(ctx, addr, 0)
		for deadline := time.Now().Add(10 * time.Second); proofapi.IsStatus(err, http.StatusServiceUnavailable) && time.Now().Before(deadline); {
			time.Sleep(100 * time.Millisecond)
			resp, err = mc.Reputation(ctx, addr, 0)
		}
		if err != nil {
			t.Fatal(err)
		}
		leaves, err := proofapi.VerifyReputation(resp, root, addr)
		if err != nil || len(leaves) == 0 {
			t.Fatalf("proof against the accepted root of cycle %d: %d leaves, %v", want.Cycle, len(leaves), err)
		}
		return fmt.Sprint(leaves)
	}

	val, _ := d.Key(KeyValidator)
	author, _ := d.Key(KeyAuthor)
	send(t, d, val, &ledgerpb.Msg{Sum: &ledgerpb.Msg_EnterRecovery{EnterRecovery: &ledgerpb.MsgEnterRecovery{}}})
	frozen := acceptedRoot(t, d, 0, time.Second)
	status := func() *ledgerpb.MiningStatus {
		s, err := d.Client.Mining(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s0 := status()
	if !s0.Recovery {
		t.Fatalf("status %v: not in recovery mode", s0)
	}
	value := prove(frozen)
	// Three cycles' worth of blocks: nothing freezes, nothing decays.
	h0 := d.height(t)
	for d.height(t) < h0+60 {
		time.Sleep(100 * time.Millisecond)
	}
	s1 := status()
	if s1.OpenCycle != s0.OpenCycle || s1.Mining != s0.Mining || s1.MiningCycle != s0.MiningCycle {
		t.Fatalf("mining moved in recovery mode: %v, then %v", s0, s1)
	}
	if r := acceptedRoot(t, d, 0, time.Second); r.Cycle != frozen.Cycle || string(r.Root) != string(frozen.Root) {
		t.Fatalf("the accepted root changed in recovery mode: %v, was %v", r, frozen)
	}
	if got := prove(frozen); got != value {
		t.Fatalf("the reputation changed in recovery mode: %s, was %s", got, value)
	}

	// Revert to the cycle before, an edit; an approval of the state before
	// it is refused; two fresh approvals end recovery mode.
	send(t, d, author, &ledgerpb.Msg{Sum: &ledgerpb.Msg_RecoverySetRoot{RecoverySetRoot: &ledgerpb.MsgRecoverySetRoot{
		Cycle: before.Cycle - 1, Root: prevRoot, NLeaves: prevLeaves, Jrh: make([]byte, 32)}}})
	rs := recoveryStatus(t, d)
	if rs.Edits == 0 {
		t.Fatalf("recovery %v: the root set is no edit", rs)
	}
	approve := func(k ed25519.PrivateKey, edit uint64) (client.TxResult, error) {
		t.Helper()
		return d.Client.Send(ctx, k, d.ChainID, params.Default().MinFee,
			&ledgerpb.Msg{Sum: &ledgerpb.Msg_ApproveRecoveryExit{ApproveRecoveryExit: &ledgerpb.MsgApproveRecoveryExit{Edit: edit}}})
	}
	// A stale approval is refused by the simulation, before any fee.
	if r, err := approve(val, rs.Edits-1); !errors.Is(err, ledgerrep.ErrStaleApproval) || r.Height != 0 {
		t.Fatalf("an approval of the state before the edit: %v, %+v", err, r)
	}
	if r, err := approve(val, rs.Edits); err != nil || r.Code != 0 {
		t.Fatalf("approval: %v %s", err, r.Log)
	}
	if r, err := approve(author, rs.Edits); err != nil || r.Code != 0 || !found[ledgerrep.EventRecoveryExited](r.Events) {
		t.Fatalf("the second approval: %v, code %d %s", err, r.Code, r.Log)
	}
	if status().Recovery {
		t.Fatal("still in recovery mode after two of three approvals")
	}
	// Mining resumes from the reverted root: the cycle is mined again and
	// accepted with the same root as before, which proves the same value.
	again := acceptedRoot(t, d, before.Cycle, 90*time.Second)
	if again.Cycle != before.Cycle || string(again.Root) != string(before.Root) || again.AcceptedHeight <= before.AcceptedHeight {
		t.Fatalf("after recovery: root %v, want cycle %d mined again to root %x", again, before.Cycle, before.Root)
	}
	if got := prove(again); got != value {
		t.Fatalf("the reputation after recovery: %s, was %s", got, value)
	}
}

// found reports whether evs hold an event of type T.
func found[T event.Typed](evs []event.Typed) bool {
	_, ok := event.Find[T](evs)
	return ok
}

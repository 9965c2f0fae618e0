package order

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
)

// dispute opens a dispute of o (claim, outcome, stake; 0 stake: the
// chain's min_dispute_stake) and follows it (followDispute). It first
// makes and keeps a seed chain (NewSeedChain), whose head the dispute
// commits to: one seed per round, max_dispute_rounds of them for a
// compute package, one for a protocol package (whose single round of
// verifiers is followed, if they cannot decide, by a domain vote).
func (x *run) dispute(ctx context.Context, o *ledgerpb.Order, claim ledgerpb.DisputeClaim, outcome ledgerpb.DisputeOutcome, stake uint64, why string, wait bool) (*Result, error) {
	if stake == 0 {
		stake = x.b.Params.MinDisputeStake
	}
	mark, err := x.b.logMark(ctx)
	if err != nil {
		return x.r, err
	}
	x.r.Dispute = &DisputeReport{Claim: market.ClaimName(claim), Outcome: market.OutcomeName(outcome), Stake: stake, Why: why, Verifiers: []string{}}
	pkg, err := x.b.registeredPackage(ctx, o.PackageId)
	if err != nil {
		return x.r, fmt.Errorf("order %d: its package: %w", o.Id, err)
	}
	m := &ledgerpb.MsgOpenDispute{OrderId: o.Id, Claim: claim, Outcome: outcome, Stake: stake}
	// Both kinds draw verifiers (a protocol dispute one round, then
	// perhaps its domain vote), so both commit to a seed chain.
	rounds := x.b.Params.MaxDisputeRounds
	if pkg.Kind == ledgerpb.PackageKind_PACKAGE_KIND_PROTOCOL {
		rounds = 1
	}
	seeds, err := NewSeedChain(rounds)
	if err != nil {
		return x.r, err
	}
	// Kept before the dispute commits to them, so that a buyer whose
	// process ends can still reveal them (Dispute).
	if err := x.b.updateState(o.Id, func(s *State) { s.Seeds = seeds }); err != nil {
		return x.r, fmt.Errorf("order %d: keep the dispute's seed chain: %w", o.Id, err)
	}
	m.SeedCommitment = seeds[0]
	evs, h, err := x.send(ctx, fmt.Sprintf("dispute order %d", o.Id), &ledgerpb.Msg{Sum: &ledgerpb.Msg_OpenDispute{OpenDispute: m}})
	if err != nil {
		if why != "" {
			return x.r, fmt.Errorf("order %d: %w: %s; and the dispute failed: %v", o.Id, ErrDisputed, why, err)
		}
		return x.r, err
	}
	x.r.Heights.DisputeOpened, x.r.State = h, market.StateName(ledgerpb.OrderState_ORDER_STATE_DISPUTED)
	detail := x.r.Dispute.Claim
	if why != "" {
		detail += ": " + why
	}
	opened, _ := event.Find[market.EventDisputeOpened](evs)
	x.report(Step{Kind: StepDisputeOpened, Height: h, Deadline: opened.SeedDeadline, Detail: detail})
	return x.followDispute(ctx, o, mark, why, wait)
}

// followDispute follows the dispute of o (the order as disputed, with
// its contract): whenever a round of a compute dispute waits for its
// seed, it reveals the seed kept in the order's State, which draws the
// round's verifiers, and sends them the inputs when the run has them.
// Without wait it returns after the first reveal (or at once when no
// round waits); with wait it goes on to the verdict (decided).
func (x *run) followDispute(ctx context.Context, o *ledgerpb.Order, mark logMark, why string, wait bool) (*Result, error) {
	var revealed uint32
	for {
		r, err := x.b.Order(ctx, o.Id)
		if err != nil {
			return x.r, err
		}
		cur := r.Order
		if cur.State != ledgerpb.OrderState_ORDER_STATE_DISPUTED {
			if cur.Contract == nil {
				// Redo by another provider cleared the contract; the
				// dispute was about the one the buyer disputed.
				cur = proto.Clone(cur).(*ledgerpb.Order)
				cur.Contract = o.Contract
			}
			return x.decided(ctx, cur, mark, why)
		}
		if d := cur.Dispute; d.SeedDeadline != 0 && d.Round > revealed {
			if d.Round > 1 {
				x.report(Step{Kind: StepDisputeRound, Height: d.RoundHeight, Round: d.Round, Deadline: d.SeedDeadline})
			}
			if err := x.revealSeed(ctx, cur); err != nil {
				return x.r, err
			}
			revealed = d.Round
			if !wait {
				return x.r, nil
			}
			continue
		}
		if !wait {
			return x.r, nil
		}
		if err := sleep(ctx, x.b.Poll); err != nil {
			return x.r, fmt.Errorf("order %d: %w", o.Id, err)
		}
	}
}

// revealSeed reveals the seed of the round that the dispute of o waits
// for, from the seed chain in the order's State, and sends the inputs to
// the verifiers drawn.
func (x *run) revealSeed(ctx context.Context, o *ledgerpb.Order) error {
	d := o.Dispute
	st, err := x.b.state(o.Id)
	if err != nil {
		return err
	}
	var seed []byte
	if int(d.Round) < len(st.Seeds) {
		seed = st.Seeds[d.Round]
	}
	if h := market.SeedHash(seed); seed == nil || !bytes.Equal(h[:], d.SeedHead) {
		where := "in memory"
		if x.b.StateDir != "" {
			where = "in " + StatePath(x.b.StateDir, o.Id)
		}
		return fmt.Errorf("order %d: round %d of the dispute waits for its seed until height %d, but the seed chain kept %s does not hold it (reveal it with cell tx market reveal-dispute-seed)",
			o.Id, d.Round, d.SeedDeadline, where)
	}
	evs, h, err := x.send(ctx, fmt.Sprintf("reveal the seed of round %d of the dispute of order %d", d.Round, o.Id),
		&ledgerpb.Msg{Sum: &ledgerpb.Msg_RevealDisputeSeed{RevealDisputeSeed: &ledgerpb.MsgRevealDisputeSeed{OrderId: o.Id, Seed: seed}}})
	if err != nil {
		return err
	}
	drawn, _ := event.Find[market.EventDisputeDrawn](evs)
	var keys []string
	for _, k := range drawn.Verifiers {
		keys = append(keys, hex.EncodeToString(k))
	}
	commitDeadline := drawn.CommitDeadline
	rep := x.r.Dispute
	rep.Round, rep.Verifiers = d.Round, append(rep.Verifiers, keys...)
	x.report(Step{Kind: StepDisputeDrawn, Height: h, Round: d.Round, Verifiers: keys, Deadline: commitDeadline})
	x.verifierInputs(ctx, o, keys, commitDeadline)
	return nil
}

// verifierInputs sends the run's inputs, if it has them, to each drawn
// verifier (node keys in hex), retrying until the commit deadline;
// each verifier's outcome is a StepVerifierInputs.
func (x *run) verifierInputs(ctx context.Context, o *ledgerpb.Order, keys []string, commitDeadline int64) {
	if !x.haveInputs || x.proto != nil {
		// Verifiers of a protocol dispute check the provider's log and
		// datasets: there are no inputs to send them.
		return
	}
	for _, k := range keys {
		s := Step{Kind: StepVerifierInputs, NodeKey: k}
		raw, err := hex.DecodeString(k)
		if err == nil {
			s.Endpoint, err = x.b.nodeEndpoint(ctx, raw)
		}
		if err == nil {
			err = x.sendInputs(ctx, x.b.nodeAPI(s.Endpoint), o, commitDeadline, true)
		}
		if err != nil {
			s.Detail = err.Error()
		}
		x.report(s)
	}
}

// decided reports a decided dispute of o and returns its error: nil when
// the buyer won a dispute it opened on its own; ErrDisputeLost,
// ErrDisputeSplit or ErrDisputeAbandoned otherwise, with ErrDisputed when
// the dispute came from a failed verification (why).
func (x *run) decided(ctx context.Context, o *ledgerpb.Order, mark logMark, why string) (*Result, error) {
	d := o.GetDispute()
	rep := x.r.Dispute
	rep.Verdict, rep.MajorityRoot, rep.Refund = market.VerdictName(d.GetVerdict()), hex.EncodeToString(d.GetMajorityRoot()), DisputeRefund(o, x.b.Params)
	x.r.Heights.DisputeDecided, x.r.State = o.UpdatedHeight, market.StateName(o.State)
	x.report(Step{Kind: StepDisputeDecided, Height: o.UpdatedHeight, Refund: rep.Refund, Detail: fmt.Sprintf("%s, order %s", rep.Verdict, x.r.State)})
	if want, ok := disputeEntries(o); ok {
		if entries, err := x.b.reputationSince(ctx, mark, want); err == nil {
			x.r.Reputation = entries
		}
	}
	if o.State == ledgerpb.OrderState_ORDER_STATE_RESOLVED {
		x.b.forget(o.Id)
	}
	var err error
	switch d.GetVerdict() {
	case ledgerpb.DisputeVerdict_DISPUTE_VERDICT_PROVIDER_WON:
		return x.r, fmt.Errorf("order %d: %w; PO stake and dispute stake lost", o.Id, ErrDisputeLost)
	case ledgerpb.DisputeVerdict_DISPUTE_VERDICT_BUYER_WON:
		if why == "" {
			return x.r, nil
		}
		return x.r, fmt.Errorf("order %d: %w: %s; dispute won (%s), %d ucell returned", o.Id, ErrDisputed, why, rep.Outcome, rep.Refund)
	case ledgerpb.DisputeVerdict_DISPUTE_VERDICT_SPLIT:
		err = fmt.Errorf("%w after %d round(s): %d ucell returned", ErrDisputeSplit, d.GetRound(), rep.Refund)
	case ledgerpb.DisputeVerdict_DISPUTE_VERDICT_ABANDONED:
		err = fmt.Errorf("%w; the PO stake (%d ucell) returned, the dispute stake (%d ucell) went to the provider", ErrDisputeAbandoned, rep.Refund, d.GetStake())
	default:
		err = fmt.Errorf("dispute ended with verdict %s, order %s", rep.Verdict, x.r.State)
	}
	if why != "" {
		return x.r, fmt.Errorf("order %d: %w: %s; %w", o.Id, ErrDisputed, why, err)
	}
	return x.r, fmt.Errorf("order %d: %w", o.Id, err)
}

// resumeDispute follows the dispute of a DISPUTED order o from where it
// is: the seed of a round that waits for one is revealed, the verifiers
// of a drawn round get the inputs again (they accept a repeated upload).
func (x *run) resumeDispute(ctx context.Context, o *ledgerpb.Order, wait bool) (*Result, error) {
	d := o.Dispute
	rep := &DisputeReport{Claim: market.ClaimName(d.Claim), Outcome: market.OutcomeName(d.Outcome), Stake: d.Stake, Round: d.Round, Verifiers: []string{}}
	var keys []string
	for _, v := range d.Verifiers {
		keys = append(keys, hex.EncodeToString(v.NodeKey))
	}
	rep.Verifiers = append(rep.Verifiers, keys...)
	x.r.Dispute, x.r.Heights.DisputeOpened = rep, d.OpenedHeight
	if o.Delivery != nil {
		x.r.OutputRoot, x.r.Heights.Delivered, x.r.RunResult = hex.EncodeToString(o.Delivery.OutputRoot), o.Delivery.Height, market.RunResultName(o.Delivery.Result)
	}
	mark, err := x.b.logMark(ctx)
	if err != nil {
		return x.r, err
	}
	if d.SeedDeadline == 0 && len(keys) > 0 {
		x.verifierInputs(ctx, o, keys, d.CommitDeadline)
	}
	return x.followDispute(ctx, o, mark, "", wait)
}

package miner

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/ledger/codes"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	ledgerrep "github.com/celltonomy/celltonomy/ledger/reputation"
	"github.com/celltonomy/celltonomy/reputation"
	"github.com/celltonomy/celltonomy/reputation/patricia"
)

// claim is what the miner submits for the mining cycle and answers the
// challenges of: the root, leaf count and JRH of one replay of the cycle,
// and the Defense that holds that replay. It is never modified.
type claim struct {
	cycle   uint64
	defense *ledgerrep.Defense // nil when none says why there is no claim
	root    patricia.Hash
	nLeaves uint64
	jrh     patricia.Hash
	// forged: the replay is wrong from update forgedAt on (FaultWrongRoot).
	forged   bool
	forgedAt uint64
	none     string
}

// claimFor returns the miner's claim for cycle, computed once per cycle:
// the replayer's, or with FaultWrongRoot a replay forged at update N/2.
// It returns false while cycle is not the latest cycle replayed with its
// justification tree.
func (m *Miner) claimFor(cycle uint64) (*claim, bool) {
	m.mu.Lock()
	cl := m.claim
	m.mu.Unlock()
	if cl != nil && cl.cycle == cycle {
		return cl, true
	}
	d, ok := m.rep.Defense(cycle)
	if !ok {
		return nil, false
	}
	cl = &claim{cycle: cycle, defense: d}
	if m.opts.Fault == FaultWrongRoot {
		cl = m.forge(d)
	}
	if cl.defense != nil {
		r := cl.defense.Result
		cl.root, cl.nLeaves, cl.jrh = r.Root, r.NLeaves, r.Justification.Root()
	}
	m.mu.Lock()
	m.claim = cl
	m.mu.Unlock()
	return cl, true
}

// forge returns the claim of FaultWrongRoot for the cycle of the honest
// defense d: its replay forged at update N/2 of its N
// (reputation.ReplayForged), defended with that replay.
func (m *Miner) forge(d *ledgerrep.Defense) *claim {
	n := d.Result.Justification.Len() - 1 // leaves 0 … N
	if n == 0 {
		return &claim{cycle: d.Cycle, none: "fault wrong-root: the cycle has no update to forge"}
	}
	at := n / 2
	res, err := reputation.ReplayForged(d.Prev, d.Skills, d.Params, d.Log, at)
	if err != nil {
		m.log.Error("fault wrong-root: cannot forge the replay", "cycle", d.Cycle, "update", at, "err", err)
		return &claim{cycle: d.Cycle, none: "fault wrong-root: the replay cannot be forged"}
	}
	forged := *d
	forged.Result = res
	m.log.Warn("fault wrong-root: the replay is forged, its claim is submitted and defended", "cycle", d.Cycle, "forged_update", at, "updates", n,
		"root", hex0x(res.Root[:]), "honest_root", hex0x(d.Result.Root[:]))
	return &claim{cycle: d.Cycle, defense: &forged, forged: true, forgedAt: at}
}

// answers tracks the challenge answers of one mining cycle, per step.
type answers struct {
	cycle uint64
	done  map[answerKey]bool // false: in flight; true: sent, refused or nothing to send
	fate  string             // the last state of the miner's claim logged
}

// answerKey names one step of one side of a challenge: a search step by
// its node [lo, hi].
type answerKey struct {
	round, index, claim uint32
	step                ledgerpb.ChallengeStep
	lo, hi              uint64
	searchSteps         uint32
}

// defend answers for the miner's claim in the challenges of the current
// round (Colony whitepaper §7.5: anyone may answer for a claim, and the
// miner answers for the one its replay gives, whoever submitted it): for
// each challenge in which a side is its claim (Defense.Claims) and has
// not answered the step, it sends the answer (Defense.Answer) in the
// background, tracked by wg, once per step; an answer that failed to
// reach the chain is sent again after the next block.
func (m *Miner) defend(ctx context.Context, height int64, st *ledgerpb.MiningStatus, wg *sync.WaitGroup) {
	cycle := st.GetMiningCycle()
	cl, ok := m.claimFor(cycle)
	if !ok {
		m.wait(cycle, "cycle not replayed yet: cannot answer its challenges")
		return
	}
	if cl.defense == nil {
		m.wait(cycle, cl.none)
		return
	}
	claims := map[uint32]*ledgerpb.Claim{}
	var ours *ledgerpb.Claim
	for _, c := range st.GetClaims() {
		claims[c.GetId()] = c
		if cl.defense.Claims(c) {
			ours = c
		}
	}
	if ours == nil {
		m.wait(cycle, "the cycle's claims are challenged: none is ours", "claims", len(claims), "root", hex0x(cl.root[:]))
		return
	}
	m.watch(cl, ours)
	if ours.GetState() != ledgerpb.ClaimState_CLAIM_STATE_ALIVE || ours.GetBye() {
		return
	}
	for _, ch := range st.GetChallenges() {
		sides := ch.GetSides()
		if ch.GetCycle() != cycle || ch.GetStep() == ledgerpb.ChallengeStep_CHALLENGE_STEP_DECIDED || len(sides) != 2 {
			continue
		}
		for i, s := range sides {
			if s.GetClaim() == ours.GetId() && !s.GetAnswered() {
				m.answer(ctx, height, cl, ch, ours, claims[sides[1-i].GetClaim()], wg)
			}
		}
	}
}

// watch logs the state of the miner's claim in the challenge phase when
// it changes: challenged, a bye, or lost.
func (m *Miner) watch(cl *claim, c *ledgerpb.Claim) {
	fate := fmt.Sprint(c.GetState(), c.GetRound(), c.GetBye(), c.GetChallenge())
	m.mu.Lock()
	m.resetAnswers(cl.cycle)
	same := m.answers.fate == fate
	m.answers.fate = fate
	m.mu.Unlock()
	if same {
		return
	}
	args := []any{"cycle", cl.cycle, "claim", c.GetId(), "round", c.GetRound(), "root", hex0x(cl.root[:])}
	switch {
	case c.GetState() == ledgerpb.ClaimState_CLAIM_STATE_INVALIDATED && cl.forged:
		m.log.Warn("our forged claim lost its challenge", append(args, "reason", c.GetReason(), "lost_to", c.GetLostTo())...)
	case c.GetState() == ledgerpb.ClaimState_CLAIM_STATE_INVALIDATED:
		m.log.Error("OUR CLAIM LOST ITS CHALLENGE: its miners are slashed", append(args, "reason", c.GetReason(), "lost_to", c.GetLostTo())...)
	case c.GetBye():
		m.log.Info("our claim has a bye in this round", args...)
	default:
		m.log.Info("our claim is challenged", append(args, "challenge", c.GetChallenge())...)
	}
}

// resetAnswers starts the record of answers of cycle; m.mu is held.
func (m *Miner) resetAnswers(cycle uint64) {
	if m.answers.done == nil || m.answers.cycle != cycle {
		m.answers = answers{cycle: cycle, done: map[answerKey]bool{}}
	}
}

// answer sends, in the background, the answer of claim ours to the step
// challenge ch awaits, unless it was sent (or is in flight) already.
func (m *Miner) answer(ctx context.Context, height int64, cl *claim, ch *ledgerpb.Challenge, ours, opponent *ledgerpb.Claim, wg *sync.WaitGroup) {
	key := answerKey{round: ch.GetRound(), index: ch.GetIndex(), claim: ours.GetId(), step: ch.GetStep(),
		lo: ch.GetLo(), hi: ch.GetHi(), searchSteps: ch.GetSearchSteps()}
	m.mu.Lock()
	m.resetAnswers(cl.cycle)
	_, seen := m.answers.done[key]
	if !seen {
		m.answers.done[key] = false
	}
	m.mu.Unlock()
	if seen {
		return
	}
	args := []any{"cycle", cl.cycle, "round", ch.GetRound(), "challenge", ch.GetIndex(), "claim", ours.GetId(),
		"step", ledgerrep.StepName(ch.GetStep()), "deadline", ch.GetDeadline()}
	switch ch.GetStep() {
	case ledgerpb.ChallengeStep_CHALLENGE_STEP_SEARCH, ledgerpb.ChallengeStep_CHALLENGE_STEP_RESPOND:
		args = append(args, "lo", ch.GetLo(), "hi", ch.GetHi())
	}
	if cl.forged {
		args = append(args, "fault", m.opts.Fault)
	}
	if height+1 > ch.GetDeadline() {
		m.log.Error("too late to answer a challenge step", append(args, "height", height)...)
		m.settle(cl.cycle, key, true)
		return
	}
	wg.Go(func() {
		msg, err := cl.defense.Answer(ch, ours.GetId(), opponent)
		switch {
		case err != nil:
			m.log.Error("cannot answer a challenge step", append(args, "err", err)...)
			m.settle(cl.cycle, key, true)
			return
		case msg == nil:
			m.log.Info("no answer due from our side", args...) // e.g. the other side proves its leaf count
			m.settle(cl.cycle, key, true)
			return
		}
		m.log.Info("answering challenge", args...)
		res, err := m.chain.Send(ctx, msg)
		switch {
		case err == nil:
			m.log.Info("challenge answered", append(args, "tx_height", res.Height)...)
			m.settle(cl.cycle, key, true)
		case ctx.Err() != nil:
			// shutting down
		case res.Code != 0 && res.Codespace == ledgerrep.Codespace:
			m.log.Log(ctx, refusalLevel(res, cl.forged), "challenge answer refused", append(args, "code", res.Code, "err", err)...)
			m.settle(cl.cycle, key, true)
		default:
			m.log.Warn("challenge answer not sent: trying again after the next block", append(args, "err", err)...)
			m.settle(cl.cycle, key, false)
		}
	})
}

// settle records the answer of key in cycle as done, or forgets it so
// that the next block sends it again.
func (m *Miner) settle(cycle uint64, key answerKey, done bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.answers.cycle != cycle || m.answers.done == nil {
		return
	}
	if done {
		m.answers.done[key] = true
	} else {
		delete(m.answers.done, key)
	}
}

// refusalLevel is the log level of a refused answer: a warning when the
// step moved on without it (another defender was first, the challenge
// was decided) or the claim is forged on purpose, an error when the
// ledger found the answer itself wrong.
func refusalLevel(res client.TxResult, forged bool) slog.Level {
	if forged {
		return slog.LevelWarn
	}
	for _, c := range []codes.Code{ledgerrep.ErrAlreadyAnswered, ledgerrep.ErrWrongStep, ledgerrep.ErrNotChallenging,
		ledgerrep.ErrNoClaim, ledgerrep.ErrChallengeDeadline} {
		if refusedWith(res, c) {
			return slog.LevelWarn
		}
	}
	return slog.LevelError
}

// refusedWith reports whether res is a transaction refused with code c.
func refusedWith(res client.TxResult, c codes.Code) bool {
	return res.Code == c.Number && res.Codespace == c.Codespace
}

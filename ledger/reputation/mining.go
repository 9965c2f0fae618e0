package reputation

import (
	"bytes"
	"fmt"
	"math/big"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/internal/codec"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/store"
	"github.com/celltonomy/celltonomy/reputation/patricia"
)

// MinerAccount is the name of the module account that holds the miners'
// stakes.
const MinerAccount = "miners"

// HashSize is the size of a reputation root and a JRH.
const HashSize = 32

// MaxSubmissionsPerHash bounds the submissions of one (root, n_leaves,
// jrh) in a cycle (reputation.md: "At most 12 submissions per distinct
// hash"); it is also the number of weight positions.
const MaxSubmissionsPerHash = 12

// Bank is what mining needs of the bank module.
type Bank interface {
	MoveToModule(st store.KVStore, ev *event.Log, from address.Address, module string, amount uint64) error
	MoveFromModule(st store.KVStore, ev *event.Log, module string, to address.Address, amount uint64) error
	MoveBetweenModules(st store.KVStore, ev *event.Log, from, to string, amount uint64) error
	ModuleBalance(st store.KVStore, name string) uint64
}

// Mining is the on-chain part of reputation mining: miner stakes,
// submissions, cycles and their acceptance (see the package
// documentation). It holds only configuration.
type Mining struct {
	rep      Keeper
	bank     Bank
	pool     string
	treasury string
}

// NewMining returns mining over bank, which must know MinerAccount, the
// module account pool (the miners' reward pool, fed by minting) that pays
// miner_reward first, and the module account treasury that pays what
// the pool lacks and receives slashed miner stakes.
func NewMining(bank Bank, pool, treasury string) Mining {
	return Mining{rep: New(), bank: bank, pool: pool, treasury: treasury}
}

// MiningState returns the record of cycles and mining; its zero value
// (cycle 0 open since height 0, nothing mined) before the first freeze.
func (k Keeper) MiningState(st store.KVStore) *ledgerpb.MiningState {
	s := &ledgerpb.MiningState{}
	if b := st.Get(MiningStateKey()); b != nil {
		codec.MustUnmarshal(b, s)
	}
	return s
}

func setMiningState(st store.KVStore, s *ledgerpb.MiningState) {
	st.Set(MiningStateKey(), codec.Marshal(s))
}

// AcceptedRoot returns the latest accepted reputation root, or nil.
func (k Keeper) AcceptedRoot(st store.KVStore) *ledgerpb.ReputationRoot {
	b := st.Get(RootKey())
	if b == nil {
		return nil
	}
	r := &ledgerpb.ReputationRoot{}
	codec.MustUnmarshal(b, r)
	return r
}

// Miner returns the miner addr, or nil.
func (k Keeper) Miner(st store.KVStore, addr address.Address) *ledgerpb.Miner {
	b := st.Get(MinerKey(addr))
	if b == nil {
		return nil
	}
	m := &ledgerpb.Miner{}
	codec.MustUnmarshal(b, m)
	return m
}

// Miners returns every miner, by address.
func (k Keeper) Miners(st store.KVStore) []*ledgerpb.Miner {
	var out []*ledgerpb.Miner
	it := st.Iterator(MinerPrefix(), store.PrefixEnd(MinerPrefix()))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		m := &ledgerpb.Miner{}
		codec.MustUnmarshal(it.Value(), m)
		out = append(out, m)
	}
	return out
}

// Submissions returns the submissions of cycle in order; they are kept
// until the cycle is accepted.
func (k Keeper) Submissions(st store.KVStore, cycle uint64) []*ledgerpb.Submission {
	p := SubmissionPrefix(cycle)
	var out []*ledgerpb.Submission
	it := st.Iterator(p, store.PrefixEnd(p))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		s := &ledgerpb.Submission{}
		codec.MustUnmarshal(it.Value(), s)
		out = append(out, s)
	}
	return out
}

// SubmissionHash identifies what a submission claims:
// keccak256(root (32) ‖ uint256 n_leaves (32) ‖ jrh (32)). Submissions
// with the same hash are the same claim.
func SubmissionHash(root []byte, nLeaves uint64, jrh []byte) [32]byte {
	var n [32]byte
	new(big.Int).SetUint64(nLeaves).FillBytes(n[:])
	return patricia.Keccak256(store.Key(root, n[:], jrh))
}

// EligibilityHash returns keccak256(miner (20) ‖ uint256 entry index (32,
// big-endian) ‖ root (32)) (reputation.md: "Mining (on chain)"); a
// submission is eligible when it is below Target.
func EligibilityHash(miner address.Address, entryIndex uint64, root []byte) [32]byte {
	var n [32]byte
	new(big.Int).SetUint64(entryIndex).FillBytes(n[:])
	return patricia.Keccak256(store.Key(miner.Bytes(), n[:], root))
}

// Target returns the eligibility target at height in the window
// [start, end]: (2^256 − 1) × (height − start + 1) / (end − start + 1),
// the division truncating. It grows linearly from (2^256 − 1) / W at the
// window's first block to 2^256 − 1 at its last (W = its length in
// blocks); 0 before the window, 2^256 − 1 after it.
func Target(height, start, end int64) *big.Int {
	max := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))
	switch {
	case end < start || height < start:
		return new(big.Int)
	case height >= end:
		return max
	}
	t := max.Mul(max, big.NewInt(height-start+1))
	return t.Quo(t, big.NewInt(end-start+1))
}

// MinerWeight returns the weight of a submission at position n (0-based,
// n < MaxSubmissionsPerHash) in the list of its hash, of a miner staked
// for t blocks, with T = maturity blocks (reputation.md: "a miner's weight
// for list position n is (1 − 1/e3(t/T)) × (1 − n/24)", e3(x) = 1 + x +
// x²/2 + x³/6). Exactly, with E = 6T³ + 6T²t + 3Tt² + t³ = 6T³ × e3(t/T):
//
//	weight = (6T²t + 3Tt² + t³) × (24 − n) / (24 × E)
//
// a rational number in [0, 1), 0 when t = 0.
func MinerWeight(t, maturity uint64, n int) *big.Rat {
	if n < 0 || n >= MaxSubmissionsPerHash {
		panic(fmt.Sprintf("reputation: miner weight: position %d outside [0, %d)", n, MaxSubmissionsPerHash))
	}
	bt, bT := new(big.Int).SetUint64(t), new(big.Int).SetUint64(maturity)
	mul := func(xs ...*big.Int) *big.Int {
		r := big.NewInt(1)
		for _, x := range xs {
			r.Mul(r, x)
		}
		return r
	}
	six, three := big.NewInt(6), big.NewInt(3)
	grow := new(big.Int).Add(mul(six, bT, bT, bt), mul(three, bT, bt, bt))
	grow.Add(grow, mul(bt, bt, bt))
	e := new(big.Int).Add(mul(six, bT, bT, bT), grow)
	num := grow.Mul(grow, big.NewInt(int64(24-n)))
	den := e.Mul(e, big.NewInt(24))
	return new(big.Rat).SetFrac(num, den)
}

// RewardShares splits total by weights: share i = floor(total × w_i /
// Σ w). The shares sum to at most total; what is left is not paid. All
// shares are 0 when Σ w = 0.
func RewardShares(total uint64, weights []*big.Rat) []uint64 {
	out := make([]uint64, len(weights))
	sum := new(big.Rat)
	for _, w := range weights {
		sum.Add(sum, w)
	}
	if sum.Sign() == 0 {
		return out
	}
	for i, w := range weights {
		r := new(big.Rat).Mul(new(big.Rat).SetInt(new(big.Int).SetUint64(total)), w)
		r.Quo(r, sum)
		out[i] = new(big.Int).Quo(r.Num(), r.Denom()).Uint64()
	}
	return out
}

// ValidateStakeMiner checks a MsgStakeMiner without state: a positive
// amount (ErrInvalidAmount).
func ValidateStakeMiner(m *ledgerpb.MsgStakeMiner) error {
	if m.Amount == 0 {
		return ErrInvalidAmount.Errorf("stake_miner: amount 0: must be positive")
	}
	return nil
}

// StakeMiner executes a MsgStakeMiner signed by signer in the block at
// height: ValidateStakeMiner's rule, then the stake after it must fit in
// uint64 (ErrInvalidAmount) and reach min_miner_stake (ErrStakeTooLow).
// The amount moves from the signer to the module account "miners" (bank
// codes). The first stake records since_height = height; topping up
// keeps it.
func (m Mining) StakeMiner(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, signer address.Address, msg *ledgerpb.MsgStakeMiner) error {
	const op = "stake_miner"
	if err := ValidateStakeMiner(msg); err != nil {
		return err
	}
	mi := m.rep.Miner(st, signer)
	if mi == nil {
		mi = &ledgerpb.Miner{Address: signer.Bytes(), SinceHeight: height}
	}
	stake := mi.Stake + msg.Amount
	if stake < mi.Stake {
		return ErrInvalidAmount.Errorf("%s: stake %d + amount %d overflows", op, mi.Stake, msg.Amount)
	}
	if stake < p.MinMinerStake {
		return ErrStakeTooLow.Errorf("%s: stake %d ucell: must be at least min_miner_stake %d ucell", op, stake, p.MinMinerStake)
	}
	if err := m.bank.MoveToModule(st, ev, signer, MinerAccount, msg.Amount); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	mi.Stake = stake
	st.Set(MinerKey(signer), codec.Marshal(mi))
	ev.Emit(EventMinerStaked{Miner: signer, Amount: msg.Amount, Stake: stake, SinceHeight: mi.SinceHeight})
	return nil
}

// ValidateUnstakeMiner checks a MsgUnstakeMiner without state: a positive
// amount (ErrInvalidAmount).
func ValidateUnstakeMiner(m *ledgerpb.MsgUnstakeMiner) error {
	if m.Amount == 0 {
		return ErrInvalidAmount.Errorf("unstake_miner: amount 0: must be positive")
	}
	return nil
}

// UnstakeMiner executes a MsgUnstakeMiner: the signer is a miner
// (ErrNoMiner) with at least amount staked (ErrInsufficientStake) and no
// submission to the cycle being mined (ErrMinerBusy) — while its window
// is open, and also while its claims are challenged, since the stake is
// what a lost challenge takes. The amount returns to the signer; a
// stake of 0 removes the miner.
func (m Mining) UnstakeMiner(st store.KVStore, ev *event.Log, signer address.Address, msg *ledgerpb.MsgUnstakeMiner) error {
	const op = "unstake_miner"
	if err := ValidateUnstakeMiner(msg); err != nil {
		return err
	}
	mi := m.rep.Miner(st, signer)
	if mi == nil {
		return ErrNoMiner.Errorf("%s: %s is not a miner", op, signer)
	}
	if msg.Amount > mi.Stake {
		return ErrInsufficientStake.Errorf("%s: amount %d ucell: above the stake %d ucell", op, msg.Amount, mi.Stake)
	}
	if ms := m.rep.MiningState(st); ms.Mining && hasEntry(st, ms.MiningCycle, signer) {
		return ErrMinerBusy.Errorf("%s: %s submitted to cycle %d, which is not accepted yet", op, signer, ms.MiningCycle)
	}
	if err := m.bank.MoveFromModule(st, ev, MinerAccount, signer, msg.Amount); err != nil {
		panic(fmt.Sprintf("reputation: corrupt state: miners: %v", err))
	}
	mi.Stake -= msg.Amount
	if mi.Stake == 0 {
		st.Delete(MinerKey(signer))
	} else {
		st.Set(MinerKey(signer), codec.Marshal(mi))
	}
	ev.Emit(EventMinerUnstaked{Miner: signer, Amount: msg.Amount, Stake: mi.Stake})
	return nil
}

func hasEntry(st store.KVStore, cycle uint64, miner address.Address) bool {
	p := EntryMinerPrefix(cycle, miner)
	it := st.Iterator(p, store.PrefixEnd(p))
	defer it.Close()
	return it.Valid()
}

// ValidateSubmitRootHash checks a MsgSubmitRootHash without state: a
// 32-byte root and JRH (ErrInvalidSubmission), entry_index at least 1
// (ErrEntryIndex).
func ValidateSubmitRootHash(m *ledgerpb.MsgSubmitRootHash) error {
	const op = "submit_root_hash"
	if len(m.Root) != HashSize {
		return ErrInvalidSubmission.Errorf("%s: root: %d bytes, want %d", op, len(m.Root), HashSize)
	}
	if len(m.Jrh) != HashSize {
		return ErrInvalidSubmission.Errorf("%s: jrh: %d bytes, want %d", op, len(m.Jrh), HashSize)
	}
	if m.EntryIndex == 0 {
		return ErrEntryIndex.Errorf("%s: entry_index 0: must be at least 1", op)
	}
	return nil
}

// SubmitRootHash executes a MsgSubmitRootHash signed by signer in the
// block at height (reputation.md: "Mining (on chain)"):
// ValidateSubmitRootHash's rules, then mining is not in recovery mode
// (ErrRecoveryMode), a cycle is being mined, its window
// has not closed into a challenge, and msg.cycle is it (ErrNotMining);
// height is inside its window (ErrMiningWindow); the signer is a miner
// (ErrNoMiner) staked for at least miner_min_staked_cycles whole cycles
// of reputation_cycle_blocks (ErrStakedTooBriefly; Colony whitepaper
// §7.4: "Miners will also be required to have staked their tokens for a
// few update cycles"; counted in blocks, so that a chain whose miners
// all staked recently still mines once they are old enough) and
// entry_index ≤ stake / min_miner_stake
// (ErrEntryIndex); the miner has not used entry_index in this cycle
// (ErrEntryUsed); the (root, n_leaves, jrh) did not lose a challenge of
// this cycle (ErrInvalidatedClaim) and has fewer than
// MaxSubmissionsPerHash submissions (ErrTooManySubmissions);
// EligibilityHash(signer, entry_index, root) < Target(height, window)
// (ErrNotEligible). A new (root, n_leaves, jrh) becomes a new Claim of
// the cycle, with the next id.
func (m Mining) SubmitRootHash(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, signer address.Address, msg *ledgerpb.MsgSubmitRootHash) error {
	const op = "submit_root_hash"
	if err := ValidateSubmitRootHash(msg); err != nil {
		return err
	}
	if err := m.rep.refuseInRecovery(st, op); err != nil {
		return err
	}
	ms := m.rep.MiningState(st)
	switch {
	case !ms.Mining:
		return ErrNotMining.Errorf("%s: cycle %d: no cycle is being mined", op, msg.Cycle)
	case ms.Challenging:
		return ErrNotMining.Errorf("%s: cycle %d: the window closed and its claims are being challenged", op, ms.MiningCycle)
	case msg.Cycle != ms.MiningCycle:
		return ErrNotMining.Errorf("%s: cycle %d: the mining cycle is %d", op, msg.Cycle, ms.MiningCycle)
	case height < ms.WindowStart || height > ms.WindowEnd:
		return ErrMiningWindow.Errorf("%s: height %d: outside the window [%d, %d] of cycle %d", op, height, ms.WindowStart, ms.WindowEnd, ms.MiningCycle)
	}
	mi := m.rep.Miner(st, signer)
	if mi == nil {
		return ErrNoMiner.Errorf("%s: %s is not a miner", op, signer)
	}
	if from := mi.SinceHeight + int64(p.MinerMinStakedCycles*p.ReputationCycleBlocks); height < from {
		return ErrStakedTooBriefly.Errorf("%s: %s staked at height %d: may submit from height %d on (miner_min_staked_cycles %d × reputation_cycle_blocks %d)",
			op, signer, mi.SinceHeight, from, p.MinerMinStakedCycles, p.ReputationCycleBlocks)
	}
	if max := mi.Stake / p.MinMinerStake; msg.EntryIndex > max {
		return ErrEntryIndex.Errorf("%s: entry_index %d: must be at most stake / min_miner_stake = %d / %d = %d", op, msg.EntryIndex, mi.Stake, p.MinMinerStake, max)
	}
	if st.Has(EntryKey(ms.MiningCycle, signer, msg.EntryIndex)) {
		return ErrEntryUsed.Errorf("%s: entry_index %d: used by %s in cycle %d already", op, msg.EntryIndex, signer, ms.MiningCycle)
	}
	sh := SubmissionHash(msg.Root, msg.NLeaves, msg.Jrh)
	c := m.rep.claimByHash(st, ms.MiningCycle, sh)
	switch {
	case c != nil && c.State == ledgerpb.ClaimState_CLAIM_STATE_INVALIDATED:
		return ErrInvalidatedClaim.Errorf("%s: root %x, n_leaves %d, jrh %x: claim %d lost a challenge of cycle %d (%s)", op, msg.Root, msg.NLeaves, msg.Jrh, c.Id, ms.MiningCycle, c.Reason)
	case c != nil && c.Submissions >= MaxSubmissionsPerHash:
		return ErrTooManySubmissions.Errorf("%s: root %x, n_leaves %d, jrh %x: %d submissions already, at most %d", op, msg.Root, msg.NLeaves, msg.Jrh, c.Submissions, MaxSubmissionsPerHash)
	}
	eh := EligibilityHash(signer, msg.EntryIndex, msg.Root)
	if target := Target(height, ms.WindowStart, ms.WindowEnd); new(big.Int).SetBytes(eh[:]).Cmp(target) >= 0 {
		return ErrNotEligible.Errorf("%s: entry_index %d: eligibility hash %x is not below the target %064x at height %d", op, msg.EntryIndex, eh, target, height)
	}
	if c == nil {
		c = &ledgerpb.Claim{Cycle: ms.MiningCycle, Id: ms.Claims, Root: msg.Root, NLeaves: msg.NLeaves, Jrh: msg.Jrh,
			State: ledgerpb.ClaimState_CLAIM_STATE_ALIVE}
		ms.Claims++
		st.Set(ClaimHashKey(ms.MiningCycle, sh), store.Uint64(uint64(c.Id)))
	}
	staked := uint64(0)
	if height > mi.SinceHeight {
		staked = uint64(height - mi.SinceHeight)
	}
	s := &ledgerpb.Submission{
		Cycle: ms.MiningCycle, Miner: signer.Bytes(), EntryIndex: msg.EntryIndex, Root: msg.Root, NLeaves: msg.NLeaves,
		Jrh: msg.Jrh, Height: height, StakedBlocks: staked, Position: c.Submissions, Claim: c.Id,
	}
	st.Set(SubmissionKey(ms.MiningCycle, ms.Submissions), codec.Marshal(s))
	st.Set(EntryKey(ms.MiningCycle, signer, msg.EntryIndex), []byte{1})
	c.Submissions++
	c.Miners = append(c.Miners, signer.Bytes())
	setClaim(st, c)
	ms.Submissions++
	setMiningState(st, ms)
	ev.Emit(EventRootSubmitted{Cycle: ms.MiningCycle, Miner: signer, EntryIndex: msg.EntryIndex, Root: msg.Root,
		NLeaves: msg.NLeaves, JRH: msg.Jrh, Position: s.Position, Claim: c.Id})
	return nil
}

// BeginBlock runs the cycle hook at height, before the transactions:
//
//  1. while the mining cycle's claims are challenged, every challenge
//     whose step ended before height is decided by its timeout rule
//     (timeouts); when a round left one claim, it is accepted (accept);
//     when it left none, the window reopens;
//  2. if a cycle is being mined and its window ended before height, the
//     window closes: with no claim it reopens as [height+1,
//     height+mining_window_blocks]; with exactly one claim alive, it is
//     accepted; with two or more, the challenge phase starts with round 1
//     (startRound);
//  3. then, if no cycle is being mined and reputation_cycle_blocks have
//     passed since the open cycle opened, its log is frozen (StartCycle)
//     and becomes the mining cycle, with the window [height+1,
//     height+mining_window_blocks]. (When a cycle is accepted while the
//     next one is frozen already — a backlog that recovery mode leaves —
//     accept starts mining it at once instead.)
//
// It touches only what is due: the challenges whose deadline passed, a
// closing window, a freeze. In recovery mode it does nothing at all
// (EnterRecovery).
func (m Mining) BeginBlock(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64) {
	if m.rep.InRecovery(st) {
		return
	}
	ms := m.rep.MiningState(st)
	changed := false
	if ms.Mining && ms.Challenging {
		m.timeouts(st, ev, p, height, ms)
		if ms.Resolved {
			m.resolve(st, ev, p, height, ms)
		}
		changed = true
	}
	if ms.Mining && !ms.Challenging && height > ms.WindowEnd {
		m.closeWindow(st, ev, p, height, ms)
		changed = true
	}
	if !ms.Mining && height-ms.OpenCycleStart >= int64(p.ReputationCycleBlocks) {
		mining, open := m.rep.StartCycle(st, ev)
		ms.Mining, ms.MiningCycle, ms.Submissions, ms.Claims = true, mining, 0, 0
		ms.Challenging, ms.Round, ms.OpenChallenges, ms.Resolved = false, 0, 0, false
		ms.WindowStart, ms.WindowEnd = height+1, height+int64(p.MiningWindowBlocks)
		ms.OpenCycleStart = height
		ev.Emit(EventCycleFrozen{Cycle: mining, Open: open, WindowStart: ms.WindowStart, WindowEnd: ms.WindowEnd})
		changed = true
	}
	if changed {
		setMiningState(st, ms)
	}
}

// aliveClaims returns the claims of the mining cycle still in the running.
func (m Mining) aliveClaims(st store.KVStore, cycle uint64) []*ledgerpb.Claim {
	var out []*ledgerpb.Claim
	for _, c := range m.rep.Claims(st, cycle) {
		if c.State == ledgerpb.ClaimState_CLAIM_STATE_ALIVE {
			out = append(out, c)
		}
	}
	return out
}

func (m Mining) closeWindow(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, ms *ledgerpb.MiningState) {
	alive := m.aliveClaims(st, ms.MiningCycle)
	switch len(alive) {
	case 0:
		ms.WindowStart, ms.WindowEnd = height+1, height+int64(p.MiningWindowBlocks)
		ev.Emit(EventWindowReopened{Cycle: ms.MiningCycle, WindowStart: ms.WindowStart, WindowEnd: ms.WindowEnd})
	case 1:
		m.accept(st, ev, p, height, ms, alive[0])
	default:
		ms.Challenging = true
		m.startRound(st, ev, p, height, ms, 1)
		if ms.Resolved { // cannot happen with two or more alive claims
			m.resolve(st, ev, p, height, ms)
		}
	}
}

// resolve ends the challenge phase of the mining cycle: the one claim
// left is accepted; with none left (both sides of the last challenges
// lost) the submission window reopens as [height+1,
// height+mining_window_blocks], the lost claims staying barred
// (ErrInvalidatedClaim).
func (m Mining) resolve(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, ms *ledgerpb.MiningState) {
	alive := m.aliveClaims(st, ms.MiningCycle)
	ms.Challenging, ms.Round, ms.OpenChallenges, ms.Resolved = false, 0, 0, false
	if len(alive) == 1 {
		m.accept(st, ev, p, height, ms, alive[0])
		return
	}
	if len(alive) > 1 {
		panic(fmt.Sprintf("reputation: corrupt state: cycle %d resolved with %d claims alive", ms.MiningCycle, len(alive)))
	}
	ms.WindowStart, ms.WindowEnd = height+1, height+int64(p.MiningWindowBlocks)
	ev.Emit(EventMiningReopened{Cycle: ms.MiningCycle, WindowStart: ms.WindowStart, WindowEnd: ms.WindowEnd})
}

// accept makes claim c the accepted reputation root of the mining cycle
// (root_accepted), rewards the submissions of c (reward), deletes the
// cycle's submissions, entry marks, claims and challenges, and ends the
// mining of the cycle. If the next cycle is frozen already (below the
// open cycle: a backlog left by RecoverySetRoot), it becomes the mining
// cycle at once, with the window [height+1, height+mining_window_blocks]
// (mining_started); otherwise the open cycle's freeze comes next.
func (m Mining) accept(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, ms *ledgerpb.MiningState, c *ledgerpb.Claim) {
	st.Set(RootKey(), codec.Marshal(&ledgerpb.ReputationRoot{
		Cycle: ms.MiningCycle, Root: c.Root, NLeaves: c.NLeaves, Jrh: c.Jrh, AcceptedHeight: height,
	}))
	ev.Emit(EventRootAccepted{Cycle: ms.MiningCycle, Root: c.Root, NLeaves: c.NLeaves, JRH: c.Jrh, Submissions: int(c.Submissions)})
	var subs []*ledgerpb.Submission
	for _, s := range m.rep.Submissions(st, ms.MiningCycle) {
		if s.Claim == c.Id {
			subs = append(subs, s)
		}
	}
	m.reward(st, ev, p, ms.MiningCycle, subs)
	for _, prefix := range [][]byte{SubmissionPrefix(ms.MiningCycle), EntryPrefix(ms.MiningCycle), ClaimHashPrefix(ms.MiningCycle),
		ClaimPrefix(ms.MiningCycle), ChallengePrefix(ms.MiningCycle)} {
		deletePrefix(st, prefix)
	}
	next := ms.MiningCycle + 1
	ms.Mining, ms.MiningCycle, ms.WindowStart, ms.WindowEnd, ms.Submissions, ms.Claims = false, 0, 0, 0, 0, 0
	if next < m.rep.CurrentCycle(st) {
		ms.Mining, ms.MiningCycle = true, next
		ms.WindowStart, ms.WindowEnd = height+1, height+int64(p.MiningWindowBlocks)
		ev.Emit(EventMiningStarted{Cycle: next, WindowStart: ms.WindowStart, WindowEnd: ms.WindowEnd})
	}
}

// reward pays the miners of an accepted cycle (reputation.md: "Miners of
// the accepted root are rewarded in tokens and in the mining skill"):
// min(miner_reward, pool balance + treasury balance) ucell — taken from
// the miners' reward pool first, the rest from the treasury — and
// miner_reputation_reward reputation in the skill "mining" of the network
// colony, each split by MinerWeight with RewardShares. Every submission gets its reputation
// entry, zero amounts included (AppendMinerReward); none when the chain
// has no skill "mining".
func (m Mining) reward(st store.KVStore, ev *event.Log, p *ledgerpb.Params, cycle uint64, subs []*ledgerpb.Submission) {
	weights := make([]*big.Rat, len(subs))
	for i, s := range subs {
		weights[i] = MinerWeight(s.StakedBlocks, p.MiningStakeMaturityBlocks, int(s.Position))
	}
	fromPool := min(p.MinerReward, m.bank.ModuleBalance(st, m.pool))
	fromTreasury := min(p.MinerReward-fromPool, m.bank.ModuleBalance(st, m.treasury))
	pay := RewardShares(fromPool+fromTreasury, weights)
	rep := RewardShares(p.MinerReputationReward, weights)
	skill, hasSkill := m.rep.SkillID(st, SkillMining)
	var paid, earned uint64
	for i, s := range subs {
		miner := address.Address(s.Miner)
		if pay[i] > 0 {
			// The pool pays first; Σ pay ≤ fromPool + fromTreasury.
			pooled := min(pay[i], fromPool)
			fromPool -= pooled
			if err := m.bank.MoveFromModule(st, ev, m.pool, miner, pooled); err != nil {
				panic(fmt.Sprintf("reputation: miner reward: %v", err))
			}
			if err := m.bank.MoveFromModule(st, ev, m.treasury, miner, pay[i]-pooled); err != nil {
				panic(fmt.Sprintf("reputation: miner reward: %v", err))
			}
			paid += pay[i]
		}
		if hasSkill {
			if err := m.rep.AppendMinerReward(st, ev, NetworkColony(), miner, skill, new(big.Int).SetUint64(rep[i])); err != nil {
				panic(fmt.Sprintf("reputation: miner reward: %v", err))
			}
			earned += rep[i]
		}
	}
	ev.Emit(EventMinersRewarded{Cycle: cycle, Miners: len(subs), Paid: paid, Reputation: earned})
}

func deletePrefix(st store.KVStore, prefix []byte) {
	var keys [][]byte
	it := st.Iterator(prefix, store.PrefixEnd(prefix))
	for ; it.Valid(); it.Next() {
		keys = append(keys, bytes.Clone(it.Key()))
	}
	it.Close()
	for _, k := range keys {
		st.Delete(k)
	}
}

// CheckInvariants returns an error if the module account "miners" does
// not hold exactly Σ miner stakes, a miner is stored under another
// address or with a zero stake, the mining record disagrees with the
// submissions, claims or open challenges it counts (or an open
// challenge has no due key), the accepted root is not of the cycle
// before the next to mine, or the recovery record breaks its rules.
func (m Mining) CheckInvariants(st store.KVStore) error {
	var sum uint64
	it := st.Iterator(MinerPrefix(), store.PrefixEnd(MinerPrefix()))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		mi := &ledgerpb.Miner{}
		codec.MustUnmarshal(it.Value(), mi)
		if mi.Stake == 0 || len(mi.Address) != address.Size || !bytes.Equal(it.Key(), MinerKey(address.Address(mi.Address))) {
			return fmt.Errorf("reputation: invariant: miner %x with stake %d stored under key %x", mi.Address, mi.Stake, it.Key())
		}
		if sum+mi.Stake < sum {
			return fmt.Errorf("reputation: invariant: Σ miner stakes overflows")
		}
		sum += mi.Stake
	}
	if got := m.bank.ModuleBalance(st, MinerAccount); got != sum {
		return fmt.Errorf("reputation: invariant: module account %q holds %d ucell, Σ miner stakes is %d", MinerAccount, got, sum)
	}
	ms := m.rep.MiningState(st)
	if ms.Mining {
		if n := uint64(len(m.rep.Submissions(st, ms.MiningCycle))); n != ms.Submissions {
			return fmt.Errorf("reputation: invariant: cycle %d has %d submissions, the mining record counts %d", ms.MiningCycle, n, ms.Submissions)
		}
		if n := len(m.rep.Claims(st, ms.MiningCycle)); n != int(ms.Claims) {
			return fmt.Errorf("reputation: invariant: cycle %d has %d claims, the mining record counts %d", ms.MiningCycle, n, ms.Claims)
		}
		if ms.Challenging {
			open := 0
			for _, ch := range m.rep.Challenges(st, ms.MiningCycle, ms.Round) {
				if ch.Step != ledgerpb.ChallengeStep_CHALLENGE_STEP_DECIDED {
					open++
					if !st.Has(ChallengeDueKey(ch.Deadline, ch.Cycle, ch.Round, ch.Index)) {
						return fmt.Errorf("reputation: invariant: open challenge %d of round %d has no due key at %d", ch.Index, ch.Round, ch.Deadline)
					}
				}
			}
			if open != int(ms.OpenChallenges) {
				return fmt.Errorf("reputation: invariant: round %d has %d open challenges, the mining record counts %d", ms.Round, open, ms.OpenChallenges)
			}
		}
		if ms.MiningCycle >= m.rep.CurrentCycle(st) {
			return fmt.Errorf("reputation: invariant: mining cycle %d, open cycle %d", ms.MiningCycle, m.rep.CurrentCycle(st))
		}
	}
	// The accepted root is of the cycle before the one being mined, or,
	// when none is, of the one before the open cycle.
	next := m.rep.CurrentCycle(st)
	if ms.Mining {
		next = ms.MiningCycle
	}
	switch root := m.rep.AcceptedRoot(st); {
	case next == 0 && root != nil:
		return fmt.Errorf("reputation: invariant: a root of cycle %d accepted before cycle 0 was mined", root.Cycle)
	case next > 0 && (root == nil || root.Cycle+1 != next):
		return fmt.Errorf("reputation: invariant: cycle %d is next to mine, but the accepted root is %v", next, root)
	}
	return m.rep.checkRecovery(st)
}

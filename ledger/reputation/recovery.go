package reputation

import (
	"bytes"
	"fmt"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/internal/codec"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/store"
)

// MaxRecoveryAddresses bounds the recovery addresses, so that the
// recovery record, read by every block's hook, stays small.
const MaxRecoveryAddresses = 32

// Recovery returns the recovery record; its zero value (no recovery
// addresses, not in recovery mode) when none is stored.
func (k Keeper) Recovery(st store.KVStore) *ledgerpb.RecoveryState {
	r := &ledgerpb.RecoveryState{}
	if b := st.Get(RecoveryKey()); b != nil {
		codec.MustUnmarshal(b, r)
	}
	return r
}

func setRecovery(st store.KVStore, r *ledgerpb.RecoveryState) {
	st.Set(RecoveryKey(), codec.Marshal(r))
}

// InRecovery reports whether reputation mining is in recovery mode.
func (k Keeper) InRecovery(st store.KVStore) bool { return k.Recovery(st).Active }

// RecoveryNeeded returns the number of approvals that end recovery mode
// with n recovery addresses: a majority, n/2 + 1 (Colony whitepaper §2.2:
// "Removal from recovery mode requires the approval of multiple
// whitelisted addresses").
func RecoveryNeeded(n int) int { return n/2 + 1 }

// RecoveryApproved returns the number of approvals of r that count: those
// given since the latest edit (Colony whitepaper §2.2: "only agreements
// made after the last edit are counted").
func RecoveryApproved(r *ledgerpb.RecoveryState) int {
	n := 0
	for _, a := range r.Approvals {
		if a.Edit == r.Edits {
			n++
		}
	}
	return n
}

// isRecoveryAddress reports whether a is one of r's recovery addresses.
func isRecoveryAddress(r *ledgerpb.RecoveryState, a address.Address) bool {
	for _, b := range r.Addresses {
		if bytes.Equal(b, a[:]) {
			return true
		}
	}
	return false
}

// refuseInRecovery returns ErrRecoveryMode, for op, while mining is in
// recovery mode.
func (k Keeper) refuseInRecovery(st store.KVStore, op string) error {
	if r := k.Recovery(st); r.Active {
		return ErrRecoveryMode.Errorf("%s: reputation mining is in recovery mode since height %d", op, r.EnteredHeight)
	}
	return nil
}

// ParseRecoveryAddresses parses a list of recovery addresses for op,
// naming field: each is bech32 and listed once, and there are at most
// MaxRecoveryAddresses (ErrInvalidRecoveryAddresses). An empty list is
// valid.
func ParseRecoveryAddresses(op, field string, list []string) ([]address.Address, error) {
	if len(list) > MaxRecoveryAddresses {
		return nil, ErrInvalidRecoveryAddresses.Errorf("%s: %s: %d addresses, at most %d", op, field, len(list), MaxRecoveryAddresses)
	}
	out := make([]address.Address, len(list))
	for i, s := range list {
		a, err := address.Parse(s)
		if err != nil {
			return nil, ErrInvalidRecoveryAddresses.Errorf("%s: %s[%d]: %v", op, field, i, err)
		}
		for j := range i {
			if out[j] == a {
				return nil, ErrInvalidRecoveryAddresses.Errorf("%s: %s[%d]: %s is listed twice (also at %d)", op, field, i, a, j)
			}
		}
		out[i] = a
	}
	return out, nil
}

func rawAddresses(as []address.Address) [][]byte {
	out := make([][]byte, len(as))
	for i, a := range as {
		out[i] = a.Bytes()
	}
	return out
}

// InitRecovery writes the recovery addresses of genesis (bech32; the
// rules of ParseRecoveryAddresses). None writes nothing: nobody may
// enter recovery mode until MsgSetRecoveryAddresses names some.
func (k Keeper) InitRecovery(st store.KVStore, list []string) error {
	as, err := ParseRecoveryAddresses("genesis", "recovery_addresses", list)
	if err != nil {
		return err
	}
	if len(as) > 0 {
		setRecovery(st, &ledgerpb.RecoveryState{Addresses: rawAddresses(as)})
	}
	return nil
}

// recoveryAddress returns the recovery record, or ErrNotRecoveryAddress
// for op when signer is not one of its addresses.
func (k Keeper) recoveryAddress(st store.KVStore, op string, signer address.Address) (*ledgerpb.RecoveryState, error) {
	r := k.Recovery(st)
	if !isRecoveryAddress(r, signer) {
		return nil, ErrNotRecoveryAddress.Errorf("%s: %s is not a recovery address", op, signer)
	}
	return r, nil
}

// EnterRecovery executes a MsgEnterRecovery signed by signer in the block
// at height (Colony whitepaper §7.9: "halt all updates to the reputation
// state until the issues have been resolved"): the signer is a recovery
// address (ErrNotRecoveryAddress) and mining is not in recovery mode
// already (ErrRecoveryMode). From the next block on, BeginBlock does
// nothing — no freeze, so no decay; no window closes; no challenge times
// out — and submissions and challenge answers are refused
// (ErrRecoveryMode). The accepted root stays, and proves reputation.
func (m Mining) EnterRecovery(st store.KVStore, ev *event.Log, height int64, signer address.Address, _ *ledgerpb.MsgEnterRecovery) error {
	const op = "enter_recovery"
	r, err := m.rep.recoveryAddress(st, op, signer)
	if err != nil {
		return err
	}
	if r.Active {
		return ErrRecoveryMode.Errorf("%s: in recovery mode already, since height %d", op, r.EnteredHeight)
	}
	r.Active, r.EnteredHeight, r.EnteredBy, r.Approvals = true, height, signer.Bytes(), nil
	setRecovery(st, r)
	ms := m.rep.MiningState(st)
	ev.Emit(EventRecoveryEntered{By: signer, OpenCycle: m.rep.CurrentCycle(st), Mining: ms.Mining, Challenging: ms.Challenging, MiningCycle: ms.MiningCycle})
	return nil
}

// ValidateRecoverySetRoot checks a MsgRecoverySetRoot without state: a
// 32-byte root and JRH (ErrInvalidSubmission).
func ValidateRecoverySetRoot(m *ledgerpb.MsgRecoverySetRoot) error {
	const op = "recovery_set_root"
	if len(m.Root) != HashSize {
		return ErrInvalidSubmission.Errorf("%s: root: %d bytes, want %d", op, len(m.Root), HashSize)
	}
	if len(m.Jrh) != HashSize {
		return ErrInvalidSubmission.Errorf("%s: jrh: %d bytes, want %d", op, len(m.Jrh), HashSize)
	}
	return nil
}

// RecoverySetRoot executes a MsgRecoverySetRoot signed by signer in the
// block at height (Colony whitepaper §7.9: "revert the reputation root
// hash to a previous version"): ValidateRecoverySetRoot's rules, then the
// signer is a recovery address (ErrNotRecoveryAddress), mining is in
// recovery mode (ErrNotInRecovery) and cycle is frozen: below the open
// cycle (ErrRecoveryCycle).
//
// (root, n_leaves, jrh) becomes the accepted ReputationRoot of cycle,
// accepted at height. The submissions, entry marks, claims and
// challenges of the cycle being mined, if any, are dropped without
// rewards or slashing: their miners may unstake again. Cycle + 1 is the
// next to mine: if it is frozen already, it is the mining cycle, whose
// submission window opens when recovery mode ends; otherwise nothing is
// mined until the open cycle freezes. It is an edit: the edit sequence
// grows by one, and approvals given before no longer count.
func (m Mining) RecoverySetRoot(st store.KVStore, ev *event.Log, height int64, signer address.Address, msg *ledgerpb.MsgRecoverySetRoot) error {
	const op = "recovery_set_root"
	if err := ValidateRecoverySetRoot(msg); err != nil {
		return err
	}
	r, err := m.rep.recoveryAddress(st, op, signer)
	if err != nil {
		return err
	}
	if !r.Active {
		return ErrNotInRecovery.Errorf("%s: reputation mining is not in recovery mode", op)
	}
	open := m.rep.CurrentCycle(st)
	if msg.Cycle >= open {
		return ErrRecoveryCycle.Errorf("%s: cycle %d: not frozen; the open cycle is %d", op, msg.Cycle, open)
	}
	ms := m.rep.MiningState(st)
	var dropped uint64
	if ms.Mining {
		dropped = ms.Submissions
		m.drop(st, ms.MiningCycle)
	}
	st.Set(RootKey(), codec.Marshal(&ledgerpb.ReputationRoot{
		Cycle: msg.Cycle, Root: msg.Root, NLeaves: msg.NLeaves, Jrh: msg.Jrh, AcceptedHeight: height,
	}))
	next := &ledgerpb.MiningState{OpenCycleStart: ms.OpenCycleStart}
	if msg.Cycle+1 < open {
		next.Mining, next.MiningCycle = true, msg.Cycle+1
	}
	setMiningState(st, next)
	r.Edits++
	setRecovery(st, r)
	ev.Emit(EventRecoveryRootSet{By: signer, Edit: r.Edits, Cycle: msg.Cycle, Root: msg.Root, NLeaves: msg.NLeaves, JRH: msg.Jrh,
		Mining: next.Mining, MiningCycle: next.MiningCycle, Dropped: dropped})
	return nil
}

// drop deletes the submissions, entry marks, claims, challenges and due
// keys of the mining cycle, settling nothing. Only the mining cycle has
// open challenges, so every due key goes.
func (m Mining) drop(st store.KVStore, cycle uint64) {
	for _, prefix := range [][]byte{SubmissionPrefix(cycle), EntryPrefix(cycle), ClaimHashPrefix(cycle),
		ClaimPrefix(cycle), ChallengePrefix(cycle), ChallengeDuePrefix()} {
		deletePrefix(st, prefix)
	}
}

// ApproveRecoveryExit executes a MsgApproveRecoveryExit signed by signer
// in the block at height (Colony whitepaper §2.2): the signer is a
// recovery address (ErrNotRecoveryAddress), mining is in recovery mode
// (ErrNotInRecovery), msg.edit is the current number of edits
// (ErrStaleApproval: the signer approves only the state it reviewed),
// and the signer has not approved since the latest edit
// (ErrAlreadyApproved). The approval, tagged with the edit sequence,
// replaces the signer's earlier one. When the approvals given since the
// latest edit reach RecoveryNeeded of the recovery addresses, recovery
// mode ends in this transaction:
//
//   - the open cycle's start moves forward by the blocks spent in
//     recovery mode, which do not count toward its freeze: it freezes
//     after the reputation_cycle_blocks it had left, counted outside
//     recovery mode (so neither at once, nor a full cycle late);
//   - a cycle being mined gets a new submission window [height+1,
//     height+mining_window_blocks]; while its claims are challenged,
//     every open challenge's step instead gets a new deadline,
//     height+mining_response_window_blocks (challenge_step), what the
//     sides answered before staying answered; a challenge phase that was
//     resolved is settled by the next block's hook.
func (m Mining) ApproveRecoveryExit(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, signer address.Address, msg *ledgerpb.MsgApproveRecoveryExit) error {
	const op = "approve_recovery_exit"
	r, err := m.rep.recoveryAddress(st, op, signer)
	if err != nil {
		return err
	}
	if !r.Active {
		return ErrNotInRecovery.Errorf("%s: reputation mining is not in recovery mode", op)
	}
	if msg.Edit != r.Edits {
		return ErrStaleApproval.Errorf("%s: edit %d: the state has had %d edits; review it and approve edit %d", op, msg.Edit, r.Edits, r.Edits)
	}
	kept := r.Approvals[:0]
	for _, a := range r.Approvals {
		if !bytes.Equal(a.Address, signer[:]) {
			kept = append(kept, a)
			continue
		}
		if a.Edit == r.Edits {
			return ErrAlreadyApproved.Errorf("%s: %s approved at height %d, after edit %d, the latest", op, signer, a.Height, r.Edits)
		}
	}
	r.Approvals = append(kept, &ledgerpb.RecoveryApproval{Address: signer.Bytes(), Edit: r.Edits, Height: height})
	approved, needed := RecoveryApproved(r), RecoveryNeeded(len(r.Addresses))
	ev.Emit(EventRecoveryExitApproved{By: signer, Edit: r.Edits, Approvals: approved, Needed: needed})
	if approved < needed {
		setRecovery(st, r)
		return nil
	}
	paused := height - r.EnteredHeight
	r.Active, r.EnteredHeight, r.EnteredBy, r.Approvals = false, 0, nil, nil
	setRecovery(st, r)
	ms := m.rep.MiningState(st)
	ms.OpenCycleStart += paused
	restarted, start, end := 0, int64(0), int64(0)
	switch {
	case ms.Mining && ms.Challenging && !ms.Resolved:
		deadline := height + int64(p.MiningResponseWindowBlocks)
		for _, ch := range m.rep.Challenges(st, ms.MiningCycle, ms.Round) {
			if ch.Step == ledgerpb.ChallengeStep_CHALLENGE_STEP_DECIDED {
				continue
			}
			st.Delete(ChallengeDueKey(ch.Deadline, ch.Cycle, ch.Round, ch.Index))
			ch.Deadline = deadline
			st.Set(ChallengeDueKey(ch.Deadline, ch.Cycle, ch.Round, ch.Index), []byte{1})
			setChallenge(st, ch)
			ev.Emit(EventChallengeStep{Cycle: ch.Cycle, Round: ch.Round, Index: ch.Index, Step: StepName(ch.Step),
				Lo: ch.Lo, Hi: ch.Hi, SearchSteps: ch.SearchSteps, Deadline: ch.Deadline})
			restarted++
		}
	case ms.Mining && !ms.Challenging:
		ms.WindowStart, ms.WindowEnd = height+1, height+int64(p.MiningWindowBlocks)
		start, end = ms.WindowStart, ms.WindowEnd
	}
	setMiningState(st, ms)
	ev.Emit(EventRecoveryExited{Edit: r.Edits, Approvals: approved, Paused: paused, OpenCycleStart: ms.OpenCycleStart,
		Mining: ms.Mining, MiningCycle: ms.MiningCycle, WindowStart: start, WindowEnd: end, Challenges: restarted})
	return nil
}

// ValidateSetRecoveryAddresses checks a MsgSetRecoveryAddresses without
// state: ParseRecoveryAddresses's rules.
func ValidateSetRecoveryAddresses(m *ledgerpb.MsgSetRecoveryAddresses) error {
	_, err := ParseRecoveryAddresses("set_recovery_addresses", "addresses", m.Addresses)
	return err
}

// SetRecoveryAddresses replaces the recovery addresses, as a passed
// governance proposal orders it (package gov; there is no other path,
// so no signer): ValidateSetRecoveryAddresses's rules, and in recovery
// mode the new list is not empty, which would leave nobody to end it
// (ErrInvalidRecoveryAddresses). Approvals of addresses no longer listed
// go. In recovery mode it is an edit: the edit sequence grows by one.
// (Colony whitepaper §2.2 lets a majority of the whitelisted addresses
// change the list; here governance does.)
func (m Mining) SetRecoveryAddresses(st store.KVStore, ev *event.Log, msg *ledgerpb.MsgSetRecoveryAddresses) error {
	const op = "set_recovery_addresses"
	as, err := ParseRecoveryAddresses(op, "addresses", msg.Addresses)
	if err != nil {
		return err
	}
	r := m.rep.Recovery(st)
	if r.Active && len(as) == 0 {
		return ErrInvalidRecoveryAddresses.Errorf("%s: no addresses: in recovery mode, nobody could end it", op)
	}
	r.Addresses = rawAddresses(as)
	kept := r.Approvals[:0]
	for _, a := range r.Approvals {
		if isRecoveryAddress(r, address.Address(a.Address)) {
			kept = append(kept, a)
		}
	}
	r.Approvals = kept
	if r.Active {
		r.Edits++
	}
	setRecovery(st, r)
	ev.Emit(EventRecoveryAddressesSet{Addresses: as, Recovery: r.Active, Edit: r.Edits})
	return nil
}

// checkRecovery returns an error if the recovery record breaks its
// rules: at most MaxRecoveryAddresses distinct 20-byte addresses, some
// while in recovery mode; approvals only in recovery mode, at most one
// per address, each by a recovery address and at an edit not above the
// edit sequence.
func (k Keeper) checkRecovery(st store.KVStore) error {
	r := k.Recovery(st)
	if len(r.Addresses) > MaxRecoveryAddresses {
		return fmt.Errorf("reputation: invariant: %d recovery addresses, at most %d", len(r.Addresses), MaxRecoveryAddresses)
	}
	for i, a := range r.Addresses {
		if len(a) != address.Size {
			return fmt.Errorf("reputation: invariant: recovery address %d is %d bytes", i, len(a))
		}
		for _, b := range r.Addresses[:i] {
			if bytes.Equal(a, b) {
				return fmt.Errorf("reputation: invariant: recovery address %x listed twice", a)
			}
		}
	}
	if r.Active && len(r.Addresses) == 0 {
		return fmt.Errorf("reputation: invariant: in recovery mode without recovery addresses")
	}
	if !r.Active && len(r.Approvals) > 0 {
		return fmt.Errorf("reputation: invariant: %d exit approvals outside recovery mode", len(r.Approvals))
	}
	for i, a := range r.Approvals {
		if len(a.Address) != address.Size || !isRecoveryAddress(r, address.Address(a.Address)) || a.Edit > r.Edits {
			return fmt.Errorf("reputation: invariant: exit approval %d by %x at edit %d (edit sequence %d) is not of a recovery address", i, a.Address, a.Edit, r.Edits)
		}
		for _, b := range r.Approvals[:i] {
			if bytes.Equal(a.Address, b.Address) {
				return fmt.Errorf("reputation: invariant: %x approved twice", a.Address)
			}
		}
	}
	return nil
}

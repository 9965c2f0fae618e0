package market

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math/big"
	"slices"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/internal/codec"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/reputation"
	"github.com/celltonomy/celltonomy/ledger/store"
	"github.com/celltonomy/celltonomy/spec"
)

// VerifierAccount is the name of the module account that holds the
// verifiers' stakes.
const VerifierAccount = "verifiers"

// CreditAccount is the name of the module account that holds the ucell
// behind every account's store credit.
const CreditAccount = "credit"

// Verifier returns the verifier of a node, or nil.
func (k Keeper) Verifier(st store.KVStore, nodeKey []byte) *ledgerpb.Verifier {
	b := st.Get(VerifierKey(nodeKey))
	if b == nil {
		return nil
	}
	v := &ledgerpb.Verifier{}
	codec.MustUnmarshal(b, v)
	return v
}

func (k Keeper) setVerifier(st store.KVStore, v *ledgerpb.Verifier) {
	st.Set(VerifierKey(v.NodeKey), codec.Marshal(v))
}

// Credit returns an account's store credit in ucell.
func (k Keeper) Credit(st store.KVStore, account address.Address) uint64 {
	b := st.Get(CreditKey(account))
	if b == nil {
		return 0
	}
	v, err := store.ParseUint64(b)
	if err != nil {
		panic(fmt.Sprintf("market: corrupt credit of %s: %v", account, err))
	}
	return v
}

func (k Keeper) setCredit(st store.KVStore, account address.Address, v uint64) {
	if v == 0 {
		st.Delete(CreditKey(account))
		return
	}
	st.Set(CreditKey(account), store.Uint64(v))
}

// VerifierCommitment returns sha256(order id (8, big-endian) ‖ output
// root (32) ‖ salt (32)), a drawn verifier's commitment.
func VerifierCommitment(id uint64, outputRoot, salt []byte) [32]byte {
	return sha256.Sum256(store.Key(store.Uint64(id), outputRoot, salt))
}

// DrawScore returns sha256(block hash ‖ order id (8, big-endian) ‖ node
// key), the rank of a candidate verifier in a draw before its reputation
// weighs in (WeightedDrawScore): lowest first.
func DrawScore(blockHash []byte, id uint64, nodeKey []byte) [32]byte {
	return sha256.Sum256(store.Key(blockHash, store.Uint64(id), nodeKey))
}

// WeightedDrawScore returns a candidate verifier's rank in a draw, lowest
// first: DrawScore as a uint256 divided (truncating) by 1 + bitlen(rep),
// rep being its proven reputation (0 without a proof, so the rank is the
// DrawScore itself). The divisor grows with the reputation but only
// logarithmically, at most 128 for the largest reputation 2^127 − 1: a
// verifier with reputation is drawn more often, and one with a huge
// reputation cannot crowd out every other, which keeps draws hard to
// predict and to capture.
func WeightedDrawScore(score [32]byte, rep *big.Int) *big.Int {
	s := new(big.Int).SetBytes(score[:])
	return s.Quo(s, big.NewInt(1+int64(rep.BitLen())))
}

// VerifierSkill is the path of the skill in which a verifier proves its
// reputation: the root skill of compute packages, the packages verifiers
// re-execute.
const VerifierSkill = reputation.SkillCompute

// ValidateRegisterVerifier checks a MsgRegisterVerifier against the
// params: a 32-byte node key (ErrInvalidHash), stake >= min_verifier_stake
// (ErrStakeTooLow), a well-formed reputation proof if there is one
// (reputation.ValidateProof).
func ValidateRegisterVerifier(m *ledgerpb.MsgRegisterVerifier, p *ledgerpb.Params) error {
	const op = "register_verifier"
	if err := checkHash(op, "node_key", m.NodeKey); err != nil {
		return err
	}
	if m.Stake < p.MinVerifierStake {
		return ErrStakeTooLow.Errorf("%s: stake %d ucell: must be at least min_verifier_stake %d ucell", op, m.Stake, p.MinVerifierStake)
	}
	if m.ReputationProof != nil {
		return reputation.ValidateProof(op, "reputation_proof", m.ReputationProof)
	}
	return nil
}

// RegisterVerifier executes a MsgRegisterVerifier in the block at height:
// ValidateRegisterVerifier's rules, then the node is registered by the
// signer and active (ErrNodeUnusable), lists wasm32-wasip1
// (ErrArchitecture: verifiers re-execute compute packages) and is not a
// verifier yet (ErrVerifierExists). A reputation proof, if any, must
// prove the signer's reputation in VerifierSkill of the network colony
// against the accepted reputation root (reputation.ErrInvalidProof,
// reputation.ErrNoRoot); the proven value is kept in the verifier and
// weights its draws. The stake moves from the signer to the module
// account "verifiers" (bank codes).
func (k Keeper) RegisterVerifier(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, signer address.Address, m *ledgerpb.MsgRegisterVerifier) error {
	const op = "register_verifier"
	if err := ValidateRegisterVerifier(m, p); err != nil {
		return err
	}
	n := k.registry.Node(st, m.NodeKey)
	if n == nil || address.Address(n.Operator) != signer || !k.registry.Active(st, p, m.NodeKey, height) {
		return ErrNodeUnusable.Errorf("%s: node %x: not an active node of %s", op, m.NodeKey, signer)
	}
	if !slices.Contains(n.Architectures, spec.ArchWasm32WASIP1) {
		return ErrArchitecture.Errorf("%s: node %x: does not list %s", op, m.NodeKey, spec.ArchWasm32WASIP1)
	}
	if k.Verifier(st, m.NodeKey) != nil {
		return ErrVerifierExists.Errorf("%s: node %x: is a verifier already", op, m.NodeKey)
	}
	var proven *big.Int
	if m.ReputationProof != nil {
		skill, ok := k.reputation.SkillID(st, VerifierSkill)
		if !ok {
			return reputation.ErrUnknownSkill.Errorf("%s: reputation_proof: the chain has no skill %q", op, VerifierSkill)
		}
		var err error
		if proven, err = k.reputation.ProvenReputation(st, op, "reputation_proof", m.ReputationProof, k.colony, signer, skill); err != nil {
			return err
		}
	}
	if err := k.bank.MoveToModule(st, ev, signer, VerifierAccount, m.Stake); err != nil {
		return fmt.Errorf("%s: stake: %w", op, err)
	}
	k.setVerifier(st, &ledgerpb.Verifier{NodeKey: m.NodeKey, Operator: signer.Bytes(), Stake: m.Stake, Height: height,
		Reputation: reputation.EncodeReputation(proven)})
	ev.Emit(EventVerifierRegistered{NodeKey: m.NodeKey, Operator: signer, Stake: m.Stake})
	return nil
}

// ValidateUnregisterVerifier checks a MsgUnregisterVerifier: a 32-byte
// node key (ErrInvalidHash).
func ValidateUnregisterVerifier(m *ledgerpb.MsgUnregisterVerifier) error {
	return checkHash("unregister_verifier", "node_key", m.NodeKey)
}

// UnregisterVerifier executes a MsgUnregisterVerifier: the node is a
// verifier of the signer (ErrNoVerifier) not drawn in an open dispute
// (ErrVerifierBusy). Its stake returns to the signer.
func (k Keeper) UnregisterVerifier(st store.KVStore, ev *event.Log, signer address.Address, m *ledgerpb.MsgUnregisterVerifier) error {
	const op = "unregister_verifier"
	if err := ValidateUnregisterVerifier(m); err != nil {
		return err
	}
	v := k.Verifier(st, m.NodeKey)
	if v == nil || address.Address(v.Operator) != signer {
		return ErrNoVerifier.Errorf("%s: node %x: not a verifier of %s", op, m.NodeKey, signer)
	}
	if v.OpenDisputes > 0 {
		return ErrVerifierBusy.Errorf("%s: node %x: drawn in %d open disputes", op, m.NodeKey, v.OpenDisputes)
	}
	if err := k.bank.MoveFromModule(st, ev, VerifierAccount, signer, v.Stake); err != nil {
		panic(fmt.Sprintf("market: corrupt state: verifiers: %v", err))
	}
	st.Delete(VerifierKey(m.NodeKey))
	ev.Emit(EventVerifierUnregistered{NodeKey: m.NodeKey, Operator: signer, Stake: v.Stake})
	return nil
}

// DrawVerifiers draws the verifiers of a dispute of order o, a pure
// function of the state and the block hash (market.md: "Disputes"): the
// candidates are the registered verifiers whose node is still their
// operator's and active at height, whose stake is at least
// min_verifier_stake, and whose operator is neither the buyer nor the
// provider. Candidates are ranked by WeightedDrawScore(DrawScore(block
// hash, order id, node key), proven reputation), lowest first (the node
// key breaks a tie), so a verifier that proved reputation at registration
// is drawn more often; without proofs the ranking is DrawScore's. They
// are taken in that order, at most one node per operator,
// until verifiers_per_dispute are drawn or the candidates run out.
func (k Keeper) DrawVerifiers(st store.KVStore, p *ledgerpb.Params, height int64, blockHash []byte, o *ledgerpb.Order) []*ledgerpb.DrawnVerifier {
	type cand struct {
		score *big.Int
		v     *ledgerpb.Verifier
	}
	buyer, provider := address.Address(o.Buyer), address.Address(o.Contract.Provider)
	var cs []cand
	it := st.Iterator(VerifierPrefix(), store.PrefixEnd(VerifierPrefix()))
	for ; it.Valid(); it.Next() {
		v := &ledgerpb.Verifier{}
		codec.MustUnmarshal(it.Value(), v)
		op := address.Address(v.Operator)
		if op == buyer || op == provider || v.Stake < p.MinVerifierStake || bytes.Equal(v.NodeKey, o.Contract.NodeKey) {
			continue
		}
		n := k.registry.Node(st, v.NodeKey)
		if n == nil || !bytes.Equal(n.Operator, v.Operator) || !k.registry.Active(st, p, v.NodeKey, height) {
			continue
		}
		cs = append(cs, cand{WeightedDrawScore(DrawScore(blockHash, o.Id, v.NodeKey), reputation.DecodeReputation(v.Reputation)), v})
	}
	it.Close()
	slices.SortFunc(cs, func(a, b cand) int {
		if c := a.score.Cmp(b.score); c != 0 {
			return c
		}
		return bytes.Compare(a.v.NodeKey, b.v.NodeKey)
	})
	var out []*ledgerpb.DrawnVerifier
	for _, c := range cs {
		if len(out) == int(p.VerifiersPerDispute) {
			break
		}
		if slices.ContainsFunc(out, func(d *ledgerpb.DrawnVerifier) bool { return bytes.Equal(d.Operator, c.v.Operator) }) {
			continue
		}
		out = append(out, &ledgerpb.DrawnVerifier{NodeKey: c.v.NodeKey, Operator: c.v.Operator})
	}
	return out
}

// ValidateOpenDispute checks a MsgOpenDispute against the params: a known
// claim and outcome (ErrInvalidDispute), stake >= min_dispute_stake
// (ErrStakeTooLow).
func ValidateOpenDispute(m *ledgerpb.MsgOpenDispute, p *ledgerpb.Params) error {
	const op = "open_dispute"
	if m.Claim < ledgerpb.DisputeClaim_DISPUTE_CLAIM_WRONG_RESULT || m.Claim > ledgerpb.DisputeClaim_DISPUTE_CLAIM_TOO_SLOW {
		return ErrInvalidDispute.Errorf("%s: claim %d: unknown", op, m.Claim)
	}
	if m.Outcome < ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND || m.Outcome > ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_LITIGATION {
		return ErrInvalidDispute.Errorf("%s: outcome %d: unknown", op, m.Outcome)
	}
	if m.Stake < p.MinDisputeStake {
		return ErrStakeTooLow.Errorf("%s: stake %d ucell: must be at least min_dispute_stake %d ucell", op, m.Stake, p.MinDisputeStake)
	}
	return nil
}

// OpenDispute executes a MsgOpenDispute signed by the buyer in the block
// at height whose hash is blockHash: ValidateOpenDispute's rules, then
// the order exists (ErrNoOrder), is the signer's (ErrNotBuyer), is
// DELIVERED (ErrWrongState) at a height below its confirm deadline
// (ErrWindowClosed: the edge rule of MsgClose), of a compute or protocol
// package (ErrPackageKind), a protocol package's skill is in the skill
// tree (reputation.ErrUnknownSkill), and what it holds plus the stake
// fits uint64 (ErrOverflow). The stake moves to escrow (bank codes); the
// auto-close is cancelled; for a compute package DrawVerifiers draws the
// verifiers, for a protocol package a domain vote opens in the package's
// skill (see DomainVoteCommit). The order is DISPUTED; commits are
// accepted until height + verifier_commit_window, reveals until that +
// verifier_reveal_window, whose block hook decides.
func (k Keeper) OpenDispute(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, blockHash []byte, signer address.Address, m *ledgerpb.MsgOpenDispute) error {
	const op = "open_dispute"
	if err := ValidateOpenDispute(m, p); err != nil {
		return err
	}
	o, err := k.order(st, op, m.OrderId)
	if err != nil {
		return err
	}
	if address.Address(o.Buyer) != signer {
		return ErrNotBuyer.Errorf("%s: order %d: only its buyer %s may dispute it", op, o.Id, address.Address(o.Buyer))
	}
	if o.State != ledgerpb.OrderState_ORDER_STATE_DELIVERED {
		return wrongState(op, o, ledgerpb.OrderState_ORDER_STATE_DELIVERED)
	}
	if height >= o.Delivery.ConfirmDeadline {
		return ErrWindowClosed.Errorf("%s: order %d: the confirm window ended at height %d", op, o.Id, o.Delivery.ConfirmDeadline)
	}
	pkg := k.registry.Package(st, o.PackageId)
	if pkg == nil || (pkg.Kind != ledgerpb.PackageKind_PACKAGE_KIND_COMPUTE && pkg.Kind != ledgerpb.PackageKind_PACKAGE_KIND_PROTOCOL) {
		return ErrPackageKind.Errorf("%s: order %d: only orders of compute or protocol packages can be disputed", op, o.Id)
	}
	var domainSkill uint64
	if pkg.Kind == ledgerpb.PackageKind_PACKAGE_KIND_PROTOCOL {
		var ok bool
		if domainSkill, ok = k.reputation.SkillID(st, pkg.Skill); !ok {
			return reputation.ErrUnknownSkill.Errorf("%s: order %d: the package's skill %q is unknown", op, o.Id, pkg.Skill)
		}
	}
	if _, ok := add(Held(o, nil), m.Stake); !ok {
		return ErrOverflow.Errorf("%s: order %d: held %d + stake %d overflows", op, o.Id, Held(o, nil), m.Stake)
	}
	if err := k.bank.MoveToModule(st, ev, signer, EscrowAccount, m.Stake); err != nil {
		return fmt.Errorf("%s: stake: %w", op, err)
	}
	st.Delete(DueKey(o.Delivery.ConfirmDeadline, o.Id))
	var drawn []*ledgerpb.DrawnVerifier
	var keys [][]byte
	if pkg.Kind == ledgerpb.PackageKind_PACKAGE_KIND_COMPUTE {
		drawn = k.DrawVerifiers(st, p, height, blockHash, o)
		keys = make([][]byte, len(drawn))
		for n, d := range drawn {
			v := k.Verifier(st, d.NodeKey)
			v.OpenDisputes++
			k.setVerifier(st, v)
			keys[n] = d.NodeKey
		}
	}
	commit := height + int64(p.VerifierCommitWindow)
	o.Dispute = &ledgerpb.Dispute{Claim: m.Claim, Outcome: m.Outcome, Stake: m.Stake, OpenedHeight: height,
		CommitDeadline: commit, RevealDeadline: commit + int64(p.VerifierRevealWindow), Verifiers: drawn,
		Kind: pkg.Kind, DomainSkill: domainSkill}
	o.State = ledgerpb.OrderState_ORDER_STATE_DISPUTED
	k.write(st, o, ledgerpb.OrderState_ORDER_STATE_DELIVERED, height)
	st.Set(DueKey(o.Dispute.RevealDeadline, o.Id), marker)
	ev.Emit(EventDisputeOpened{OrderID: o.Id, Claim: int32(m.Claim), Outcome: int32(m.Outcome), Stake: m.Stake,
		CommitDeadline: o.Dispute.CommitDeadline, RevealDeadline: o.Dispute.RevealDeadline, Verifiers: keys,
		Kind: disputeKindName(o.Dispute)})
	return nil
}

// isProtocol reports whether a dispute is decided by a domain vote.
func isProtocol(d *ledgerpb.Dispute) bool {
	return d.GetKind() == ledgerpb.PackageKind_PACKAGE_KIND_PROTOCOL
}

// disputeKindName names a dispute's kind in events: "protocol" or
// "compute".
func disputeKindName(d *ledgerpb.Dispute) string {
	if isProtocol(d) {
		return "protocol"
	}
	return "compute"
}

// drawnBy returns the signer's drawn verifier in a disputed order.
func drawnBy(op string, o *ledgerpb.Order, signer address.Address) (*ledgerpb.DrawnVerifier, error) {
	for _, d := range o.Dispute.Verifiers {
		if address.Address(d.Operator) == signer {
			return d, nil
		}
	}
	return nil, ErrNotDrawn.Errorf("%s: order %d: %s is not a drawn verifier", op, o.Id, signer)
}

// ValidateVerifierCommit checks a MsgVerifierCommit: a 32-byte commitment
// (ErrInvalidHash).
func ValidateVerifierCommit(m *ledgerpb.MsgVerifierCommit) error {
	return checkHash("verifier_commit", "commitment", m.Commitment)
}

// VerifierCommit executes a MsgVerifierCommit in the block at height:
// the order exists (ErrNoOrder) and is DISPUTED (ErrWrongState) at a
// height below its commit deadline (ErrWindowClosed); the signer is the
// operator of a drawn verifier (ErrNotDrawn) that has not committed
// (ErrCannotVote).
func (k Keeper) VerifierCommit(st store.KVStore, ev *event.Log, height int64, signer address.Address, m *ledgerpb.MsgVerifierCommit) error {
	const op = "verifier_commit"
	if err := ValidateVerifierCommit(m); err != nil {
		return err
	}
	o, err := k.order(st, op, m.OrderId)
	if err != nil {
		return err
	}
	if o.State != ledgerpb.OrderState_ORDER_STATE_DISPUTED {
		return wrongState(op, o, ledgerpb.OrderState_ORDER_STATE_DISPUTED)
	}
	if height >= o.Dispute.CommitDeadline {
		return ErrWindowClosed.Errorf("%s: order %d: the commit window ended at height %d", op, o.Id, o.Dispute.CommitDeadline)
	}
	d, err := drawnBy(op, o, signer)
	if err != nil {
		return err
	}
	if d.Commitment != nil {
		return ErrCannotVote.Errorf("%s: order %d: %s committed already", op, o.Id, signer)
	}
	d.Commitment = m.Commitment
	k.write(st, o, o.State, height)
	ev.Emit(EventDisputeCommit{OrderID: o.Id, Verifier: signer, Commitment: m.Commitment})
	return nil
}

// ValidateVerifierReveal checks a MsgVerifierReveal: a 32-byte output
// root and salt (ErrInvalidHash).
func ValidateVerifierReveal(m *ledgerpb.MsgVerifierReveal) error {
	const op = "verifier_reveal"
	if err := checkHash(op, "output_root", m.OutputRoot); err != nil {
		return err
	}
	return checkHash(op, "salt", m.Salt)
}

// VerifierReveal executes a MsgVerifierReveal in the block at height:
// the order exists (ErrNoOrder) and is DISPUTED (ErrWrongState) at a
// height from its commit deadline to below its reveal deadline
// (ErrWindowClosed); the signer is the operator of a drawn verifier
// (ErrNotDrawn) that committed and has not revealed (ErrCannotVote), and
// VerifierCommitment(order id, output root, salt) matches its commitment
// (ErrRootMismatch).
func (k Keeper) VerifierReveal(st store.KVStore, ev *event.Log, height int64, signer address.Address, m *ledgerpb.MsgVerifierReveal) error {
	const op = "verifier_reveal"
	if err := ValidateVerifierReveal(m); err != nil {
		return err
	}
	o, err := k.order(st, op, m.OrderId)
	if err != nil {
		return err
	}
	if o.State != ledgerpb.OrderState_ORDER_STATE_DISPUTED {
		return wrongState(op, o, ledgerpb.OrderState_ORDER_STATE_DISPUTED)
	}
	if height < o.Dispute.CommitDeadline || height >= o.Dispute.RevealDeadline {
		return ErrWindowClosed.Errorf("%s: order %d: reveals are accepted from height %d to below %d", op, o.Id, o.Dispute.CommitDeadline, o.Dispute.RevealDeadline)
	}
	d, err := drawnBy(op, o, signer)
	if err != nil {
		return err
	}
	switch {
	case d.Commitment == nil:
		return ErrCannotVote.Errorf("%s: order %d: %s did not commit", op, o.Id, signer)
	case d.OutputRoot != nil:
		return ErrCannotVote.Errorf("%s: order %d: %s revealed already", op, o.Id, signer)
	}
	if c := VerifierCommitment(o.Id, m.OutputRoot, m.Salt); !bytes.Equal(c[:], d.Commitment) {
		return ErrRootMismatch.Errorf("%s: order %d: output_root and salt do not match the commitment of %s", op, o.Id, signer)
	}
	d.OutputRoot = m.OutputRoot
	k.write(st, o, o.State, height)
	ev.Emit(EventDisputeReveal{OrderID: o.Id, Verifier: signer, OutputRoot: m.OutputRoot})
	return nil
}

// MajorityRoot returns the output root that strictly more than half of
// the revealing verifiers revealed, or nil.
func MajorityRoot(vs []*ledgerpb.DrawnVerifier) []byte {
	revealed := 0
	for _, v := range vs {
		if v.OutputRoot != nil {
			revealed++
		}
	}
	for _, v := range vs {
		if v.OutputRoot == nil {
			continue
		}
		n := 0
		for _, w := range vs {
			if bytes.Equal(v.OutputRoot, w.OutputRoot) {
				n++
			}
		}
		if 2*n > revealed {
			return v.OutputRoot
		}
	}
	return nil
}

// decide ends the reveal window of a DISPUTED order (see the package
// doc, "Disputes"): it finds the verdict (the majority root of the
// verifiers, or the domain vote's DomainVerdict), settles the verifiers
// (none in a protocol dispute), pays out by the verdict and applies the
// outcome.
func (k Keeper) decide(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, o *ledgerpb.Order) {
	d, c := o.Dispute, o.Contract
	buyer, provider := address.Address(o.Buyer), address.Address(c.Provider)
	var providerWeight, buyerWeight string
	if isProtocol(d) {
		pw, bw := DomainTally(d.Votes)
		d.Verdict = DomainVerdict(pw, bw)
		providerWeight, buyerWeight = pw.String(), bw.String()
	} else {
		d.MajorityRoot = MajorityRoot(d.Verifiers)
		switch {
		case d.MajorityRoot == nil:
			d.Verdict = ledgerpb.DisputeVerdict_DISPUTE_VERDICT_UNDECIDED
		case bytes.Equal(d.MajorityRoot, o.Delivery.OutputRoot):
			d.Verdict = ledgerpb.DisputeVerdict_DISPUTE_VERDICT_PROVIDER_WON
		default:
			d.Verdict = ledgerpb.DisputeVerdict_DISPUTE_VERDICT_BUYER_WON
		}
	}

	var rewarded, slashed [][]byte
	for _, dv := range d.Verifiers {
		v := k.Verifier(st, dv.NodeKey)
		if v == nil {
			panic(fmt.Sprintf("market: corrupt state: drawn verifier %x of order %d is missing", dv.NodeKey, o.Id))
		}
		v.OpenDisputes--
		if d.MajorityRoot != nil && bytes.Equal(dv.OutputRoot, d.MajorityRoot) {
			rewarded = append(rewarded, dv.NodeKey)
		} else {
			if err := k.bank.MoveBetweenModules(st, ev, VerifierAccount, k.treasury, v.Stake); err != nil {
				panic(fmt.Sprintf("market: corrupt state: verifiers: %v", err))
			}
			v.Stake = 0
			slashed = append(slashed, dv.NodeKey)
		}
		if v.Stake == 0 && v.OpenDisputes == 0 {
			st.Delete(VerifierKey(v.NodeKey))
			continue
		}
		k.setVerifier(st, v)
	}

	// forfeit is the loser's stake; verifier_reward_bps of it is split
	// equally among the majority, the rest (with the remainder of the
	// split) goes to the winner.
	var reward uint64
	forfeitShare := func(forfeit uint64) uint64 {
		if len(rewarded) == 0 {
			return forfeit
		}
		reward = share(forfeit, p.VerifierRewardBps) / uint64(len(rewarded))
		for _, nk := range rewarded {
			for _, dv := range d.Verifiers {
				if bytes.Equal(dv.NodeKey, nk) {
					k.mustMove(st, ev, address.Address(dv.Operator), reward)
				}
			}
		}
		return forfeit - reward*uint64(len(rewarded))
	}

	st.Delete(DueKey(d.RevealDeadline, o.Id))
	old := o.State
	switch d.Verdict {
	case ledgerpb.DisputeVerdict_DISPUTE_VERDICT_UNDECIDED:
		k.mustMove(st, ev, buyer, c.Price+o.PoStake+d.Stake)
		k.mustMove(st, ev, provider, c.BidStake)
		o.State = ledgerpb.OrderState_ORDER_STATE_RESOLVED
	case ledgerpb.DisputeVerdict_DISPUTE_VERDICT_PROVIDER_WON:
		toProvider := forfeitShare(o.PoStake + d.Stake)
		pkg := k.registry.Package(st, o.PackageId)
		if pkg == nil {
			panic(fmt.Sprintf("market: corrupt state: order %d names unregistered package %x", o.Id, o.PackageId))
		}
		fee := share(c.Price, p.NetworkFeeBps)
		royalty := min(share(c.Price, pkg.RoyaltyBps), c.Price-fee)
		k.mustMove(st, ev, provider, c.Price-fee-royalty+c.BidStake+toProvider)
		k.mustMoveToTreasury(st, ev, fee)
		k.mustMove(st, ev, address.Address(pkg.Author), royalty)
		k.moveReputation(st, ev, o, provider, buyer)
		o.State = ledgerpb.OrderState_ORDER_STATE_RESOLVED
	case ledgerpb.DisputeVerdict_DISPUTE_VERDICT_BUYER_WON:
		k.mustMove(st, ev, buyer, forfeitShare(c.BidStake)+d.Stake)
		k.moveReputation(st, ev, o, buyer, provider)
		k.applyOutcome(st, ev, p, height, o)
	}
	k.write(st, o, old, height)
	ev.Emit(EventDisputeDecided{OrderID: o.Id, Verdict: VerdictName(d.Verdict), MajorityRoot: d.MajorityRoot,
		State: StateName(o.State), Rewarded: rewarded, Reward: reward, Slashed: slashed,
		Kind: disputeKindName(d), ProviderWeight: providerWeight, BuyerWeight: buyerWeight})
}

// applyOutcome gives the buyer who won a dispute the outcome it named;
// the provider's bid stake is already paid out, so price + PO stake is
// what the order still holds.
func (k Keeper) applyOutcome(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, o *ledgerpb.Order) {
	d, c := o.Dispute, o.Contract
	buyer := address.Address(o.Buyer)
	rest := c.Price + o.PoStake
	switch d.Outcome {
	case ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND:
		k.mustMove(st, ev, buyer, rest)
		o.State = ledgerpb.OrderState_ORDER_STATE_RESOLVED
	case ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_STORE_CREDIT:
		if err := k.bank.MoveBetweenModules(st, ev, EscrowAccount, CreditAccount, rest); err != nil {
			panic(fmt.Sprintf("market: corrupt state: escrow: %v", err))
		}
		bal := k.Credit(st, buyer) + rest // Σ credit <= supply: no overflow
		k.setCredit(st, buyer, bal)
		ev.Emit(EventCreditChanged{OrderID: o.Id, Account: buyer, Added: rest, Balance: bal})
		o.State = ledgerpb.OrderState_ORDER_STATE_RESOLVED
	case ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_LITIGATION:
		d.Frozen = rest
		o.State = ledgerpb.OrderState_ORDER_STATE_RESOLVED
	case ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REDO:
		c.BidStake = 0
		c.AwardHeight = height
		c.DeliveryDeadline = height + int64(o.DeliveryWindow)
		o.Delivery = nil
		o.State = ledgerpb.OrderState_ORDER_STATE_AWARDED
		st.Set(DueKey(c.DeliveryDeadline+1, o.Id), marker)
	case ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REDO_BY_ANOTHER:
		st.Delete(ProviderKey(address.Address(c.Provider), o.Id))
		o.ExcludedProviders = append(o.ExcludedProviders, c.Provider)
		o.MaxPrice = c.Price
		o.Contract, o.Delivery = nil, nil
		o.BidDeadline = height + int64(o.BidWindow)
		if o.BidWindow == 0 { // a direct purchase has no bid window of its own
			o.BidDeadline = height + 1
		}
		o.State = ledgerpb.OrderState_ORDER_STATE_OPEN
		st.Set(DueKey(o.BidDeadline, o.Id), marker)
	default:
		panic(fmt.Sprintf("market: corrupt state: order %d: dispute outcome %v", o.Id, d.Outcome))
	}
}

// moveReputation appends the price as a positive entry for the winner and
// a negative one for the loser, both in the package's skill (market.md:
// "Disputes move reputation from loser to winner").
func (k Keeper) moveReputation(st store.KVStore, ev *event.Log, o *ledgerpb.Order, winner, loser address.Address) {
	pkg := k.registry.Package(st, o.PackageId)
	if pkg == nil {
		panic(fmt.Sprintf("market: corrupt state: order %d names unregistered package %x", o.Id, o.PackageId))
	}
	skill, ok := k.reputation.SkillID(st, pkg.Skill)
	if !ok {
		panic(fmt.Sprintf("market: corrupt state: package %x names unknown skill %q", pkg.PackageId, pkg.Skill))
	}
	amount := new(big.Int).SetUint64(o.Contract.Price)
	if _, err := k.reputation.Append(st, ev, k.colony, winner, skill, amount); err != nil {
		panic(fmt.Sprintf("market: append reputation: %v", err))
	}
	if _, err := k.reputation.Append(st, ev, k.colony, loser, skill, amount.Neg(amount)); err != nil {
		panic(fmt.Sprintf("market: append reputation: %v", err))
	}
}

// ValidateReleaseLitigation checks a MsgReleaseLitigation: the amounts
// add up within uint64 (ErrOverflow).
func ValidateReleaseLitigation(m *ledgerpb.MsgReleaseLitigation) error {
	if _, ok := add(m.ToBuyerAmount, m.ToProviderAmount); !ok {
		return ErrOverflow.Errorf("release_litigation: %d + %d overflows", m.ToBuyerAmount, m.ToProviderAmount)
	}
	return nil
}

// ReleaseLitigation executes a MsgReleaseLitigation in the block at
// height: the signer is the governance_authority of the params
// (ErrNotAuthority; nobody if it is empty), the order exists (ErrNoOrder)
// and is RESOLVED with funds frozen by litigation (ErrWrongState), and
// to_buyer_amount + to_provider_amount equals them (ErrReleaseAmount).
// The amounts go to the buyer and the provider.
func (k Keeper) ReleaseLitigation(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, signer address.Address, m *ledgerpb.MsgReleaseLitigation) error {
	const op = "release_litigation"
	if err := ValidateReleaseLitigation(m); err != nil {
		return err
	}
	if p.GovernanceAuthority == "" {
		return ErrNotAuthority.Errorf("%s: the chain has no governance authority", op)
	}
	if auth, err := address.Parse(p.GovernanceAuthority); err != nil || auth != signer {
		return ErrNotAuthority.Errorf("%s: %s is not the governance authority", op, signer)
	}
	o, err := k.order(st, op, m.OrderId)
	if err != nil {
		return err
	}
	if o.State != ledgerpb.OrderState_ORDER_STATE_RESOLVED || o.Dispute.GetFrozen() == 0 {
		return ErrWrongState.Errorf("%s: order %d is %s with no funds frozen by litigation", op, o.Id, StateName(o.State))
	}
	if m.ToBuyerAmount+m.ToProviderAmount != o.Dispute.Frozen {
		return ErrReleaseAmount.Errorf("%s: order %d: %d + %d ucell: must add up to the frozen %d ucell", op, o.Id, m.ToBuyerAmount, m.ToProviderAmount, o.Dispute.Frozen)
	}
	k.mustMove(st, ev, address.Address(o.Buyer), m.ToBuyerAmount)
	k.mustMove(st, ev, address.Address(o.Contract.Provider), m.ToProviderAmount)
	o.Dispute.Frozen = 0
	k.write(st, o, o.State, height)
	ev.Emit(EventLitigationReleased{OrderID: o.Id, ToBuyer: m.ToBuyerAmount, ToProvider: m.ToProviderAmount})
	return nil
}

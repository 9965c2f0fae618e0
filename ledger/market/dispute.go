package market

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
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

// u32 returns v as 4 bytes, big-endian.
func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// VerifierCommitment returns sha256(order id (8, big-endian) ‖ round (4,
// big-endian) ‖ verifier operator (20) ‖ output root (32) ‖ salt (32)),
// a drawn verifier's commitment. It binds the committer, the order and
// the round, so a lazy verifier cannot copy another's commitment and then
// its reveal (market hardening: "copied commitments").
func VerifierCommitment(id uint64, round uint32, verifier address.Address, outputRoot, salt []byte) [32]byte {
	return sha256.Sum256(store.Key(store.Uint64(id), u32(round), verifier[:], outputRoot, salt))
}

// VerdictCommitment returns sha256(order id (8, big-endian) ‖ verifier
// operator (20) ‖ round (4, big-endian) ‖ verdict (1 byte: the
// ProtocolVerdict number, 1 conforms, 2 violates, 3 undecidable) ‖ salt
// (32)), a drawn verifier's commitment in a dispute of a protocol
// package. Like VerifierCommitment it binds the committer, the order and
// the round; its input is 65 bytes long where a VerifierCommitment's is
// 96, so neither can be passed off as the other.
func VerdictCommitment(id uint64, verifier address.Address, round uint32, verdict ledgerpb.ProtocolVerdict, salt []byte) [32]byte {
	return sha256.Sum256(store.Key(store.Uint64(id), verifier[:], u32(round), []byte{byte(verdict)}, salt))
}

// ProtocolVerdictName names a verifier's verdict in events and the CLI:
// "conforms", "violates", "undecidable", or "" for none.
func ProtocolVerdictName(v ledgerpb.ProtocolVerdict) string {
	switch v {
	case ledgerpb.ProtocolVerdict_PROTOCOL_VERDICT_CONFORMS:
		return "conforms"
	case ledgerpb.ProtocolVerdict_PROTOCOL_VERDICT_VIOLATES:
		return "violates"
	case ledgerpb.ProtocolVerdict_PROTOCOL_VERDICT_UNDECIDABLE:
		return "undecidable"
	}
	return ""
}

// ParseProtocolVerdict parses a ProtocolVerdictName (ErrInvalidVerdict
// for anything else).
func ParseProtocolVerdict(s string) (ledgerpb.ProtocolVerdict, error) {
	for _, v := range []ledgerpb.ProtocolVerdict{ledgerpb.ProtocolVerdict_PROTOCOL_VERDICT_CONFORMS,
		ledgerpb.ProtocolVerdict_PROTOCOL_VERDICT_VIOLATES, ledgerpb.ProtocolVerdict_PROTOCOL_VERDICT_UNDECIDABLE} {
		if s == ProtocolVerdictName(v) {
			return v, nil
		}
	}
	return 0, ErrInvalidVerdict.Errorf("verdict %q: want conforms, violates or undecidable", s)
}

// SeedDomain and DrawDomain separate the hashes of the dispute draw.
const (
	SeedDomain = "celltonomy/dispute-seed/v1"
	DrawDomain = "celltonomy/dispute-draw/v1"
)

// SeedHash returns sha256(SeedDomain ‖ seed), the link of a buyer's seed
// chain: the commitment of a dispute is SeedHash(s1), and the seed s_k of
// round k satisfies SeedHash(s_k) = s_{k−1}. A buyer makes the chain from
// the end: s_n random, s_{k−1} = SeedHash(s_k), and reveals s1, s2, …
func SeedHash(seed []byte) [32]byte {
	return sha256.Sum256(store.Key([]byte(SeedDomain), seed))
}

// DrawSeed returns the seed of a round's verifier draw: sha256(DrawDomain
// ‖ round block hash ‖ buyer's seed of the round ‖ order id (8) ‖ round
// (4)). The block hash was fixed before the buyer revealed the seed, and
// the seed was committed before that block existed, so neither the
// proposer nor the buyer can choose the draw alone (market hardening:
// "ground draws").
func DrawSeed(roundBlockHash, seed []byte, id uint64, round uint32) [32]byte {
	return sha256.Sum256(store.Key([]byte(DrawDomain), roundBlockHash, seed, store.Uint64(id), u32(round)))
}

// DrawScore returns sha256(draw seed ‖ order id (8, big-endian) ‖ node
// key), the rank of a candidate verifier in a draw before its weight
// counts (WeightedDrawScore): lowest first.
func DrawScore(drawSeed []byte, id uint64, nodeKey []byte) [32]byte {
	return sha256.Sum256(store.Key(drawSeed, store.Uint64(id), nodeKey))
}

// maxStakeUnits caps a verifier's stake weight, so that the weight of a
// huge stake stays a small number.
const maxStakeUnits = 1 << 32

// WeightedDrawScore returns a candidate verifier's rank in a draw, lowest
// first: DrawScore as a uint256 divided (truncating) by its weight,
// units × (1 + bitlen(rep)), where units = stake / min_verifier_stake (at
// least 1, at most 2^32) and rep its proven reputation (0 without a
// proof). The stake counts linearly, so splitting a stake among many
// Sybil verifiers wins no more seats than staking it once (market
// hardening: "cheap Sybils capture the draw"); reputation counts only
// logarithmically, so a huge reputation cannot crowd out every other.
func WeightedDrawScore(score [32]byte, rep *big.Int, stake, minStake uint64) *big.Int {
	units := uint64(1)
	if minStake > 0 {
		units = min(max(stake/minStake, 1), maxStakeUnits)
	}
	w := new(big.Int).SetUint64(units)
	w.Mul(w, big.NewInt(1+int64(rep.BitLen())))
	s := new(big.Int).SetBytes(score[:])
	return s.Quo(s, w)
}

// VerifierSkill is the path of the skill in which a verifier proves its
// reputation: the root skill of compute packages, the packages verifiers
// re-execute.
const VerifierSkill = reputation.SkillCompute

// ValidateRegisterVerifier checks a MsgRegisterVerifier: a 32-byte node
// key (ErrInvalidHash), a positive stake (ErrStakeTooLow; a new verifier
// needs min_verifier_stake, which RegisterVerifier checks), a
// well-formed reputation proof if there is one (reputation.ValidateProof).
func ValidateRegisterVerifier(m *ledgerpb.MsgRegisterVerifier, p *ledgerpb.Params) error {
	const op = "register_verifier"
	if err := checkHash(op, "node_key", m.NodeKey); err != nil {
		return err
	}
	if m.Stake == 0 {
		return ErrStakeTooLow.Errorf("%s: stake 0: must be positive (a new verifier stakes at least min_verifier_stake %d ucell)", op, p.MinVerifierStake)
	}
	if m.ReputationProof != nil {
		return reputation.ValidateProof(op, "reputation_proof", m.ReputationProof)
	}
	return nil
}

// RegisterVerifier executes a MsgRegisterVerifier in the block at height:
// ValidateRegisterVerifier's rules, then the node is registered by the
// signer and active (ErrNodeUnusable) and lists wasm32-wasip1
// (ErrArchitecture: verifiers re-execute compute packages). A node that
// is no verifier yet needs a stake of at least min_verifier_stake
// (ErrStakeTooLow); a verifier's operator may add stake to it at any
// time — so a verifier slashed to nothing while still drawn elsewhere
// comes back as soon as it stakes again — as long as the total reaches
// min_verifier_stake (ErrStakeTooLow). A reputation proof, if any, must
// prove the signer's reputation in VerifierSkill of the network colony
// against the accepted reputation root (reputation.ErrInvalidProof,
// reputation.ErrNoRoot); the proven value replaces the verifier's and
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
	v := k.Verifier(st, m.NodeKey)
	if v != nil && address.Address(v.Operator) != signer {
		return ErrVerifierExists.Errorf("%s: node %x: is a verifier of %s", op, m.NodeKey, address.Address(v.Operator))
	}
	var have uint64
	if v != nil {
		have = v.Stake
	}
	total, ok := add(have, m.Stake)
	if !ok {
		return ErrOverflow.Errorf("%s: stake %d + %d overflows", op, have, m.Stake)
	}
	if total < p.MinVerifierStake {
		return ErrStakeTooLow.Errorf("%s: stake %d ucell (with %d staked): must reach min_verifier_stake %d ucell", op, m.Stake, have, p.MinVerifierStake)
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
	if v == nil {
		v = &ledgerpb.Verifier{NodeKey: m.NodeKey, Operator: signer.Bytes(), Height: height}
	}
	v.Stake = total
	if proven != nil {
		v.Reputation = reputation.EncodeReputation(proven)
	}
	k.setVerifier(st, v)
	ev.Emit(EventVerifierRegistered{NodeKey: m.NodeKey, Operator: signer, Stake: total})
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

// DrawVerifiers draws the verifiers of a round of a dispute of order o, a
// pure function of the state and the draw seed (DrawSeed; market.md:
// "Disputes"): the candidates are the registered verifiers whose node is
// still their operator's and active at height, with a stake of at least
// min_verifier_stake and a proven reputation of at least
// min_verifier_reputation, whose operator is neither the buyer nor the
// provider, whose node is not the contract's and was not drawn in an
// earlier round of the dispute (Dispute.drawn_before). Candidates are
// ranked by WeightedDrawScore(DrawScore(draw seed, order id, node key),
// reputation, stake), lowest first (the node key breaks a tie), and
// taken in that order, at most one node per operator, until
// verifiers_per_dispute are drawn or the candidates run out.
func (k Keeper) DrawVerifiers(st store.KVStore, p *ledgerpb.Params, height int64, drawSeed []byte, o *ledgerpb.Order) []*ledgerpb.DrawnVerifier {
	type cand struct {
		score *big.Int
		v     *ledgerpb.Verifier
	}
	buyer, provider := address.Address(o.Buyer), address.Address(o.Contract.Provider)
	minRep := new(big.Int).SetUint64(p.MinVerifierReputation)
	var before [][]byte
	if o.Dispute != nil {
		before = o.Dispute.DrawnBefore
	}
	var cs []cand
	it := st.Iterator(VerifierPrefix(), store.PrefixEnd(VerifierPrefix()))
	for ; it.Valid(); it.Next() {
		v := &ledgerpb.Verifier{}
		codec.MustUnmarshal(it.Value(), v)
		op := address.Address(v.Operator)
		rep := reputation.DecodeReputation(v.Reputation)
		if op == buyer || op == provider || v.Stake < p.MinVerifierStake || rep.Cmp(minRep) < 0 ||
			bytes.Equal(v.NodeKey, o.Contract.NodeKey) || slices.ContainsFunc(before, func(b []byte) bool { return bytes.Equal(b, v.NodeKey) }) {
			continue
		}
		n := k.registry.Node(st, v.NodeKey)
		if n == nil || !bytes.Equal(n.Operator, v.Operator) || !k.registry.Active(st, p, v.NodeKey, height) {
			continue
		}
		cs = append(cs, cand{WeightedDrawScore(DrawScore(drawSeed, o.Id, v.NodeKey), rep, v.Stake, p.MinVerifierStake), v})
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
// (ErrStakeTooLow), a seed commitment of 32 bytes or none
// (ErrInvalidHash; OpenDispute requires one for a compute package).
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
	if len(m.SeedCommitment) != 0 {
		return checkHash(op, "seed_commitment", m.SeedCommitment)
	}
	return nil
}

// OpenDispute executes a MsgOpenDispute signed by the buyer in the block
// at height whose hash blockHash returns: ValidateOpenDispute's rules, then
// the order exists (ErrNoOrder), is the signer's (ErrNotBuyer), is
// DELIVERED (ErrWrongState) at a height below its confirm deadline
// (ErrWindowClosed: the edge rule of MsgClose), of a compute or protocol
// package (ErrPackageKind), carries a seed commitment (ErrInvalidHash),
// a protocol package's skill is in the skill tree
// (reputation.ErrUnknownSkill: its domain vote, if the verifiers cannot
// decide, is held in it), and what it holds plus the stake fits uint64
// (ErrOverflow). The stake moves to escrow (bank codes); the auto-close
// is cancelled; the order is DISPUTED. Round 1 starts, for both kinds:
// the buyer reveals the round's seed after this block
// (MsgRevealDisputeSeed, until height + dispute_seed_window_blocks), and
// the verifiers are drawn then.
func (k Keeper) OpenDispute(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, blockHash BlockHash, signer address.Address, m *ledgerpb.MsgOpenDispute) error {
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
	if IsServiceOrder(o) {
		return serviceNotDisputable(op, o)
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
	if len(m.SeedCommitment) != HashSize {
		return ErrInvalidHash.Errorf("%s: seed_commitment: a dispute needs the head of a seed chain (market.SeedHash), %d bytes", op, HashSize)
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
	d := &ledgerpb.Dispute{Claim: m.Claim, Outcome: m.Outcome, Stake: m.Stake, OpenedHeight: height,
		Kind: pkg.Kind, DomainSkill: domainSkill,
		Round: 1, SeedHead: m.SeedCommitment, RoundBlockHash: blockHash(), RoundHeight: height,
		SeedDeadline: height + int64(p.DisputeSeedWindowBlocks)}
	o.Dispute = d
	o.State = ledgerpb.OrderState_ORDER_STATE_DISPUTED
	k.write(st, o, ledgerpb.OrderState_ORDER_STATE_DELIVERED, height)
	st.Set(DueKey(disputeDue(d), o.Id), marker)
	ev.Emit(EventDisputeOpened{OrderID: o.Id, Claim: int32(m.Claim), Outcome: int32(m.Outcome), Stake: m.Stake,
		CommitDeadline: d.CommitDeadline, RevealDeadline: d.RevealDeadline, SeedDeadline: d.SeedDeadline,
		Kind: disputeKindName(d)})
	return nil
}

// disputeDue returns the height of the hook due for a DISPUTED order: the
// block after the seed deadline while a round waits for its seed, else
// the reveal deadline.
func disputeDue(d *ledgerpb.Dispute) int64 {
	if d.SeedDeadline != 0 {
		return d.SeedDeadline + 1
	}
	return d.RevealDeadline
}

// ValidateRevealDisputeSeed checks a MsgRevealDisputeSeed: a 32-byte seed
// (ErrInvalidHash).
func ValidateRevealDisputeSeed(m *ledgerpb.MsgRevealDisputeSeed) error {
	return checkHash("reveal_dispute_seed", "seed", m.Seed)
}

// RevealDisputeSeed executes a MsgRevealDisputeSeed in the block at
// height: ValidateRevealDisputeSeed's rules, then the order exists
// (ErrNoOrder), is DISPUTED (ErrWrongState) and its round waits for its
// seed (ErrWrongState), at a
// height after the round started and up to its seed deadline
// (ErrWindowClosed), and SeedHash(seed) is the dispute's seed head
// (ErrSeedMismatch). The verifiers of the round are drawn from
// DrawSeed(round block hash, seed, order id, round) (DrawVerifiers);
// commits are accepted until height + verifier_commit_window, reveals
// until that + verifier_reveal_window, whose hook ends the round.
func (k Keeper) RevealDisputeSeed(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, m *ledgerpb.MsgRevealDisputeSeed) error {
	const op = "reveal_dispute_seed"
	if err := ValidateRevealDisputeSeed(m); err != nil {
		return err
	}
	o, err := k.order(st, op, m.OrderId)
	if err != nil {
		return err
	}
	if o.State != ledgerpb.OrderState_ORDER_STATE_DISPUTED {
		return wrongState(op, o, ledgerpb.OrderState_ORDER_STATE_DISPUTED)
	}
	d := o.Dispute
	switch {
	case domainVoting(d):
		return ErrWrongState.Errorf("%s: order %d: the dispute is in its domain vote since height %d", op, o.Id, d.DomainVoteHeight)
	case d.SeedDeadline == 0:
		return ErrWrongState.Errorf("%s: order %d: round %d has its verifiers already", op, o.Id, d.Round)
	case height <= d.RoundHeight || height > d.SeedDeadline:
		return ErrWindowClosed.Errorf("%s: order %d: the seed of round %d is revealed from height %d to %d", op, o.Id, d.Round, d.RoundHeight+1, d.SeedDeadline)
	}
	if h := SeedHash(m.Seed); !bytes.Equal(h[:], d.SeedHead) {
		return ErrSeedMismatch.Errorf("%s: order %d: SeedHash(seed) is not the dispute's seed head %x", op, o.Id, d.SeedHead)
	}
	st.Delete(DueKey(disputeDue(d), o.Id))
	seed := DrawSeed(d.RoundBlockHash, m.Seed, o.Id, d.Round)
	drawn := k.DrawVerifiers(st, p, height, seed[:], o)
	keys := make([][]byte, len(drawn))
	for n, dv := range drawn {
		v := k.Verifier(st, dv.NodeKey)
		v.OpenDisputes++
		k.setVerifier(st, v)
		keys[n] = dv.NodeKey
	}
	d.Verifiers, d.SeedHead, d.SeedDeadline = drawn, m.Seed, 0
	d.CommitDeadline = height + int64(p.VerifierCommitWindow)
	d.RevealDeadline = d.CommitDeadline + int64(p.VerifierRevealWindow)
	k.write(st, o, o.State, height)
	st.Set(DueKey(disputeDue(d), o.Id), marker)
	ev.Emit(EventDisputeDrawn{OrderID: o.Id, Round: d.Round, Verifiers: keys, CommitDeadline: d.CommitDeadline, RevealDeadline: d.RevealDeadline})
	return nil
}

// isProtocol reports whether a dispute is of a protocol package: its
// verifiers reveal verdicts, and a domain vote decides what they cannot.
func isProtocol(d *ledgerpb.Dispute) bool {
	return d.GetKind() == ledgerpb.PackageKind_PACKAGE_KIND_PROTOCOL
}

// domainVoting reports whether a protocol dispute is in its domain vote.
func domainVoting(d *ledgerpb.Dispute) bool {
	return isProtocol(d) && d.GetDomainVoteHeight() != 0
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
	return nil, ErrNotDrawn.Errorf("%s: order %d: %s is not a drawn verifier of its current round", op, o.Id, signer)
}

// roundDrawn refuses a verifier's message while the dispute's round waits
// for its seed, and once a protocol dispute's verifiers are done and its
// domain vote is open (ErrWindowClosed).
func roundDrawn(op string, o *ledgerpb.Order) error {
	d := o.Dispute
	switch {
	case d.SeedDeadline != 0:
		return ErrWindowClosed.Errorf("%s: order %d: round %d has no verifiers yet (its seed is due by height %d)", op, o.Id, d.Round, d.SeedDeadline)
	case domainVoting(d):
		return ErrWindowClosed.Errorf("%s: order %d: the verifiers' round ended; the dispute is in its domain vote since height %d", op, o.Id, d.DomainVoteHeight)
	}
	return nil
}

// ValidateVerifierCommit checks a MsgVerifierCommit: a 32-byte commitment
// (ErrInvalidHash).
func ValidateVerifierCommit(m *ledgerpb.MsgVerifierCommit) error {
	return checkHash("verifier_commit", "commitment", m.Commitment)
}

// VerifierCommit executes a MsgVerifierCommit in the block at height:
// the order exists (ErrNoOrder) and is DISPUTED (ErrWrongState) with its
// round's verifiers drawn and at a height below its commit deadline
// (ErrWindowClosed); the signer is the operator of a drawn verifier
// (ErrNotDrawn) that has not committed (ErrCannotVote).
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
	if err := roundDrawn(op, o); err != nil {
		return err
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

// ValidateVerifierReveal checks a MsgVerifierReveal: a 32-byte salt
// (ErrInvalidHash) and either a 32-byte output root without a verdict
// (ErrInvalidHash; a compute dispute's) or a known verdict without an
// output root (ErrInvalidVerdict; a protocol dispute's).
func ValidateVerifierReveal(m *ledgerpb.MsgVerifierReveal) error {
	const op = "verifier_reveal"
	switch {
	case m.Verdict < ledgerpb.ProtocolVerdict_PROTOCOL_VERDICT_UNSPECIFIED || m.Verdict > ledgerpb.ProtocolVerdict_PROTOCOL_VERDICT_UNDECIDABLE:
		return ErrInvalidVerdict.Errorf("%s: verdict %d: want conforms (1), violates (2) or undecidable (3)", op, m.Verdict)
	case m.Verdict != ledgerpb.ProtocolVerdict_PROTOCOL_VERDICT_UNSPECIFIED && len(m.OutputRoot) != 0:
		return ErrInvalidVerdict.Errorf("%s: output_root: must be empty with a verdict (a protocol dispute's verifiers reveal a verdict, a compute dispute's an output root)", op)
	case m.Verdict == ledgerpb.ProtocolVerdict_PROTOCOL_VERDICT_UNSPECIFIED:
		if err := checkHash(op, "output_root", m.OutputRoot); err != nil {
			return err
		}
	}
	return checkHash(op, "salt", m.Salt)
}

// VerifierReveal executes a MsgVerifierReveal in the block at height:
// ValidateVerifierReveal's rules, then the order exists (ErrNoOrder) and
// is DISPUTED (ErrWrongState) at a height from its commit deadline to
// below its reveal deadline (ErrWindowClosed); a compute dispute's reveal
// carries an output root, a protocol dispute's a verdict
// (ErrInvalidVerdict); the signer is the operator of a drawn verifier
// (ErrNotDrawn) that committed and has not revealed (ErrCannotVote), and
// VerifierCommitment(order id, round, signer, output root, salt), or
// VerdictCommitment(order id, signer, round, verdict, salt), matches its
// commitment (ErrRootMismatch).
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
	if err := roundDrawn(op, o); err != nil {
		return err
	}
	if height < o.Dispute.CommitDeadline || height >= o.Dispute.RevealDeadline {
		return ErrWindowClosed.Errorf("%s: order %d: reveals are accepted from height %d to below %d", op, o.Id, o.Dispute.CommitDeadline, o.Dispute.RevealDeadline)
	}
	protocol := isProtocol(o.Dispute)
	switch {
	case protocol && m.Verdict == ledgerpb.ProtocolVerdict_PROTOCOL_VERDICT_UNSPECIFIED:
		return ErrInvalidVerdict.Errorf("%s: order %d: verdict: missing: the verifiers of a protocol dispute reveal a verdict (conforms, violates or undecidable), not an output root", op, o.Id)
	case !protocol && m.Verdict != ledgerpb.ProtocolVerdict_PROTOCOL_VERDICT_UNSPECIFIED:
		return ErrInvalidVerdict.Errorf("%s: order %d: verdict: the verifiers of a compute dispute reveal an output root, not a verdict", op, o.Id)
	}
	d, err := drawnBy(op, o, signer)
	if err != nil {
		return err
	}
	switch {
	case d.Commitment == nil:
		return ErrCannotVote.Errorf("%s: order %d: %s did not commit", op, o.Id, signer)
	case revealedVote(d) != nil:
		return ErrCannotVote.Errorf("%s: order %d: %s revealed already", op, o.Id, signer)
	}
	if protocol {
		if c := VerdictCommitment(o.Id, signer, o.Dispute.Round, m.Verdict, m.Salt); !bytes.Equal(c[:], d.Commitment) {
			return ErrRootMismatch.Errorf("%s: order %d: verdict and salt do not match the commitment of %s", op, o.Id, signer)
		}
		d.Verdict = m.Verdict
	} else {
		if c := VerifierCommitment(o.Id, o.Dispute.Round, signer, m.OutputRoot, m.Salt); !bytes.Equal(c[:], d.Commitment) {
			return ErrRootMismatch.Errorf("%s: order %d: output_root and salt do not match the commitment of %s", op, o.Id, signer)
		}
		d.OutputRoot = m.OutputRoot
	}
	k.write(st, o, o.State, height)
	ev.Emit(EventDisputeReveal{OrderID: o.Id, Verifier: signer, OutputRoot: m.OutputRoot, Verdict: ProtocolVerdictName(m.Verdict)})
	return nil
}

// revealedVote returns what a drawn verifier revealed, as bytes: its
// output root (compute) or its verdict as one byte (protocol); nil before
// a reveal.
func revealedVote(dv *ledgerpb.DrawnVerifier) []byte {
	if dv.Verdict != ledgerpb.ProtocolVerdict_PROTOCOL_VERDICT_UNSPECIFIED {
		return []byte{byte(dv.Verdict)}
	}
	return dv.OutputRoot
}

// MajorityRoot returns the output root that strictly more than half of
// the revealing verifiers revealed, and at least quorum of them, or nil
// (market hardening: a minimum quorum, so one verifier alone never
// decides).
func MajorityRoot(vs []*ledgerpb.DrawnVerifier, quorum uint32) []byte {
	return majority(vs, quorum, func(v *ledgerpb.DrawnVerifier) []byte { return v.OutputRoot })
}

// MajorityVerdict returns the verdict of a protocol dispute's round that
// strictly more than half of the revealing verifiers revealed, and at
// least quorum of them, or PROTOCOL_VERDICT_UNSPECIFIED — the rule of
// MajorityRoot, on verdicts.
func MajorityVerdict(vs []*ledgerpb.DrawnVerifier, quorum uint32) ledgerpb.ProtocolVerdict {
	m := majority(vs, quorum, func(v *ledgerpb.DrawnVerifier) []byte {
		if v.Verdict == ledgerpb.ProtocolVerdict_PROTOCOL_VERDICT_UNSPECIFIED {
			return nil
		}
		return []byte{byte(v.Verdict)}
	})
	if m == nil {
		return ledgerpb.ProtocolVerdict_PROTOCOL_VERDICT_UNSPECIFIED
	}
	return ledgerpb.ProtocolVerdict(m[0])
}

// majority returns the vote (vote(v), nil for no reveal) that strictly
// more than half of the revealing verifiers revealed, and at least quorum
// of them, or nil.
func majority(vs []*ledgerpb.DrawnVerifier, quorum uint32, vote func(*ledgerpb.DrawnVerifier) []byte) []byte {
	revealed := 0
	for _, v := range vs {
		if vote(v) != nil {
			revealed++
		}
	}
	for _, v := range vs {
		mine := vote(v)
		if mine == nil {
			continue
		}
		n := 0
		for _, w := range vs {
			if bytes.Equal(mine, vote(w)) {
				n++
			}
		}
		if 2*n > revealed && n >= int(quorum) {
			return mine
		}
	}
	return nil
}

// endRound runs the hook due for a DISPUTED order at height (block hash
// blockHash()): a round whose seed was never revealed is abandoned (round
// 1: the delivery stands) or split (a later round); a protocol dispute's
// domain vote decides it; a protocol round's verifiers decide it with a
// quorum majority of conforms or violates, otherwise its domain vote
// opens; a compute round's verifiers decide it with a quorum majority
// root, otherwise the next round starts or, after the last
// (max_dispute_rounds), the price is split.
func (k Keeper) endRound(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, blockHash BlockHash, o *ledgerpb.Order) {
	d := o.Dispute
	st.Delete(DueKey(disputeDue(d), o.Id))
	switch {
	case d.SeedDeadline != 0 && d.Round <= 1:
		k.settle(st, ev, p, height, o, ledgerpb.DisputeVerdict_DISPUTE_VERDICT_ABANDONED, roundResult{})
	case d.SeedDeadline != 0:
		k.settle(st, ev, p, height, o, ledgerpb.DisputeVerdict_DISPUTE_VERDICT_SPLIT, roundResult{})
	case domainVoting(d):
		k.decideDomainVote(st, ev, p, height, o)
	case isProtocol(d):
		k.decideVerdicts(st, ev, p, height, o)
	default:
		k.decideRound(st, ev, p, height, blockHash, o)
	}
}

// decideVerdicts ends the reveal window of a protocol dispute's round of
// verifiers: a quorum majority of violates makes the buyer win, of
// conforms the provider, as a compute dispute's majority root does
// (settle); otherwise — undecidable, a tie, too few reveals — the
// domain vote opens (openDomainVote). Silent verifiers lose their stake;
// so do those outvoted by a deciding majority (conforms or violates);
// without one, a verifier that revealed keeps it (settleVerifiers).
func (k Keeper) decideVerdicts(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, o *ledgerpb.Order) {
	d := o.Dispute
	d.MajorityVerdict = MajorityVerdict(d.Verifiers, p.MinDisputeQuorum)
	var decisive []byte
	if d.MajorityVerdict == ledgerpb.ProtocolVerdict_PROTOCOL_VERDICT_CONFORMS || d.MajorityVerdict == ledgerpb.ProtocolVerdict_PROTOCOL_VERDICT_VIOLATES {
		decisive = []byte{byte(d.MajorityVerdict)}
	}
	r := k.settleVerifiers(st, ev, o, decisive)
	switch d.MajorityVerdict {
	case ledgerpb.ProtocolVerdict_PROTOCOL_VERDICT_CONFORMS:
		k.settle(st, ev, p, height, o, ledgerpb.DisputeVerdict_DISPUTE_VERDICT_PROVIDER_WON, r)
	case ledgerpb.ProtocolVerdict_PROTOCOL_VERDICT_VIOLATES:
		k.settle(st, ev, p, height, o, ledgerpb.DisputeVerdict_DISPUTE_VERDICT_BUYER_WON, r)
	default:
		k.openDomainVote(st, ev, p, height, o, r)
	}
}

// openDomainVote opens the domain vote of a protocol dispute whose
// verifiers did not decide, at height: commits below height +
// verifier_commit_window, reveals from then to below that +
// verifier_reveal_window, whose hook decides (decideDomainVote). It
// emits dispute_decided (verdict undecided, the verifiers slashed) and
// domain_vote_opened.
func (k Keeper) openDomainVote(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, o *ledgerpb.Order, r roundResult) {
	d := o.Dispute
	d.DomainVoteHeight = height
	d.CommitDeadline = height + int64(p.VerifierCommitWindow)
	d.RevealDeadline = d.CommitDeadline + int64(p.VerifierRevealWindow)
	k.write(st, o, o.State, height)
	st.Set(DueKey(disputeDue(d), o.Id), marker)
	ev.Emit(EventDisputeDecided{OrderID: o.Id, Verdict: VerdictName(ledgerpb.DisputeVerdict_DISPUTE_VERDICT_UNDECIDED),
		State: StateName(o.State), Slashed: r.slashed, Kind: disputeKindName(d), Round: d.Round,
		MajorityVerdict: ProtocolVerdictName(d.MajorityVerdict)})
	ev.Emit(EventDomainVoteOpened{OrderID: o.Id, DomainSkill: d.DomainSkill, CommitDeadline: d.CommitDeadline, RevealDeadline: d.RevealDeadline})
}

// decideRound ends the reveal window of a compute dispute's round: it
// settles the drawn verifiers and either decides the dispute or starts
// the next round.
func (k Keeper) decideRound(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, blockHash BlockHash, o *ledgerpb.Order) {
	d := o.Dispute
	d.MajorityRoot = MajorityRoot(d.Verifiers, p.MinDisputeQuorum)
	r := k.settleVerifiers(st, ev, o, d.MajorityRoot)
	switch {
	case d.MajorityRoot != nil && bytes.Equal(d.MajorityRoot, o.Delivery.OutputRoot):
		k.settle(st, ev, p, height, o, ledgerpb.DisputeVerdict_DISPUTE_VERDICT_PROVIDER_WON, r)
	case d.MajorityRoot != nil:
		k.settle(st, ev, p, height, o, ledgerpb.DisputeVerdict_DISPUTE_VERDICT_BUYER_WON, r)
	case d.Round < p.MaxDisputeRounds:
		// Undecided: nobody could check the delivery. Draw again, from
		// verifiers not drawn before, with the buyer's next seed.
		for _, dv := range d.Verifiers {
			d.DrawnBefore = append(d.DrawnBefore, dv.NodeKey)
		}
		d.Verifiers = nil
		d.Round++
		d.RoundBlockHash, d.RoundHeight = blockHash(), height
		d.SeedDeadline = height + int64(p.DisputeSeedWindowBlocks)
		d.CommitDeadline, d.RevealDeadline = 0, 0
		k.write(st, o, o.State, height)
		st.Set(DueKey(disputeDue(d), o.Id), marker)
		ev.Emit(EventDisputeDecided{OrderID: o.Id, Verdict: VerdictName(ledgerpb.DisputeVerdict_DISPUTE_VERDICT_UNDECIDED),
			State: StateName(o.State), Slashed: r.slashed, Kind: disputeKindName(d), Round: d.Round - 1, NextSeedDeadline: d.SeedDeadline})
	default:
		k.settle(st, ev, p, height, o, ledgerpb.DisputeVerdict_DISPUTE_VERDICT_SPLIT, roundResult{slashed: r.slashed})
	}
}

// settleVerifiers frees the drawn verifiers of a round and slashes those
// at fault (market hardening: never all of an undecided round): a
// verifier that did not reveal loses its whole stake to the treasury;
// one that revealed another vote (revealedVote: root or verdict) than
// the deciding majority loses it too; with no deciding majority (nil),
// one that revealed keeps it. It returns the verifiers that revealed the
// majority (to be rewarded) and the slashed ones. A verifier left with
// no stake and no open dispute is removed.
func (k Keeper) settleVerifiers(st store.KVStore, ev *event.Log, o *ledgerpb.Order, majority []byte) (r roundResult) {
	d := o.Dispute
	for _, dv := range d.Verifiers {
		v := k.Verifier(st, dv.NodeKey)
		if v == nil {
			panic(fmt.Sprintf("market: corrupt state: drawn verifier %x of order %d is missing", dv.NodeKey, o.Id))
		}
		v.OpenDisputes--
		vote := revealedVote(dv)
		switch {
		case majority != nil && bytes.Equal(vote, majority):
			r.rewarded = append(r.rewarded, address.Address(dv.Operator))
			r.rewardedIDs = append(r.rewardedIDs, dv.NodeKey)
		case vote == nil || majority != nil:
			if err := k.bank.MoveBetweenModules(st, ev, VerifierAccount, k.treasury, v.Stake); err != nil {
				panic(fmt.Sprintf("market: corrupt state: verifiers: %v", err))
			}
			v.Stake = 0
			r.slashed = append(r.slashed, dv.NodeKey)
		}
		if v.Stake == 0 && v.OpenDisputes == 0 {
			st.Delete(VerifierKey(v.NodeKey))
			continue
		}
		k.setVerifier(st, v)
	}
	return r
}

// settle applies a verdict to a DISPUTED order and emits dispute_decided
// (see the package doc, "Disputes"): provider won — the provider is paid
// as on close and gets the buyer's PO stake and dispute stake less the
// reward of the majority (rewarded, paid equally); buyer won — the
// buyer gets its dispute stake and the provider's bid stake less that
// reward, and the outcome it named; split — the provider is paid as on
// close on half the price (rounded down), the buyer gets the other half,
// every stake returns; abandoned — the provider is paid as on close and
// gets the dispute stake, the buyer its PO stake. Reputation moves only
// when a side won.
func (k Keeper) settle(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, o *ledgerpb.Order, verdict ledgerpb.DisputeVerdict, r roundResult) {
	d, c := o.Dispute, o.Contract
	rewarded := r.rewarded
	buyer, provider := address.Address(o.Buyer), address.Address(c.Provider)
	d.Verdict = verdict
	var reward uint64
	// forfeitShare pays verifier_reward_bps of the loser's forfeit equally
	// to the rewarded and returns the rest (with the remainder of the
	// split), which goes to the winner.
	forfeitShare := func(forfeit uint64) uint64 {
		if len(rewarded) == 0 {
			return forfeit
		}
		reward = share(forfeit, p.VerifierRewardBps) / uint64(len(rewarded))
		for _, a := range rewarded {
			k.mustMove(st, ev, a, reward)
		}
		return forfeit - reward*uint64(len(rewarded))
	}
	payProvider := func(price, extra uint64) {
		pkg := k.mustPackage(st, o)
		fee, royalty, payment := payout(price, p, pkg)
		k.mustMove(st, ev, provider, payment+c.BidStake+extra)
		k.mustCollectNetworkFee(st, ev, p, fee)
		k.mustMove(st, ev, address.Address(pkg.Author), royalty)
	}
	old := o.State
	o.State = ledgerpb.OrderState_ORDER_STATE_RESOLVED
	switch verdict {
	case ledgerpb.DisputeVerdict_DISPUTE_VERDICT_PROVIDER_WON:
		payProvider(c.Price, forfeitShare(o.PoStake+d.Stake))
		k.moveReputation(st, ev, o, provider, buyer)
	case ledgerpb.DisputeVerdict_DISPUTE_VERDICT_BUYER_WON:
		k.mustMove(st, ev, buyer, forfeitShare(c.BidStake)+d.Stake)
		k.moveReputation(st, ev, o, buyer, provider)
		k.applyOutcome(st, ev, p, height, o)
	case ledgerpb.DisputeVerdict_DISPUTE_VERDICT_SPLIT:
		half := c.Price / 2
		payProvider(half, 0)
		k.mustMove(st, ev, buyer, c.Price-half+o.PoStake+d.Stake)
	case ledgerpb.DisputeVerdict_DISPUTE_VERDICT_ABANDONED:
		payProvider(c.Price, d.Stake)
		k.mustMove(st, ev, buyer, o.PoStake)
	default:
		panic(fmt.Sprintf("market: settle: order %d: verdict %v", o.Id, verdict))
	}
	k.write(st, o, old, height)
	ev.Emit(EventDisputeDecided{OrderID: o.Id, Verdict: VerdictName(verdict), MajorityRoot: d.MajorityRoot,
		State: StateName(o.State), Rewarded: r.rewardedIDs, Reward: reward, Slashed: r.slashed,
		Kind: disputeKindName(d), ProviderWeight: r.providerWeight, BuyerWeight: r.buyerWeight, Round: d.Round,
		MajorityVerdict: ProtocolVerdictName(d.MajorityVerdict)})
}

// roundResult is what a round's settlement found: the voters to reward
// from the loser's forfeit, the node keys or voters slashed, and the
// tallies of a domain vote.
type roundResult struct {
	// rewarded are paid; rewardedIDs name them in dispute_decided (node
	// keys of verifiers, addresses of voters), as slashed does.
	rewarded                    []address.Address
	rewardedIDs, slashed        [][]byte
	providerWeight, buyerWeight string
}

// applyOutcome gives the buyer who won a dispute the outcome it named;
// the provider's bid stake is already paid out, so price + PO stake is
// what the order still holds. It sets the order's next state.
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
		// The same provider delivers again, without a bid stake (it was
		// forfeited); it holds the inputs already, so its receipt stands.
		c.BidStake = 0
		c.AwardHeight = height
		c.DeliveryDeadline = height + int64(o.DeliveryWindow)
		c.InputDeadline = inputDeadline(height, c.DeliveryDeadline, p)
		c.MissingInputsDeadline = 0
		o.Delivery = nil
		o.State = ledgerpb.OrderState_ORDER_STATE_AWARDED
		st.Set(DueKey(awardedDue(c), o.Id), marker)
	case ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REDO_BY_ANOTHER:
		st.Delete(ProviderKey(address.Address(c.Provider), o.Id))
		o.ExcludedProviders = append(o.ExcludedProviders, c.Provider)
		if len(c.NodeKey) != 0 {
			o.ExcludedNodeKeys = append(o.ExcludedNodeKeys, c.NodeKey)
		}
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
	skill := k.skillOf(st, k.mustPackage(st, o))
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

// ReleaseLitigation releases litigated funds in the block at height, as
// a passed governance proposal orders it (package gov; there is no other
// path, so no signer): the order exists (ErrNoOrder) and is RESOLVED
// with funds frozen by litigation (ErrWrongState), and to_buyer_amount +
// to_provider_amount equals them (ErrReleaseAmount). The amounts go to
// the buyer and the provider.
func (k Keeper) ReleaseLitigation(st store.KVStore, ev *event.Log, height int64, m *ledgerpb.MsgReleaseLitigation) error {
	const op = "release_litigation"
	if err := ValidateReleaseLitigation(m); err != nil {
		return err
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

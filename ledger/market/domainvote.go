package market

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math/big"
	"slices"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/reputation"
	"github.com/celltonomy/celltonomy/ledger/store"
)

// MaxDomainVoters bounds the votes of one protocol dispute, so that its
// record, and the block that decides it, stay small. When the slots are
// taken, a heavier voter takes the lightest one's (DomainVoteCommit): the
// slots go to reputation, not to the first to come.
const MaxDomainVoters = 64

// DomainVoteCommitment returns sha256(order id (8, big-endian) ‖ voter
// (20) ‖ vote (1 byte: the DomainVoteChoice number, 1 provider won, 2
// buyer won) ‖ salt (32)), a domain voter's commitment. It binds the
// voter, so nobody can copy another's commitment and reveal.
func DomainVoteCommitment(id uint64, voter address.Address, vote ledgerpb.DomainVoteChoice, salt []byte) [32]byte {
	return sha256.Sum256(store.Key(store.Uint64(id), voter[:], []byte{byte(vote)}, salt))
}

// DomainVoteName names a vote in events: "provider_won", "buyer_won", or
// "" for none.
func DomainVoteName(v ledgerpb.DomainVoteChoice) string {
	switch v {
	case ledgerpb.DomainVoteChoice_DOMAIN_VOTE_CHOICE_PROVIDER_WON:
		return "provider_won"
	case ledgerpb.DomainVoteChoice_DOMAIN_VOTE_CHOICE_BUYER_WON:
		return "buyer_won"
	}
	return ""
}

// DomainTally returns the total weight revealed for each side of a
// protocol dispute: the sums of the weights of the revealed votes for
// the provider and for the buyer. Votes not revealed count for nobody.
func DomainTally(votes []*ledgerpb.DomainVote) (provider, buyer *big.Int) {
	provider, buyer = new(big.Int), new(big.Int)
	for _, v := range votes {
		switch v.Vote {
		case ledgerpb.DomainVoteChoice_DOMAIN_VOTE_CHOICE_PROVIDER_WON:
			provider.Add(provider, reputation.DecodeReputation(v.Weight))
		case ledgerpb.DomainVoteChoice_DOMAIN_VOTE_CHOICE_BUYER_WON:
			buyer.Add(buyer, reputation.DecodeReputation(v.Weight))
		}
	}
	return provider, buyer
}

// DomainVerdict decides a protocol dispute from its tally: the side with
// the strictly greater total weight wins; equal totals (no reveal at all
// included) leave it undecided.
func DomainVerdict(provider, buyer *big.Int) ledgerpb.DisputeVerdict {
	switch provider.Cmp(buyer) {
	case 1:
		return ledgerpb.DisputeVerdict_DISPUTE_VERDICT_PROVIDER_WON
	case -1:
		return ledgerpb.DisputeVerdict_DISPUTE_VERDICT_BUYER_WON
	}
	return ledgerpb.DisputeVerdict_DISPUTE_VERDICT_UNDECIDED
}

// checkProofPresent refuses a missing reputation proof, then checks its
// shape (reputation.ValidateProof).
func checkProofPresent(op string, p *ledgerpb.ReputationProof) error {
	if p == nil {
		return reputation.ErrInvalidProof.Errorf("%s: reputation_proof: missing", op)
	}
	return reputation.ValidateProof(op, "reputation_proof", p)
}

// ValidateDomainVoteCommit checks a MsgDomainVoteCommit against the
// params: a 32-byte commitment (ErrInvalidHash), a stake of at least
// min_domain_vote_stake (ErrStakeTooLow) and a well-formed reputation
// proof (reputation.ErrInvalidProof).
func ValidateDomainVoteCommit(m *ledgerpb.MsgDomainVoteCommit, p *ledgerpb.Params) error {
	const op = "domain_vote_commit"
	if err := checkHash(op, "commitment", m.Commitment); err != nil {
		return err
	}
	if m.Stake < p.MinDomainVoteStake {
		return ErrStakeTooLow.Errorf("%s: stake %d ucell: must be at least min_domain_vote_stake %d ucell", op, m.Stake, p.MinDomainVoteStake)
	}
	return checkProofPresent(op, m.ReputationProof)
}

// ValidateDomainVoteReveal checks a MsgDomainVoteReveal: a vote for the
// provider or the buyer (ErrInvalidDispute), a 32-byte salt
// (ErrInvalidHash) and a well-formed reputation proof
// (reputation.ErrInvalidProof).
func ValidateDomainVoteReveal(m *ledgerpb.MsgDomainVoteReveal) error {
	const op = "domain_vote_reveal"
	if m.Vote != ledgerpb.DomainVoteChoice_DOMAIN_VOTE_CHOICE_PROVIDER_WON && m.Vote != ledgerpb.DomainVoteChoice_DOMAIN_VOTE_CHOICE_BUYER_WON {
		return ErrInvalidDispute.Errorf("%s: vote %d: want provider_won (1) or buyer_won (2)", op, m.Vote)
	}
	if err := checkHash(op, "salt", m.Salt); err != nil {
		return err
	}
	return checkProofPresent(op, m.ReputationProof)
}

// protocolDispute returns the DISPUTED order of a protocol dispute whose
// domain vote is open: ErrPackageKind for a compute dispute,
// ErrWindowClosed while its drawn verifiers decide.
func (k Keeper) protocolDispute(st store.KVStore, op string, id uint64) (*ledgerpb.Order, error) {
	o, err := k.order(st, op, id)
	if err != nil {
		return nil, err
	}
	if o.State != ledgerpb.OrderState_ORDER_STATE_DISPUTED {
		return nil, wrongState(op, o, ledgerpb.OrderState_ORDER_STATE_DISPUTED)
	}
	if !isProtocol(o.Dispute) {
		return nil, ErrPackageKind.Errorf("%s: order %d: a dispute of a compute package is decided by verifiers, not by a domain vote", op, o.Id)
	}
	if !domainVoting(o.Dispute) {
		return nil, ErrWindowClosed.Errorf("%s: order %d: no domain vote is open: the drawn verifiers decide first, and a domain vote opens only if they cannot", op, o.Id)
	}
	return o, nil
}

// domainReputation checks the signer's reputation proof in the dispute's
// domain skill against the accepted root and that it is positive.
func (k Keeper) domainReputation(st store.KVStore, op string, o *ledgerpb.Order, signer address.Address, p *ledgerpb.ReputationProof) (*big.Int, error) {
	rep, err := k.reputation.ProvenReputation(st, op, "reputation_proof", p, k.colony, signer, o.Dispute.DomainSkill)
	if err != nil {
		return nil, err
	}
	if rep.Sign() <= 0 {
		return nil, ErrNoDomainReputation.Errorf("%s: order %d: %s proves reputation 0 in skill %d", op, o.Id, signer, o.Dispute.DomainSkill)
	}
	return rep, nil
}

// voteOf returns the signer's vote in a protocol dispute, or nil.
func voteOf(d *ledgerpb.Dispute, signer address.Address) *ledgerpb.DomainVote {
	for _, v := range d.Votes {
		if bytes.Equal(v.Voter, signer[:]) {
			return v
		}
	}
	return nil
}

// DomainVoteCommit executes a MsgDomainVoteCommit in the block at
// height: ValidateDomainVoteCommit's rules, then the order exists
// (ErrNoOrder), is DISPUTED (ErrWrongState) by a protocol dispute
// (ErrPackageKind) whose domain vote is open (ErrWindowClosed: its
// verifiers did not decide), at a height below its commit deadline
// (ErrWindowClosed); the signer is neither the buyer nor the provider
// (ErrPartyCannotVote) and has not committed (ErrCannotVote); the proof
// proves the signer's positive reputation in the dispute's domain skill
// of the network colony against the accepted reputation root
// (reputation.ErrInvalidProof, reputation.ErrNoRoot,
// ErrNoDomainReputation). With MaxDomainVoters votes already, the
// signer's proven reputation must exceed the lightest vote's (ErrVotersFull),
// which is evicted and gets its stake back (domain_vote_evicted). The
// stake moves to escrow (bank codes) and the vote is recorded.
func (k Keeper) DomainVoteCommit(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, signer address.Address, m *ledgerpb.MsgDomainVoteCommit) error {
	const op = "domain_vote_commit"
	if err := ValidateDomainVoteCommit(m, p); err != nil {
		return err
	}
	o, err := k.protocolDispute(st, op, m.OrderId)
	if err != nil {
		return err
	}
	d := o.Dispute
	if height >= d.CommitDeadline {
		return ErrWindowClosed.Errorf("%s: order %d: the commit window ended at height %d", op, o.Id, d.CommitDeadline)
	}
	if signer == address.Address(o.Buyer) || signer == address.Address(o.Contract.Provider) {
		return ErrPartyCannotVote.Errorf("%s: order %d: %s is a party to the dispute", op, o.Id, signer)
	}
	if voteOf(d, signer) != nil {
		return ErrCannotVote.Errorf("%s: order %d: %s committed already", op, o.Id, signer)
	}
	rep, err := k.domainReputation(st, op, o, signer, m.ReputationProof)
	if err != nil {
		return err
	}
	evict := -1
	if len(d.Votes) >= MaxDomainVoters {
		for i, v := range d.Votes {
			if evict < 0 || reputation.DecodeReputation(v.CommitWeight).Cmp(reputation.DecodeReputation(d.Votes[evict].CommitWeight)) < 0 {
				evict = i
			}
		}
		if lightest := reputation.DecodeReputation(d.Votes[evict].CommitWeight); rep.Cmp(lightest) <= 0 {
			return ErrVotersFull.Errorf("%s: order %d: %d voters committed; proven reputation %s does not exceed the lightest vote's %s", op, o.Id, len(d.Votes), rep, lightest)
		}
	}
	if _, ok := add(Held(o, nil), m.Stake); !ok {
		return ErrOverflow.Errorf("%s: order %d: held %d + stake %d overflows", op, o.Id, Held(o, nil), m.Stake)
	}
	if err := k.bank.MoveToModule(st, ev, signer, EscrowAccount, m.Stake); err != nil {
		return fmt.Errorf("%s: stake: %w", op, err)
	}
	if evict >= 0 {
		out := d.Votes[evict]
		k.mustMove(st, ev, address.Address(out.Voter), out.Stake)
		d.Votes = slices.Delete(d.Votes, evict, evict+1)
		ev.Emit(EventDomainVoteEvicted{OrderID: o.Id, Voter: address.Address(out.Voter), By: signer})
	}
	d.Votes = append(d.Votes, &ledgerpb.DomainVote{Voter: signer.Bytes(), Commitment: m.Commitment, Stake: m.Stake,
		CommitWeight: reputation.EncodeReputation(rep)})
	k.write(st, o, o.State, height)
	ev.Emit(EventDomainVoteCommit{OrderID: o.Id, Voter: signer, Commitment: m.Commitment})
	return nil
}

// DomainVoteReveal executes a MsgDomainVoteReveal in the block at
// height: ValidateDomainVoteReveal's rules, then the order exists
// (ErrNoOrder), is DISPUTED (ErrWrongState) by a protocol dispute
// (ErrPackageKind) whose domain vote is open (ErrWindowClosed), at a
// height from its commit deadline to below its
// reveal deadline (ErrWindowClosed); the signer committed and has not
// revealed (ErrCannotVote); DomainVoteCommitment(order id, signer, vote,
// salt) matches its commitment (ErrRootMismatch); and the proof proves
// the signer's positive reputation in the dispute's domain skill against
// the accepted reputation root at this height (reputation.ErrInvalidProof,
// reputation.ErrNoRoot, ErrNoDomainReputation). The vote is recorded
// with the proven reputation as its weight.
func (k Keeper) DomainVoteReveal(st store.KVStore, ev *event.Log, height int64, signer address.Address, m *ledgerpb.MsgDomainVoteReveal) error {
	const op = "domain_vote_reveal"
	if err := ValidateDomainVoteReveal(m); err != nil {
		return err
	}
	o, err := k.protocolDispute(st, op, m.OrderId)
	if err != nil {
		return err
	}
	d := o.Dispute
	if height < d.CommitDeadline || height >= d.RevealDeadline {
		return ErrWindowClosed.Errorf("%s: order %d: reveals are accepted from height %d to below %d", op, o.Id, d.CommitDeadline, d.RevealDeadline)
	}
	v := voteOf(d, signer)
	switch {
	case v == nil:
		return ErrCannotVote.Errorf("%s: order %d: %s did not commit", op, o.Id, signer)
	case v.Vote != ledgerpb.DomainVoteChoice_DOMAIN_VOTE_CHOICE_UNSPECIFIED:
		return ErrCannotVote.Errorf("%s: order %d: %s revealed already", op, o.Id, signer)
	}
	if c := DomainVoteCommitment(o.Id, signer, m.Vote, m.Salt); !bytes.Equal(c[:], v.Commitment) {
		return ErrRootMismatch.Errorf("%s: order %d: vote and salt do not match the commitment of %s", op, o.Id, signer)
	}
	rep, err := k.domainReputation(st, op, o, signer, m.ReputationProof)
	if err != nil {
		return err
	}
	v.Vote, v.Weight = m.Vote, reputation.EncodeReputation(rep)
	k.write(st, o, o.State, height)
	ev.Emit(EventDomainVoteReveal{OrderID: o.Id, Voter: signer, Vote: DomainVoteName(m.Vote), Weight: rep.String()})
	return nil
}

// decideDomainVote ends the reveal window of a protocol dispute: the
// heavier side of the revealed votes wins (DomainTally, DomainVerdict).
// Voters on the winning side get their stake back and share
// verifier_reward_bps of the loser's forfeit equally; voters on the
// losing side, and voters who did not reveal, lose their stake to the
// treasury. Equal weights (no reveal included) split the price
// (DISPUTE_VERDICT_SPLIT; a vote is not redrawn): every revealed voter
// gets its stake back, silent ones lose theirs.
func (k Keeper) decideDomainVote(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, o *ledgerpb.Order) {
	d := o.Dispute
	pw, bw := DomainTally(d.Votes)
	verdict := DomainVerdict(pw, bw)
	winning := ledgerpb.DomainVoteChoice_DOMAIN_VOTE_CHOICE_PROVIDER_WON
	switch verdict {
	case ledgerpb.DisputeVerdict_DISPUTE_VERDICT_BUYER_WON:
		winning = ledgerpb.DomainVoteChoice_DOMAIN_VOTE_CHOICE_BUYER_WON
	case ledgerpb.DisputeVerdict_DISPUTE_VERDICT_UNDECIDED:
		verdict, winning = ledgerpb.DisputeVerdict_DISPUTE_VERDICT_SPLIT, ledgerpb.DomainVoteChoice_DOMAIN_VOTE_CHOICE_UNSPECIFIED
	}
	r := roundResult{providerWeight: pw.String(), buyerWeight: bw.String()}
	for _, v := range d.Votes {
		voter := address.Address(v.Voter)
		switch {
		case v.Vote == ledgerpb.DomainVoteChoice_DOMAIN_VOTE_CHOICE_UNSPECIFIED,
			winning != ledgerpb.DomainVoteChoice_DOMAIN_VOTE_CHOICE_UNSPECIFIED && v.Vote != winning:
			k.mustMoveToTreasury(st, ev, v.Stake)
			r.slashed = append(r.slashed, v.Voter)
		default:
			k.mustMove(st, ev, voter, v.Stake)
			if winning != ledgerpb.DomainVoteChoice_DOMAIN_VOTE_CHOICE_UNSPECIFIED {
				r.rewarded = append(r.rewarded, voter)
				r.rewardedIDs = append(r.rewardedIDs, v.Voter)
			}
		}
		v.Stake = 0
	}
	k.settle(st, ev, p, height, o, verdict, r)
}

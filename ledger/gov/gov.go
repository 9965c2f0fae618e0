// Package gov is the ledger's governance, in Compound's shape (issue 14,
// item 3): a proposal holds one or more executable messages — a param
// change of any module, a treasury spend, the release of litigated funds,
// new recovery addresses, or text — and a deposit; once its deposits
// reach gov_min_deposit it is voted on (yes, no, abstain, veto) with
// votes weighted by bonded stake, where a delegator's own vote overrides
// its validator's for its delegated stake (Count); at the end of voting
// a quorum, a threshold and a veto threshold decide (Decide); a passed
// proposal waits gov_timelock_blocks and is executed by the block hook
// of its execution height, in a branch of the state, so that a failed
// execution is recorded (status FAILED, with the reason) and changes
// nothing.
//
// Colony's two-chamber rule (whitepaper §5.1.2, §3.2): a proposal whose
// param changes raise the supply ceiling or the inflation rate (mint_supply_ceiling,
// mint_inflation_bps: SupplyParam) by more than 10 % also needs more reputation for
// yes than for no among voters who prove their reputation in a skill of
// the network colony against the accepted root (MsgVote.reputation_proof,
// checked as a domain vote's proof).
//
// Heights. A proposal submitted at height h takes deposits below
// deposit_end_height = h + gov_deposit_period_blocks; the block whose
// deposit reaches gov_min_deposit, at height v, starts voting: votes are
// taken at heights v … voting_end_height − 1 with voting_end_height = v +
// gov_voting_period_blocks, and the begin-block hook of voting_end_height
// tallies. A passed proposal is executed by the begin-block hook of
// execution_height = voting_end_height + gov_timelock_blocks. The hook of
// a height handles only the proposals due at it (an index keyed by
// height).
//
// Deposits are held by the "gov" module account. They are returned to
// their depositors when a proposal expires (deposit period over below the
// minimum), is rejected or passes; they are burned when it is vetoed, and
// when its proposer cancels it (MsgCancelProposal, before voting ends):
// a proposer who sees its proposal losing cannot take its deposit back by
// cancelling.
//
// The privileged actions have no other path: no address has powers
// outside governance except the recovery addresses of recovery mode.
package gov

import (
	"bytes"
	"fmt"
	"math/big"
	"strconv"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/internal/codec"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/ledger/reputation"
	"github.com/celltonomy/celltonomy/ledger/store"
)

// ModuleAccount is the name of the bank module account that holds the
// deposits.
const ModuleAccount = "gov"

// Limits of a proposal.
const (
	MaxTitleBytes       = 140
	MaxDescriptionBytes = 10_000
	MaxMessages         = 16
)

// Bank is what gov needs from the bank module.
type Bank interface {
	MoveToModule(st store.KVStore, ev *event.Log, from address.Address, module string, amount uint64) error
	MoveFromModule(st store.KVStore, ev *event.Log, module string, to address.Address, amount uint64) error
	BurnFromModule(st store.KVStore, ev *event.Log, module string, amount uint64) error
	ModuleBalance(st store.KVStore, module string) uint64
}

// Staking is what gov needs from staking: the bonded validators (not
// jailed, with stake) and a voter's delegations.
type Staking interface {
	BondedValidators(st store.KVStore) []Validator
	DelegationsOf(st store.KVStore, delegator address.Address) []Delegation
}

// Reputation proves a voter's reputation against the accepted root
// (reputation.Keeper.ProvenReputation).
type Reputation interface {
	ProvenReputation(st store.KVStore, op, field string, p *ledgerpb.ReputationProof, colony, user address.Address, skill uint64) (*big.Int, error)
}

// Executor runs the privileged actions of other modules that only a
// proposal may take.
type Executor interface {
	// ReleaseLitigation releases an order's litigated funds
	// (market.Keeper.ReleaseLitigation).
	ReleaseLitigation(st store.KVStore, ev *event.Log, height int64, m *ledgerpb.MsgReleaseLitigation) error
	// SetRecoveryAddresses replaces the recovery addresses
	// (reputation.Mining.SetRecoveryAddresses).
	SetRecoveryAddresses(st store.KVStore, ev *event.Log, m *ledgerpb.MsgSetRecoveryAddresses) error
}

// Keeper is the gov module.
type Keeper struct {
	bank     Bank
	staking  Staking
	rep      Reputation
	exec     Executor
	treasury string
	colony   address.Address
	supply   func(string) bool
}

// New returns the gov module: deposits in bank's module account
// ModuleAccount, treasury spends from the module account treasury,
// reputation votes proven in colony, and supply naming the params whose
// raise needs the reputation chamber (SupplyParam).
func New(bank Bank, staking Staking, rep Reputation, exec Executor, treasury string, colony address.Address, supply func(string) bool) Keeper {
	return Keeper{bank: bank, staking: staking, rep: rep, exec: exec, treasury: treasury, colony: colony, supply: supply}
}

// ValidateSubmitProposal checks a MsgSubmitProposal without state: a
// title of 1 to MaxTitleBytes bytes, a description of at most
// MaxDescriptionBytes, 1 to MaxMessages messages, each set and valid by
// its own rules (a param change names a param and its value parses; a
// treasury spend names a bech32 recipient and at least 1 ucell; a
// release of litigation and new recovery addresses by their module's
// rules). Errors: ErrInvalidProposal, ErrInvalidParamChange,
// ErrInvalidAddress, ErrInvalidAmount, or the module's.
func ValidateSubmitProposal(m *ledgerpb.MsgSubmitProposal) error {
	const op = "submit_proposal"
	switch {
	case len(m.Title) == 0 || len(m.Title) > MaxTitleBytes:
		return ErrInvalidProposal.Errorf("%s: title: %d bytes, must be 1 to %d", op, len(m.Title), MaxTitleBytes)
	case len(m.Description) > MaxDescriptionBytes:
		return ErrInvalidProposal.Errorf("%s: description: %d bytes, at most %d", op, len(m.Description), MaxDescriptionBytes)
	case len(m.Messages) == 0 || len(m.Messages) > MaxMessages:
		return ErrInvalidProposal.Errorf("%s: messages: %d, must be 1 to %d", op, len(m.Messages), MaxMessages)
	}
	for i, pm := range m.Messages {
		field := "messages[" + strconv.Itoa(i) + "]"
		switch s := pm.Sum.(type) {
		case *ledgerpb.ProposalMsg_ParamChange:
			if err := ValidateParamChange(op, field+".param_change", s.ParamChange); err != nil {
				return err
			}
		case *ledgerpb.ProposalMsg_TreasurySpend:
			if _, err := address.Parse(s.TreasurySpend.Recipient); err != nil {
				return ErrInvalidAddress.Errorf("%s: %s.treasury_spend.recipient: %v", op, field, err)
			}
			if s.TreasurySpend.Amount == 0 {
				return ErrInvalidAmount.Errorf("%s: %s.treasury_spend.amount 0: must be positive", op, field)
			}
		case *ledgerpb.ProposalMsg_ReleaseLitigation:
			if err := market.ValidateReleaseLitigation(s.ReleaseLitigation); err != nil {
				return fmt.Errorf("%s: %s: %w", op, field, err)
			}
		case *ledgerpb.ProposalMsg_SetRecoveryAddresses:
			if err := reputation.ValidateSetRecoveryAddresses(s.SetRecoveryAddresses); err != nil {
				return fmt.Errorf("%s: %s: %w", op, field, err)
			}
		case *ledgerpb.ProposalMsg_Text:
		default:
			return ErrInvalidProposal.Errorf("%s: %s: no message set", op, field)
		}
	}
	return nil
}

// ValidateDeposit checks a MsgDeposit without state: amount at least 1
// (ErrInvalidAmount).
func ValidateDeposit(m *ledgerpb.MsgDeposit) error {
	if m.Amount == 0 {
		return ErrInvalidAmount.Errorf("deposit: amount 0: must be positive")
	}
	return nil
}

// ValidateVote checks a MsgVote without state: an option of yes, no,
// abstain or veto (ErrInvalidOption) and, if given, a well-formed
// reputation proof (reputation.ErrInvalidProof).
func ValidateVote(m *ledgerpb.MsgVote) error {
	if m.Option < ledgerpb.VoteOption_VOTE_OPTION_YES || m.Option > ledgerpb.VoteOption_VOTE_OPTION_VETO {
		return ErrInvalidOption.Errorf("vote: option %d: must be yes, no, abstain or veto", m.Option)
	}
	if m.ReputationProof != nil {
		return reputation.ValidateProof("vote", "reputation_proof", m.ReputationProof)
	}
	return nil
}

// ValidateCancelProposal checks a MsgCancelProposal without state.
func ValidateCancelProposal(*ledgerpb.MsgCancelProposal) error { return nil }

// Proposal returns proposal id, or nil.
func (k Keeper) Proposal(st store.KVStore, id uint64) *ledgerpb.Proposal {
	b := st.Get(ProposalKey(id))
	if b == nil {
		return nil
	}
	p := &ledgerpb.Proposal{}
	codec.MustUnmarshal(b, p)
	return p
}

func (k Keeper) proposal(st store.KVStore, op string, id uint64) (*ledgerpb.Proposal, error) {
	p := k.Proposal(st, id)
	if p == nil {
		return nil, ErrNoProposal.Errorf("%s: proposal %d: not found", op, id)
	}
	return p, nil
}

func setProposal(st store.KVStore, p *ledgerpb.Proposal) { st.Set(ProposalKey(p.Id), codec.Marshal(p)) }

// Deposits returns the deposits held for proposal id, by depositor.
func (k Keeper) Deposits(st store.KVStore, id uint64) []*ledgerpb.Deposit {
	var out []*ledgerpb.Deposit
	it := st.Iterator(DepositPrefix(id), store.PrefixEnd(DepositPrefix(id)))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		d := &ledgerpb.Deposit{}
		codec.MustUnmarshal(it.Value(), d)
		out = append(out, d)
	}
	return out
}

// Votes returns the votes on proposal id, by voter.
func (k Keeper) Votes(st store.KVStore, id uint64) []*ledgerpb.Vote {
	var out []*ledgerpb.Vote
	it := st.Iterator(VotePrefix(id), store.PrefixEnd(VotePrefix(id)))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		v := &ledgerpb.Vote{}
		codec.MustUnmarshal(it.Value(), v)
		out = append(out, v)
	}
	return out
}

// SubmitProposal executes a MsgSubmitProposal at height: the stateless
// rules, then its param changes applied to the current params must pass
// their validation (ErrInvalidParamChange), and the signer pays the
// deposit (bank errors). The proposal gets the next id, its deposit
// period, and votes at once if the deposit reaches gov_min_deposit. It
// returns the id.
func (k Keeper) SubmitProposal(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, signer address.Address, m *ledgerpb.MsgSubmitProposal) (uint64, error) {
	const op = "submit_proposal"
	if err := ValidateSubmitProposal(m); err != nil {
		return 0, err
	}
	next, err := ApplyParamChanges(op, p, m.Messages)
	if err != nil {
		return 0, err
	}
	id := uint64(1)
	if b := st.Get(NextIDKey()); b != nil {
		id, _ = store.ParseUint64(b)
	}
	pr := &ledgerpb.Proposal{
		Id: id, Proposer: signer.Bytes(), Title: m.Title, Description: m.Description, Messages: m.Messages,
		Status: ledgerpb.ProposalStatus_PROPOSAL_STATUS_DEPOSIT, SubmitHeight: height,
		DepositEndHeight: height + int64(p.GovDepositPeriodBlocks),
		NeedsReputation:  needsReputation(k.supply, p, next),
	}
	st.Set(NextIDKey(), store.Uint64(id+1))
	ev.Emit(EventProposalSubmitted{ProposalID: id, Proposer: signer, Deposit: m.Deposit, DepositEndHeight: pr.DepositEndHeight, NeedsReputation: pr.NeedsReputation})
	st.Set(DueKey(pr.DepositEndHeight, id), []byte{1})
	if err := k.deposit(st, ev, p, height, signer, pr, m.Deposit); err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	return id, nil
}

// deposit adds amount from depositor to pr, starts voting if the total
// reaches the minimum, and writes pr.
func (k Keeper) deposit(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, depositor address.Address, pr *ledgerpb.Proposal, amount uint64) error {
	if amount > 0 {
		total := pr.TotalDeposit + amount
		if total < amount {
			return ErrInvalidAmount.Errorf("deposit %d: the total overflows", amount)
		}
		if err := k.bank.MoveToModule(st, ev, depositor, ModuleAccount, amount); err != nil {
			return fmt.Errorf("deposit %d ucell: %w", amount, err)
		}
		d := &ledgerpb.Deposit{ProposalId: pr.Id, Depositor: depositor.Bytes()}
		if b := st.Get(DepositKey(pr.Id, depositor)); b != nil {
			codec.MustUnmarshal(b, d)
		}
		d.Amount += amount
		st.Set(DepositKey(pr.Id, depositor), codec.Marshal(d))
		pr.TotalDeposit = total
		ev.Emit(EventProposalDeposit{ProposalID: pr.Id, Depositor: depositor, Amount: amount, Total: total})
	}
	if pr.Status == ledgerpb.ProposalStatus_PROPOSAL_STATUS_DEPOSIT && pr.TotalDeposit >= p.GovMinDeposit {
		st.Delete(DueKey(pr.DepositEndHeight, pr.Id))
		pr.Status = ledgerpb.ProposalStatus_PROPOSAL_STATUS_VOTING
		pr.VotingStartHeight = height
		pr.VotingEndHeight = height + int64(p.GovVotingPeriodBlocks)
		st.Set(DueKey(pr.VotingEndHeight, pr.Id), []byte{1})
		ev.Emit(EventVotingStarted{ProposalID: pr.Id, VotingEndHeight: pr.VotingEndHeight})
	}
	setProposal(st, pr)
	return nil
}

// Deposit executes a MsgDeposit at height: the proposal exists
// (ErrNoProposal) and is in its deposit period, height below
// deposit_end_height (ErrWrongStatus); the signer pays (bank errors).
func (k Keeper) Deposit(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, signer address.Address, m *ledgerpb.MsgDeposit) error {
	const op = "deposit"
	if err := ValidateDeposit(m); err != nil {
		return err
	}
	pr, err := k.proposal(st, op, m.ProposalId)
	if err != nil {
		return err
	}
	if pr.Status != ledgerpb.ProposalStatus_PROPOSAL_STATUS_DEPOSIT || height >= pr.DepositEndHeight {
		return ErrWrongStatus.Errorf("%s: proposal %d is %s: deposits are taken in the deposit period, below height %d", op, pr.Id, StatusName(pr.Status), pr.DepositEndHeight)
	}
	if err := k.deposit(st, ev, p, height, signer, pr, m.Amount); err != nil {
		return fmt.Errorf("%s: proposal %d: %w", op, pr.Id, err)
	}
	return nil
}

// Vote executes a MsgVote at height: the proposal is voting and height
// is below voting_end_height (ErrWrongStatus); a reputation proof, if
// given, must prove a positive reputation of the signer in the network
// colony against the accepted root (reputation errors, ErrNoReputation).
// A second vote replaces the first.
func (k Keeper) Vote(st store.KVStore, ev *event.Log, height int64, signer address.Address, m *ledgerpb.MsgVote) error {
	const op = "vote"
	if err := ValidateVote(m); err != nil {
		return err
	}
	pr, err := k.proposal(st, op, m.ProposalId)
	if err != nil {
		return err
	}
	if pr.Status != ledgerpb.ProposalStatus_PROPOSAL_STATUS_VOTING || height >= pr.VotingEndHeight {
		return ErrWrongStatus.Errorf("%s: proposal %d is %s: votes are taken in the voting period, below height %d", op, pr.Id, StatusName(pr.Status), pr.VotingEndHeight)
	}
	v := &ledgerpb.Vote{ProposalId: pr.Id, Voter: signer.Bytes(), Option: m.Option}
	rep := ""
	if m.ReputationProof != nil {
		r, err := k.rep.ProvenReputation(st, op, "reputation_proof", m.ReputationProof, k.colony, signer, m.ReputationProof.Skill)
		if err != nil {
			return err
		}
		if r.Sign() <= 0 {
			return ErrNoReputation.Errorf("%s: reputation_proof: %s proves reputation 0", op, signer)
		}
		v.Reputation = r.FillBytes(make([]byte, 32))
		rep = r.String()
	}
	st.Set(VoteKey(pr.Id, signer), codec.Marshal(v))
	ev.Emit(EventVoteCast{ProposalID: pr.Id, Voter: signer, Option: OptionName(m.Option), Reputation: rep})
	return nil
}

// CancelProposal executes a MsgCancelProposal at height: the signer is
// the proposer (ErrNotProposer), and the proposal is in its deposit
// period or voting below voting_end_height (ErrWrongStatus). Its
// deposits are burned.
func (k Keeper) CancelProposal(st store.KVStore, ev *event.Log, height int64, signer address.Address, m *ledgerpb.MsgCancelProposal) error {
	const op = "cancel_proposal"
	pr, err := k.proposal(st, op, m.ProposalId)
	if err != nil {
		return err
	}
	if !bytes.Equal(pr.Proposer, signer[:]) {
		return ErrNotProposer.Errorf("%s: proposal %d: %s is not its proposer", op, pr.Id, signer)
	}
	switch {
	case pr.Status == ledgerpb.ProposalStatus_PROPOSAL_STATUS_DEPOSIT && height < pr.DepositEndHeight:
		st.Delete(DueKey(pr.DepositEndHeight, pr.Id))
	case pr.Status == ledgerpb.ProposalStatus_PROPOSAL_STATUS_VOTING && height < pr.VotingEndHeight:
		st.Delete(DueKey(pr.VotingEndHeight, pr.Id))
	default:
		return ErrWrongStatus.Errorf("%s: proposal %d is %s: a proposal is cancelled before its voting ends", op, pr.Id, StatusName(pr.Status))
	}
	burned := k.settleDeposits(st, ev, pr, true)
	pr.Status = ledgerpb.ProposalStatus_PROPOSAL_STATUS_CANCELLED
	setProposal(st, pr)
	ev.Emit(EventProposalCancelled{ProposalID: pr.Id, Burned: burned})
	return nil
}

// settleDeposits returns pr's deposits to their depositors, or burns
// them, and removes their records; it returns the amount burned.
func (k Keeper) settleDeposits(st store.KVStore, ev *event.Log, pr *ledgerpb.Proposal, burn bool) uint64 {
	var burned uint64
	for _, d := range k.Deposits(st, pr.Id) {
		depositor := address.Address(d.Depositor)
		if burn {
			burned += d.Amount
		} else if err := k.bank.MoveFromModule(st, ev, ModuleAccount, depositor, d.Amount); err != nil {
			panic(fmt.Sprintf("gov: return deposit of proposal %d: %v", pr.Id, err))
		}
		st.Delete(DepositKey(pr.Id, depositor))
	}
	if burned > 0 {
		if err := k.bank.BurnFromModule(st, ev, ModuleAccount, burned); err != nil {
			panic(fmt.Sprintf("gov: burn deposits of proposal %d: %v", pr.Id, err))
		}
	}
	return burned
}

// BeginBlock handles the proposals due at height, in id order: a deposit
// period that ended below the minimum expires the proposal (deposits
// returned); a voting period that ended is tallied (Count, Decide) —
// passed: queued for execution at height + gov_timelock_blocks, deposits
// returned; rejected: deposits returned; vetoed: deposits burned; an
// execution height runs the proposal's messages in order in a branch of
// st, written only if all succeed (status EXECUTED), otherwise
// discarded (status FAILED, with the reason).
func (k Keeper) BeginBlock(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64) {
	prefix := DuePrefix(height)
	var ids []uint64
	it := st.Iterator(prefix, store.PrefixEnd(prefix))
	for ; it.Valid(); it.Next() {
		id, err := store.ParseUint64(it.Key()[len(prefix):])
		if err != nil {
			panic(fmt.Sprintf("gov: due key %x: %v", it.Key(), err))
		}
		ids = append(ids, id)
	}
	it.Close()
	for _, id := range ids {
		st.Delete(DueKey(height, id))
		pr := k.Proposal(st, id)
		if pr == nil {
			panic(fmt.Sprintf("gov: proposal %d due at %d is not in state", id, height))
		}
		switch pr.Status {
		case ledgerpb.ProposalStatus_PROPOSAL_STATUS_DEPOSIT:
			k.settleDeposits(st, ev, pr, false)
			pr.Status = ledgerpb.ProposalStatus_PROPOSAL_STATUS_EXPIRED
			setProposal(st, pr)
			ev.Emit(EventProposalExpired{ProposalID: id})
		case ledgerpb.ProposalStatus_PROPOSAL_STATUS_VOTING:
			k.tally(st, ev, p, height, pr)
		case ledgerpb.ProposalStatus_PROPOSAL_STATUS_QUEUED:
			k.execute(st, ev, height, pr)
		default:
			panic(fmt.Sprintf("gov: proposal %d due at %d is %s", id, height, StatusName(pr.Status)))
		}
	}
}

// Tally counts proposal pr's votes as its tally at the end of voting
// would: stake by Count over the bonded validators, reputation as Σ of
// the proven reputation of yes and of no votes.
func (k Keeper) Tally(st store.KVStore, pr *ledgerpb.Proposal) *ledgerpb.Tally {
	votes := k.Votes(st, pr.Id)
	t := Count(k.staking.BondedValidators(st), votes, func(a address.Address) []Delegation { return k.staking.DelegationsOf(st, a) })
	yes, no := new(big.Int), new(big.Int)
	for _, v := range votes {
		switch v.Option {
		case ledgerpb.VoteOption_VOTE_OPTION_YES:
			yes.Add(yes, new(big.Int).SetBytes(v.Reputation))
		case ledgerpb.VoteOption_VOTE_OPTION_NO, ledgerpb.VoteOption_VOTE_OPTION_VETO:
			no.Add(no, new(big.Int).SetBytes(v.Reputation))
		}
	}
	t.ReputationYes, t.ReputationNo = yes.Bytes(), no.Bytes()
	return t
}

func (k Keeper) tally(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, pr *ledgerpb.Proposal) {
	t := k.Tally(st, pr)
	pr.Tally = t
	switch Decide(t, p, pr.NeedsReputation) {
	case Passed:
		pr.Status = ledgerpb.ProposalStatus_PROPOSAL_STATUS_QUEUED
		pr.ExecutionHeight = height + int64(p.GovTimelockBlocks)
		st.Set(DueKey(pr.ExecutionHeight, pr.Id), []byte{1})
		k.settleDeposits(st, ev, pr, false)
	case Rejected:
		pr.Status = ledgerpb.ProposalStatus_PROPOSAL_STATUS_REJECTED
		k.settleDeposits(st, ev, pr, false)
	case Vetoed:
		pr.Status = ledgerpb.ProposalStatus_PROPOSAL_STATUS_VETOED
		k.settleDeposits(st, ev, pr, true)
	}
	setProposal(st, pr)
	ev.Emit(EventProposalTallied{ProposalID: pr.Id, Status: StatusName(pr.Status), Yes: t.Yes, No: t.No, Abstain: t.Abstain, Veto: t.Veto,
		TotalBonded: t.TotalBonded, ReputationYes: new(big.Int).SetBytes(t.ReputationYes).String(),
		ReputationNo: new(big.Int).SetBytes(t.ReputationNo).String(), ExecutionHeight: pr.ExecutionHeight})
}

func (k Keeper) execute(st store.KVStore, ev *event.Log, height int64, pr *ledgerpb.Proposal) {
	branch := store.NewCache(st)
	var bev event.Log
	err := k.run(branch, &bev, height, pr)
	if err != nil {
		pr.Status = ledgerpb.ProposalStatus_PROPOSAL_STATUS_FAILED
		pr.Failure = err.Error()
		setProposal(st, pr)
		ev.Emit(EventProposalFailed{ProposalID: pr.Id, Reason: pr.Failure})
		return
	}
	branch.Write()
	ev.Append(&bev)
	pr.Status = ledgerpb.ProposalStatus_PROPOSAL_STATUS_EXECUTED
	setProposal(st, pr)
	ev.Emit(EventProposalExecuted{ProposalID: pr.Id})
}

// run executes pr's messages in order on st; the param changes are
// checked again against the params of the execution height.
func (k Keeper) run(st store.KVStore, ev *event.Log, height int64, pr *ledgerpb.Proposal) error {
	const op = "execute"
	cur, err := params.Get(st)
	if err != nil {
		panic(fmt.Sprintf("gov: %v", err))
	}
	next, err := ApplyParamChanges(op, cur, pr.Messages)
	if err != nil {
		return err
	}
	if err := params.Set(st, next); err != nil {
		return ErrInvalidParamChange.Errorf("%s: %v", op, err)
	}
	for i, m := range pr.Messages {
		var err error
		switch s := m.Sum.(type) {
		case *ledgerpb.ProposalMsg_TreasurySpend:
			to, perr := address.Parse(s.TreasurySpend.Recipient)
			if perr != nil {
				return ErrInvalidAddress.Errorf("%s: messages[%d]: %v", op, i, perr)
			}
			err = k.bank.MoveFromModule(st, ev, k.treasury, to, s.TreasurySpend.Amount)
		case *ledgerpb.ProposalMsg_ReleaseLitigation:
			err = k.exec.ReleaseLitigation(st, ev, height, s.ReleaseLitigation)
		case *ledgerpb.ProposalMsg_SetRecoveryAddresses:
			err = k.exec.SetRecoveryAddresses(st, ev, s.SetRecoveryAddresses)
		}
		if err != nil {
			return fmt.Errorf("%s: messages[%d]: %w", op, i, err)
		}
	}
	return nil
}

// CheckInvariants returns an error unless the "gov" module account holds
// exactly Σ deposit records, and each proposal's records sum to its
// total while it is in its deposit or voting period.
func (k Keeper) CheckInvariants(st store.KVStore) error {
	var sum uint64
	it := st.Iterator(DepositTablePrefix(), store.PrefixEnd(DepositTablePrefix()))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		d := &ledgerpb.Deposit{}
		codec.MustUnmarshal(it.Value(), d)
		sum += d.Amount
	}
	if b := k.bank.ModuleBalance(st, ModuleAccount); b != sum {
		return fmt.Errorf("gov: module account %q holds %d ucell, deposits sum to %d", ModuleAccount, b, sum)
	}
	return nil
}

// StatusName returns the short name of a status: "deposit", "voting",
// "queued", "rejected", "vetoed", "executed", "failed", "cancelled",
// "expired".
func StatusName(s ledgerpb.ProposalStatus) string {
	switch s {
	case ledgerpb.ProposalStatus_PROPOSAL_STATUS_DEPOSIT:
		return "deposit"
	case ledgerpb.ProposalStatus_PROPOSAL_STATUS_VOTING:
		return "voting"
	case ledgerpb.ProposalStatus_PROPOSAL_STATUS_QUEUED:
		return "queued"
	case ledgerpb.ProposalStatus_PROPOSAL_STATUS_REJECTED:
		return "rejected"
	case ledgerpb.ProposalStatus_PROPOSAL_STATUS_VETOED:
		return "vetoed"
	case ledgerpb.ProposalStatus_PROPOSAL_STATUS_EXECUTED:
		return "executed"
	case ledgerpb.ProposalStatus_PROPOSAL_STATUS_FAILED:
		return "failed"
	case ledgerpb.ProposalStatus_PROPOSAL_STATUS_CANCELLED:
		return "cancelled"
	case ledgerpb.ProposalStatus_PROPOSAL_STATUS_EXPIRED:
		return "expired"
	}
	return "unspecified"
}

// OptionName returns "yes", "no", "abstain" or "veto".
func OptionName(o ledgerpb.VoteOption) string {
	switch o {
	case ledgerpb.VoteOption_VOTE_OPTION_YES:
		return "yes"
	case ledgerpb.VoteOption_VOTE_OPTION_NO:
		return "no"
	case ledgerpb.VoteOption_VOTE_OPTION_ABSTAIN:
		return "abstain"
	case ledgerpb.VoteOption_VOTE_OPTION_VETO:
		return "veto"
	}
	return "unspecified"
}

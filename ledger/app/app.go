// Package app composes the ledger's modules into the state machine that
// the CometBFT adapter in chain/ drives: genesis (InitChain), the mempool
// check (CheckTx), block execution (FinalizeBlock), queries (Query) and
// the simulation of a transaction (Simulate).
// The package doc of ledger (ledger/doc.go) is the manual: what to call
// when, the fee and sequence rules, the key layout.
//
// An App holds configuration only. Every method takes the state as a
// store.KVStore and changes nothing else; given the same state and the
// same inputs, it returns the same results and leaves the same state on
// every machine. A refused transaction is a TxResult with a non-zero code,
// never a Go error and never a panic. The App panics only when the state
// breaks an invariant (a bug, or storage that lost data): a node must stop
// rather than go on with state its peers do not have.
package app

import (
	"fmt"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/auth"
	"github.com/celltonomy/celltonomy/ledger/bank"
	"github.com/celltonomy/celltonomy/ledger/codes"
	"github.com/celltonomy/celltonomy/ledger/distribution"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/gov"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/mint"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/ledger/query"
	"github.com/celltonomy/celltonomy/ledger/registry"
	"github.com/celltonomy/celltonomy/ledger/reputation"
	"github.com/celltonomy/celltonomy/ledger/staking"
	"github.com/celltonomy/celltonomy/ledger/store"
	"github.com/celltonomy/celltonomy/ledger/treasury"
	"github.com/celltonomy/celltonomy/ledger/tx"
)

// App is the ledger state machine. It is stateless apart from
// configuration: all state is in the KVStore passed to each method. An App
// may be used from one goroutine at a time per store.
type App struct {
	bank     bank.Keeper
	auth     auth.Keeper
	treasury treasury.Keeper
	mint     mint.Keeper
	staking  staking.Keeper
	distr    distribution.Keeper
	registry registry.Keeper
	skills   reputation.Keeper
	mining   reputation.Mining
	market   market.Keeper
	gov      gov.Keeper
	txs      TxCache
}

// TxCache remembers, by the raw bytes of a transaction, what a node
// already learned of it: its decoding and whether its signature verified.
// CheckTx, PrepareProposal, ProcessProposal and FinalizeBlock all see a
// transaction; with a cache it is decoded once and its signature checked
// once (or in a batch, by the chain adapter). A hit stands for these exact
// bytes, and tx.Decode and tx.VerifySignature are functions of the bytes
// alone, so results never depend on the cache. The ledger never modifies
// a decoded transaction. The chain adapter provides a bounded one; nil
// means no cache.
type TxCache interface {
	// Lookup returns what the cache knows of raw, in one look-up: what
	// tx.Decode returned for it (nil if the cache does not know these
	// bytes) and whether its signature verified.
	Lookup(raw []byte) (t *tx.Tx, verified bool)
	// AddDecoded records a successful decoding of raw.
	AddDecoded(raw []byte, t *tx.Tx)
	// AddVerified records that the signature of the transaction raw
	// verified.
	AddVerified(raw []byte)
}

// WithTxCache returns a copy of a that consults c before decoding a
// transaction or verifying its signature.
func (a *App) WithTxCache(c TxCache) *App {
	b := *a
	b.txs = c
	return &b
}

// New returns the ledger with its modules wired: bank with the module
// accounts "treasury", "bonded", "unbonding", "escrow", "verifiers",
// "credit", "miners", "rewards", "mining_rewards" and "gov"; the mint
// minting each block and splitting fees; auth charging fees through the
// mint; staking over bank; the reputation module's skill tree, update log
// and mining (miner stakes in "miners", rewards from "mining_rewards",
// then the treasury); the registry, whose packages must name a skill of
// that tree; the market over bank, registry and reputation, paying fees
// and slashed stakes to the treasury and appending reputation in the
// network colony; gov over bank, staking and reputation, executing the
// privileged actions of the market and of mining for passed proposals.
func New() *App {
	b := bank.New(treasury.ModuleName, staking.BondedPool, staking.UnbondingPool, market.EscrowAccount,
		market.VerifierAccount, market.CreditAccount, reputation.MinerAccount,
		mint.RewardsAccount, mint.MiningRewardsAccount, gov.ModuleAccount)
	t := treasury.New(b)
	mk := mint.New(b)
	stk := staking.New(b)
	distr := distribution.New(b, stk)
	rep := reputation.New()
	reg := registry.New(rep)
	mining := reputation.NewMining(b, mint.MiningRewardsAccount, treasury.ModuleName)
	mkt := market.New(b, reg, rep, treasury.ModuleName, reputation.NetworkColony(), reputation.SkillBuyer).WithFees(mk)
	return &App{
		bank:     b,
		auth:     auth.New(mk),
		treasury: t,
		mint:     mk,
		staking:  stk.WithHooks(distr),
		distr:    distr,
		registry: reg,
		skills:   rep,
		mining:   mining,
		market:   mkt,
		gov: gov.New(b, govStaking{}, rep, govExecutor{market: mkt, mining: mining}, treasury.ModuleName,
			reputation.NetworkColony(), gov.SupplyParam),
	}
}

// govStaking gives gov the bonded validators and the delegations, from
// staking's read API: a validator's tokens are its bonded stake,
// delegations included.
type govStaking struct{}

func (govStaking) BondedValidators(st store.KVStore) []gov.Validator {
	var out []gov.Validator
	for _, v := range staking.BondedValidators(st) {
		out = append(out, gov.Validator{Operator: address.Address(v.Operator), Tokens: v.Bonded})
	}
	return out
}

func (govStaking) DelegationsOf(st store.KVStore, delegator address.Address) []gov.Delegation {
	var out []gov.Delegation
	for _, d := range staking.DelegationsOf(st, delegator) {
		out = append(out, gov.Delegation{Validator: d.Validator, Tokens: d.Tokens})
	}
	return out
}

// govExecutor runs the privileged actions of a passed proposal.
type govExecutor struct {
	market market.Keeper
	mining reputation.Mining
}

func (e govExecutor) ReleaseLitigation(st store.KVStore, ev *event.Log, height int64, m *ledgerpb.MsgReleaseLitigation) error {
	return e.market.ReleaseLitigation(st, ev, height, m)
}

func (e govExecutor) SetRecoveryAddresses(st store.KVStore, ev *event.Log, m *ledgerpb.MsgSetRecoveryAddresses) error {
	return e.mining.SetRecoveryAddresses(st, ev, m)
}

// Vote is one validator's entry in the commit of the previous block
// (CometBFT's decided_last_commit).
type Vote struct {
	// ValidatorAddress is the CometBFT validator address, 20 bytes; other
	// lengths are ignored.
	ValidatorAddress []byte
	// Power is the validator's voting power in that block.
	Power int64
	// Signed reports that the validator's precommit is in the commit.
	Signed bool
}

// ValidatorUpdate is a change of voting power for CometBFT.
type ValidatorUpdate struct {
	// PubKey is the validator's ed25519 consensus key, 32 bytes.
	PubKey []byte
	// Power is the new voting power; 0 removes the validator.
	Power int64
}

// Event is an ABCI event (type and ordered attributes); the modules'
// typed events render to it.
type Event = event.Event

// Attribute is a key/value pair of an Event.
type Attribute = event.Attribute

// TxResult is the outcome of one transaction.
type TxResult struct {
	// Code is 0 on success; otherwise a number of Codespace (see
	// schema.Codes).
	Code uint32
	// Codespace names the module whose rule refused the transaction; empty
	// on success.
	Codespace string
	// Log names the field and the rule that failed, e.g.
	// "bank: send: amount 0: must be positive"; empty on success.
	Log string
	// Events are what the transaction did, in order. A transaction whose
	// messages failed still reports its fee and its split ("tx").
	Events []Event
	// Charged reports that the transaction passed the checks of its form,
	// signature, sequence and fee, so that its fee was charged and its
	// sequence consumed, whether or not its messages then succeeded. A
	// transaction that was not charged changed nothing and paid nothing:
	// it has no place in a block (see BlockResult.Uncharged).
	Charged bool
}

// Header is what FinalizeBlock needs of a block.
type Header struct {
	// ChainID every transaction of the block must name.
	ChainID string
	// Height of the block, from 1.
	Height int64
	// TimeUnixNano is the block time (nanoseconds since 1970, UTC) as
	// agreed by consensus; unused for now.
	TimeUnixNano int64
	// ProposerAddress is the consensus address (20 bytes) of the proposer;
	// unused for now.
	ProposerAddress []byte
	// Hash of the block; the market draws the verifiers of a dispute
	// opened in the block from it (market.DrawVerifiers).
	Hash []byte
	// LastCommit lists the validators of the previous block and whether
	// each signed it: distribution pays the signers, staking counts the
	// others' missed blocks. Empty at height 1.
	LastCommit []Vote
}

func votes(in []Vote) []staking.Vote {
	var out []staking.Vote
	for _, v := range in {
		if a, err := address.FromBytes(v.ValidatorAddress); err == nil {
			out = append(out, staking.Vote{ConsensusAddress: a, Power: v.Power, Signed: v.Signed})
		}
	}
	return out
}

// Misbehavior is evidence of a validator fault reported by CometBFT. Both
// kinds CometBFT reports (duplicate vote, light-client attack) are treated
// as a double sign.
type Misbehavior struct {
	// ValidatorAddress is the CometBFT validator address, 20 bytes:
	// sha256(consensus pubkey)[:20]. Other lengths are ignored.
	ValidatorAddress []byte
	// Height of the infraction.
	Height int64
}

// BlockResult is the outcome of FinalizeBlock.
type BlockResult struct {
	// TxResults has one entry per transaction, in block order.
	TxResults []TxResult
	// Events of the block hooks: slashes, jails, unbonding completions
	// (begin block), minting and power changes (end block).
	Events []Event
	// ValidatorUpdates are the changes of voting power, ordered by
	// operator address; empty when the set did not change.
	ValidatorUpdates []ValidatorUpdate
	// HashRead reports that the execution read Header.Hash: the market
	// drew a dispute round's verifiers from it (a dispute opened, or a
	// compute round redrawn). An execution that did not read it leaves
	// the same state and results under any other hash, so the chain
	// adapter may reuse the execution of a block it prepared without
	// knowing its hash for the same block once it has one.
	HashRead bool
}

// hashReader gives the market a block's hash (market.BlockHash) and
// records whether it did.
type hashReader struct {
	hash []byte
	read bool
}

func (r *hashReader) get() []byte {
	r.read = true
	return r.hash
}

// Uncharged returns the index of the first transaction of the block that
// was not charged (TxResult.Charged), or -1 if every one was. Such a
// transaction would take block space without paying for it, so a
// validator rejects a proposed block in which Uncharged is not -1, and a
// proposer leaves these transactions out (ledger/doc.go: "Fees and
// sequences"). Since an uncharged transaction changes nothing, removing
// it from a block changes nothing of the results of the others.
func (r BlockResult) Uncharged() int {
	for i, t := range r.TxResults {
		if !t.Charged {
			return i
		}
	}
	return -1
}

// InitChain validates genesis (the protojson of ledgerpb.Genesis, as
// CometBFT passes app_state), writes it to st, which must be empty, and
// returns the initial validator set. On error st is left unchanged. See
// ValidateGenesis for the rules.
func (a *App) InitChain(st store.KVStore, chainID string, genesisJSON []byte) ([]ValidatorUpdate, error) {
	it := st.Iterator(nil, nil)
	empty := !it.Valid()
	it.Close()
	if !empty {
		return nil, fmt.Errorf("genesis: the state is not empty")
	}
	if chainID == "" {
		return nil, fmt.Errorf("genesis: chain id: must not be empty")
	}
	g, err := DecodeGenesis(genesisJSON)
	if err != nil {
		return nil, err
	}
	p := g.Params
	if p == nil {
		p = params.Default()
	}
	branch := store.NewCache(st)
	if err := params.Set(branch, p); err != nil {
		return nil, fmt.Errorf("genesis: %w", err)
	}
	if err := a.bank.InitGenesis(branch, g.Accounts); err != nil {
		return nil, err
	}
	updates, err := a.staking.InitGenesis(branch, p, g.Validators)
	if err != nil {
		return nil, err
	}
	skills := g.Skills
	if rs := g.GetReputation().GetSkills(); len(rs) > 0 {
		if len(skills) > 0 {
			return nil, fmt.Errorf("genesis: skills and reputation.skills: list the genesis skills in one of them")
		}
		skills = rs
	}
	if len(skills) == 0 {
		skills = reputation.DefaultGenesisSkills()
	}
	if err := a.skills.InitGenesis(branch, skills); err != nil {
		return nil, fmt.Errorf("genesis: skills: %w", err)
	}
	if err := a.skills.InitGrants(branch, g.GetReputation().GetGrants()); err != nil {
		return nil, fmt.Errorf("genesis: %w", err)
	}
	if err := a.skills.InitRecovery(branch, g.RecoveryAddresses); err != nil {
		return nil, err
	}
	if err := CheckInvariants(branch); err != nil {
		return nil, fmt.Errorf("genesis: %w", err)
	}
	branch.Write()
	return validatorUpdates(updates), nil
}

func validatorUpdates(us []staking.Update) []ValidatorUpdate {
	out := make([]ValidatorUpdate, len(us))
	for i, u := range us {
		out[i] = ValidatorUpdate{PubKey: u.PubKey, Power: u.Power}
	}
	return out
}

// CheckTx runs the cheap checks of a transaction against st, the mempool's
// branch of state: size, decoding, chain id, message count, memo length,
// the stateless rules of each message, the signature, sequence == the
// account's next, fee >= min_fee and <= balance. On success it charges
// the fee and increments the sequence in st, so that the account's next
// transaction is checked against that; on failure st is unchanged. The
// messages themselves are not executed. The result carries no events:
// CometBFT's mempool drops them, so they are not even rendered.
func (a *App) CheckTx(st store.KVStore, chainID string, txBytes []byte) TxResult {
	p, err := params.Get(st)
	if err != nil {
		return result(query.ErrNotInitialized.Errorf("%v", err), nil)
	}
	return a.CheckTxWithParams(st, p, chainID, txBytes)
}

// CheckTxWithParams is CheckTx with the params of st already read
// (params.Get): CheckTx never changes them, so the chain adapter reads
// them once per committed state rather than once per transaction (after
// a block CometBFT checks every pending transaction again). p must be
// the params st holds, and is not modified.
func (a *App) CheckTxWithParams(st store.KVStore, p *ledgerpb.Params, chainID string, txBytes []byte) TxResult {
	t, err := a.checkForm(txBytes, chainID, p)
	if err != nil {
		return result(err, nil)
	}
	// Ante writes nothing when it fails, so it needs no branch of st.
	// The fee's parts are not settled: the mempool's state is never
	// committed, and only the payer's balance decides what it accepts.
	ev := event.Discard()
	var fees mint.BlockFees
	if err := a.auth.Ante(st, &ev, p, t, &fees); err != nil {
		return result(err, nil)
	}
	return charged(nil, nil)
}

// Simulate runs a transaction as the next block would and returns its
// result, leaving st unchanged: on a branch of st it runs the begin-block
// hooks of h.Height (so that a deadline the block passes, or a window it
// opens, counts as it will), then the transaction as FinalizeBlock runs
// it — form and signature, sequence and fee, then its messages — and
// throws the branch away. The chain adapter calls it with the mempool's
// state (query.Simulate), so that an account's pending transactions are
// counted as CheckTx counts them (their fees and sequences, not their
// messages), and with the next height; h.Hash is nil, as in
// PrepareProposal, which only changes which verifiers a dispute opened in
// the block would draw. It panics only as FinalizeBlock does.
func (a *App) Simulate(st store.KVStore, h Header, txBytes []byte) TxResult {
	branch := store.NewCache(st)
	p, err := params.Get(branch)
	if err != nil {
		return result(query.ErrNotInitialized.Errorf("%v", err), nil)
	}
	names := event.NewNames(namesPerBlock)
	blockEv := event.NewLog(names)
	vs := votes(h.LastCommit)
	a.distr.BeginBlock(branch, &blockEv, vs)
	a.staking.BeginBlock(branch, &blockEv, p, h.Height, nil, vs)
	hash := &hashReader{hash: h.Hash}
	a.market.BeginBlock(branch, &blockEv, p, h.Height, hash.get)
	a.mining.BeginBlock(branch, &blockEv, p, h.Height)
	if p, err = a.govBeginBlock(branch, &blockEv, p, h.Height); err != nil {
		return result(query.ErrNotInitialized.Errorf("%v", err), nil)
	}
	var fees mint.BlockFees // thrown away with the branch, unsettled
	return a.deliverTx(branch, h, hash, p, names, &fees, txBytes)
}

// FinalizeBlock executes a block against st:
//
//  1. the begin-block hooks: the rewards that reached the "rewards"
//     module account since the last block are allocated to the signers
//     of h.LastCommit (ledger/distribution), misbehavior is slashed and
//     jailed, the votes count in the downtime windows (a validator that
//     missed too many is slashed and jailed), then the
//     unbonding entries completing at h.Height are paid back, then the
//     market's orders due at h.Height take their deadline's transition
//     (award or expire, fail, auto-close, final ratings, dispute
//     decision), then the reputation cycle hook (reputation.Mining.BeginBlock:
//     challenges time out, a mining window closes — reopening, accepting
//     a root and rewarding its miners, or starting the challenges — and
//     a cycle's log freezes when it is due; nothing in recovery mode),
//     then governance's (gov.Keeper.BeginBlock: the proposals due at
//     h.Height expire, are tallied or are executed; the params are read
//     again after it, so a param change applies to the block's
//     transactions);
//  2. every transaction, in order: its form and signature are checked as
//     in CheckTx (a failure changes nothing); its sequence and fee are
//     checked and charged (auth.Keeper.Ante, which writes nothing when
//     it fails); its messages run in a branch. If a message fails, its
//     branch is discarded but the fee and the sequence stay charged, so a
//     transaction that reached a block always costs its signer the fee
//     and can never be replayed. TxResult.Charged tells the two failures
//     apart; a block with a transaction that was not charged should not
//     have been proposed (BlockResult.Uncharged);
//  3. the end-block hooks: the transactions' fees, debited from their
//     signers one by one, are burned and credited to "rewards" and the
//     treasury together (mint.Keeper.SettleFees); the block's inflation
//     is minted and split (mint.Keeper.BlockHook), after the
//     transactions, so that what reaches "rewards" in block h, fees and
//     minting, is allocated at the start of block h+1; then validator
//     updates, if stake changed.
//
// Run on a branch (store.NewCache) of the committed state, it executes a
// proposed block without committing it: what the chain adapter does in
// PrepareProposal and ProcessProposal. Given the same state and the same
// arguments it returns the same result and leaves the same writes.
//
// It panics only on a broken invariant, uninitialized state or a height
// below 1.
func (a *App) FinalizeBlock(st store.KVStore, h Header, txs [][]byte, misbehavior []Misbehavior) BlockResult {
	if h.Height < 1 {
		panic(fmt.Sprintf("app: FinalizeBlock: height %d: blocks start at 1", h.Height))
	}
	p, err := params.Get(st)
	if err != nil {
		panic(fmt.Sprintf("app: FinalizeBlock: %v", err))
	}
	names := event.NewNames(namesPerBlock)
	blockEv := event.NewLog(names)
	var evidence []staking.Evidence
	for _, m := range misbehavior {
		if consAddr, err := address.FromBytes(m.ValidatorAddress); err == nil {
			evidence = append(evidence, staking.Evidence{ConsensusAddress: consAddr, Height: m.Height})
		}
	}
	vs := votes(h.LastCommit)
	a.distr.BeginBlock(st, &blockEv, vs)
	a.staking.BeginBlock(st, &blockEv, p, h.Height, evidence, vs)
	hash := &hashReader{hash: h.Hash}
	a.market.BeginBlock(st, &blockEv, p, h.Height, hash.get)
	a.mining.BeginBlock(st, &blockEv, p, h.Height)
	if p, err = a.govBeginBlock(st, &blockEv, p, h.Height); err != nil {
		panic(fmt.Sprintf("app: FinalizeBlock: %v", err))
	}

	res := BlockResult{TxResults: make([]TxResult, len(txs))}
	var fees mint.BlockFees
	for i, raw := range txs {
		res.TxResults[i] = a.deliverTx(st, h, hash, p, names, &fees, raw)
	}

	a.mint.SettleFees(st, &blockEv, h.Height, fees)
	a.mint.BlockHook(st, &blockEv, p, h.Height)
	res.ValidatorUpdates = validatorUpdates(a.staking.EndBlock(st, &blockEv, p))
	res.Events = blockEv.Events()
	res.HashRead = hash.read
	return res
}

// govBeginBlock runs gov's block hook last of the begin-block hooks and
// returns the params as it left them: a param change executed at this
// height applies to the block's transactions and end-block hook.
func (a *App) govBeginBlock(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64) (*ledgerpb.Params, error) {
	a.gov.BeginBlock(st, ev, p, height)
	return params.Get(st)
}

// namesPerBlock bounds the addresses a block's events cache in bech32
// (event.Names): the parties of a few thousand transfers.
const namesPerBlock = 8192

// deliverTx runs one transaction of a block; its events render addresses
// through the block's names, it reads the block's hash through hash, and
// its fee's parts are added to the block's fees.
func (a *App) deliverTx(st store.KVStore, h Header, hash *hashReader, p *ledgerpb.Params, names *event.Names, fees *mint.BlockFees, raw []byte) TxResult {
	t, err := a.checkForm(raw, h.ChainID, p)
	if err != nil {
		return result(err, nil)
	}
	// Ante writes nothing when it fails (auth.Keeper.Ante), so it
	// charges the fee in st itself, and only the messages run in a
	// branch, which a failure discards.
	ev := event.NewLog(names)
	if err := a.auth.Ante(st, &ev, p, t, fees); err != nil {
		return result(err, nil)
	}
	msgBranch := store.NewCache(st)
	msgEv := event.NewLog(names)
	if err := a.runMessages(msgBranch, &msgEv, p, h, hash, t); err != nil {
		return charged(err, &ev)
	}
	msgBranch.Write()
	ev.Append(&msgEv)
	return charged(nil, &ev)
}

// checkForm runs every check that needs no state but params: decoding,
// chain id, limits, the stateless rules of each message, the signature.
func (a *App) checkForm(raw []byte, chainID string, p *ledgerpb.Params) (*tx.Tx, error) {
	var t *tx.Tx
	var verified bool
	if a.txs != nil {
		t, verified = a.txs.Lookup(raw)
	}
	if t == nil {
		var err error
		if t, err = tx.Decode(raw); err != nil {
			return nil, err
		}
		if a.txs != nil {
			a.txs.AddDecoded(raw, t)
		}
	}
	if err := t.Check(chainID, p.MaxMsgsPerTx, p.MaxMemoBytes); err != nil {
		return nil, err
	}
	for i, m := range t.Body.Messages {
		if err := validateMessage(m, p); err != nil {
			return nil, fmt.Errorf("messages[%d]: %w", i, err)
		}
	}
	if verified {
		return t, nil
	}
	if err := t.VerifySignature(); err != nil {
		return nil, err
	}
	if a.txs != nil {
		a.txs.AddVerified(raw)
	}
	return t, nil
}

// validateMessage applies a message's stateless rules.
func validateMessage(m *ledgerpb.Msg, p *ledgerpb.Params) error {
	switch s := m.Sum.(type) {
	case *ledgerpb.Msg_Send:
		return bank.ValidateSend(s.Send)
	case *ledgerpb.Msg_CreateValidator:
		return staking.ValidateCreateValidator(s.CreateValidator, p)
	case *ledgerpb.Msg_Bond:
		return staking.ValidateBond(s.Bond)
	case *ledgerpb.Msg_Unbond:
		return staking.ValidateUnbond(s.Unbond)
	case *ledgerpb.Msg_Delegate:
		return staking.ValidateDelegate(s.Delegate)
	case *ledgerpb.Msg_Undelegate:
		return staking.ValidateUndelegate(s.Undelegate)
	case *ledgerpb.Msg_Redelegate:
		return staking.ValidateRedelegate(s.Redelegate)
	case *ledgerpb.Msg_Unjail:
		return nil
	case *ledgerpb.Msg_EditValidator:
		return staking.ValidateEditValidator(s.EditValidator)
	case *ledgerpb.Msg_WithdrawRewards:
		return distribution.ValidateWithdrawRewards(s.WithdrawRewards)
	case *ledgerpb.Msg_SetProfile:
		return registry.ValidateSetProfile(s.SetProfile)
	case *ledgerpb.Msg_AnnounceNode:
		return registry.ValidateAnnounceNode(s.AnnounceNode)
	case *ledgerpb.Msg_RemoveNode:
		return registry.ValidateRemoveNode(s.RemoveNode)
	case *ledgerpb.Msg_RegisterPackage:
		return registry.ValidateRegisterPackage(s.RegisterPackage)
	case *ledgerpb.Msg_SetOffering:
		return registry.ValidateSetOffering(s.SetOffering, p)
	case *ledgerpb.Msg_RemoveOffering:
		return registry.ValidateRemoveOffering(s.RemoveOffering)
	case *ledgerpb.Msg_CreateSkill:
		return reputation.ValidateCreateSkill(s.CreateSkill)
	case *ledgerpb.Msg_StakeMiner:
		return reputation.ValidateStakeMiner(s.StakeMiner)
	case *ledgerpb.Msg_UnstakeMiner:
		return reputation.ValidateUnstakeMiner(s.UnstakeMiner)
	case *ledgerpb.Msg_SubmitRootHash:
		return reputation.ValidateSubmitRootHash(s.SubmitRootHash)
	case *ledgerpb.Msg_ConfirmJustification:
		return reputation.ValidateConfirmJustification(s.ConfirmJustification)
	case *ledgerpb.Msg_ProveLeafCount:
		return reputation.ValidateProveLeafCount(s.ProveLeafCount)
	case *ledgerpb.Msg_ChallengeSearch:
		return reputation.ValidateChallengeSearch(s.ChallengeSearch)
	case *ledgerpb.Msg_RespondToChallenge:
		return reputation.ValidateRespondToChallenge(s.RespondToChallenge)
	case *ledgerpb.Msg_EnterRecovery, *ledgerpb.Msg_ApproveRecoveryExit:
		return nil
	case *ledgerpb.Msg_RecoverySetRoot:
		return reputation.ValidateRecoverySetRoot(s.RecoverySetRoot)
	case *ledgerpb.Msg_SetRecoveryAddresses:
		return reputation.ErrNotAuthority.Errorf("set_recovery_addresses: only a passed governance proposal sets the recovery addresses: submit one (gov submit_proposal)")
	case *ledgerpb.Msg_CreateOrder:
		return market.ValidateCreateOrder(s.CreateOrder, p)
	case *ledgerpb.Msg_CancelOrder:
		return market.ValidateCancelOrder(s.CancelOrder)
	case *ledgerpb.Msg_Bid:
		return market.ValidateBid(s.Bid, p)
	case *ledgerpb.Msg_WithdrawBid:
		return market.ValidateWithdrawBid(s.WithdrawBid)
	case *ledgerpb.Msg_Deliver:
		return market.ValidateDeliver(s.Deliver)
	case *ledgerpb.Msg_Close:
		return market.ValidateClose(s.Close)
	case *ledgerpb.Msg_RevealRating:
		return market.ValidateRevealRating(s.RevealRating)
	case *ledgerpb.Msg_BuyOffering:
		return market.ValidateBuyOffering(s.BuyOffering, p)
	case *ledgerpb.Msg_RegisterVerifier:
		return market.ValidateRegisterVerifier(s.RegisterVerifier, p)
	case *ledgerpb.Msg_UnregisterVerifier:
		return market.ValidateUnregisterVerifier(s.UnregisterVerifier)
	case *ledgerpb.Msg_OpenDispute:
		return market.ValidateOpenDispute(s.OpenDispute, p)
	case *ledgerpb.Msg_VerifierCommit:
		return market.ValidateVerifierCommit(s.VerifierCommit)
	case *ledgerpb.Msg_VerifierReveal:
		return market.ValidateVerifierReveal(s.VerifierReveal)
	case *ledgerpb.Msg_ReleaseLitigation:
		return market.ErrNotAuthority.Errorf("release_litigation: only a passed governance proposal releases litigated funds: submit one (gov submit_proposal)")
	case *ledgerpb.Msg_SubmitProposal:
		return gov.ValidateSubmitProposal(s.SubmitProposal)
	case *ledgerpb.Msg_Deposit:
		return gov.ValidateDeposit(s.Deposit)
	case *ledgerpb.Msg_Vote:
		return gov.ValidateVote(s.Vote)
	case *ledgerpb.Msg_CancelProposal:
		return gov.ValidateCancelProposal(s.CancelProposal)
	case *ledgerpb.Msg_DomainVoteCommit:
		return market.ValidateDomainVoteCommit(s.DomainVoteCommit, p)
	case *ledgerpb.Msg_DomainVoteReveal:
		return market.ValidateDomainVoteReveal(s.DomainVoteReveal)
	case *ledgerpb.Msg_RevealDisputeSeed:
		return market.ValidateRevealDisputeSeed(s.RevealDisputeSeed)
	case *ledgerpb.Msg_PostInputReceipt:
		return market.ValidatePostInputReceipt(s.PostInputReceipt)
	case *ledgerpb.Msg_ReportMissingInputs:
		return market.ValidateReportMissingInputs(s.ReportMissingInputs)
	case *ledgerpb.Msg_StopService:
		return market.ValidateStopService(s.StopService)
	}
	return tx.ErrUnknownMessage.Errorf("no message type set")
}

// runMessages routes each message to its module, in order; the first
// failure stops the transaction.
func (a *App) runMessages(st store.KVStore, ev *event.Log, p *ledgerpb.Params, h Header, hash *hashReader, t *tx.Tx) error {
	height := h.Height
	for i, m := range t.Body.Messages {
		var err error
		switch s := m.Sum.(type) {
		case *ledgerpb.Msg_Send:
			err = a.bank.HandleSend(st, ev, t.Signer, s.Send)
		case *ledgerpb.Msg_CreateValidator:
			err = a.staking.CreateValidator(st, ev, p, h.ChainID, height, t.Signer, s.CreateValidator)
		case *ledgerpb.Msg_Bond:
			err = a.staking.Bond(st, ev, p, t.Signer, s.Bond)
		case *ledgerpb.Msg_Unbond:
			err = a.staking.Unbond(st, ev, p, height, t.Signer, s.Unbond)
		case *ledgerpb.Msg_Delegate:
			err = a.staking.Delegate(st, ev, t.Signer, s.Delegate)
		case *ledgerpb.Msg_Undelegate:
			err = a.staking.Undelegate(st, ev, p, height, t.Signer, s.Undelegate)
		case *ledgerpb.Msg_Redelegate:
			err = a.staking.Redelegate(st, ev, p, height, t.Signer, s.Redelegate)
		case *ledgerpb.Msg_Unjail:
			err = a.staking.Unjail(st, ev, p, height, t.Signer)
		case *ledgerpb.Msg_EditValidator:
			err = a.staking.EditValidator(st, ev, p, height, t.Signer, s.EditValidator)
		case *ledgerpb.Msg_WithdrawRewards:
			err = a.distr.WithdrawRewards(st, ev, t.Signer, s.WithdrawRewards)
		case *ledgerpb.Msg_SetProfile:
			err = a.registry.SetProfile(st, ev, height, t.Signer, s.SetProfile)
		case *ledgerpb.Msg_AnnounceNode:
			err = a.registry.AnnounceNode(st, ev, h.ChainID, height, t.Signer, s.AnnounceNode)
		case *ledgerpb.Msg_RemoveNode:
			err = a.registry.RemoveNode(st, ev, t.Signer, s.RemoveNode)
		case *ledgerpb.Msg_RegisterPackage:
			err = a.registry.RegisterPackage(st, ev, p, height, t.Signer, s.RegisterPackage)
		case *ledgerpb.Msg_SetOffering:
			err = a.registry.SetOffering(st, ev, p, height, t.Signer, s.SetOffering)
		case *ledgerpb.Msg_RemoveOffering:
			err = a.registry.RemoveOffering(st, ev, t.Signer, s.RemoveOffering)
		case *ledgerpb.Msg_CreateSkill:
			_, err = a.skills.HandleCreateSkill(st, ev, t.Signer, s.CreateSkill)
		case *ledgerpb.Msg_StakeMiner:
			err = a.mining.StakeMiner(st, ev, p, height, t.Signer, s.StakeMiner)
		case *ledgerpb.Msg_UnstakeMiner:
			err = a.mining.UnstakeMiner(st, ev, t.Signer, s.UnstakeMiner)
		case *ledgerpb.Msg_SubmitRootHash:
			err = a.mining.SubmitRootHash(st, ev, p, height, t.Signer, s.SubmitRootHash)
		case *ledgerpb.Msg_ConfirmJustification:
			err = a.mining.ConfirmJustification(st, ev, p, height, t.Signer, s.ConfirmJustification)
		case *ledgerpb.Msg_ProveLeafCount:
			err = a.mining.ProveLeafCount(st, ev, p, height, t.Signer, s.ProveLeafCount)
		case *ledgerpb.Msg_ChallengeSearch:
			err = a.mining.ChallengeSearch(st, ev, p, height, t.Signer, s.ChallengeSearch)
		case *ledgerpb.Msg_RespondToChallenge:
			err = a.mining.RespondToChallenge(st, ev, p, height, t.Signer, s.RespondToChallenge)
		case *ledgerpb.Msg_EnterRecovery:
			err = a.mining.EnterRecovery(st, ev, height, t.Signer, s.EnterRecovery)
		case *ledgerpb.Msg_RecoverySetRoot:
			err = a.mining.RecoverySetRoot(st, ev, height, t.Signer, s.RecoverySetRoot)
		case *ledgerpb.Msg_ApproveRecoveryExit:
			err = a.mining.ApproveRecoveryExit(st, ev, p, height, t.Signer, s.ApproveRecoveryExit)
		case *ledgerpb.Msg_CreateOrder:
			_, err = a.market.CreateOrder(st, ev, p, height, t.Signer, s.CreateOrder)
		case *ledgerpb.Msg_CancelOrder:
			err = a.market.CancelOrder(st, ev, height, t.Signer, s.CancelOrder)
		case *ledgerpb.Msg_Bid:
			err = a.market.Bid(st, ev, p, height, t.Signer, s.Bid)
		case *ledgerpb.Msg_WithdrawBid:
			err = a.market.WithdrawBid(st, ev, t.Signer, s.WithdrawBid)
		case *ledgerpb.Msg_Deliver:
			err = a.market.Deliver(st, ev, height, t.Signer, s.Deliver)
		case *ledgerpb.Msg_Close:
			err = a.market.Close(st, ev, p, height, t.Signer, s.Close)
		case *ledgerpb.Msg_RevealRating:
			err = a.market.RevealRating(st, ev, height, t.Signer, s.RevealRating)
		case *ledgerpb.Msg_BuyOffering:
			_, err = a.market.BuyOffering(st, ev, p, height, t.Signer, s.BuyOffering)
		case *ledgerpb.Msg_RegisterVerifier:
			err = a.market.RegisterVerifier(st, ev, p, height, t.Signer, s.RegisterVerifier)
		case *ledgerpb.Msg_UnregisterVerifier:
			err = a.market.UnregisterVerifier(st, ev, t.Signer, s.UnregisterVerifier)
		case *ledgerpb.Msg_OpenDispute:
			err = a.market.OpenDispute(st, ev, p, height, hash.get, t.Signer, s.OpenDispute)
		case *ledgerpb.Msg_VerifierCommit:
			err = a.market.VerifierCommit(st, ev, height, t.Signer, s.VerifierCommit)
		case *ledgerpb.Msg_VerifierReveal:
			err = a.market.VerifierReveal(st, ev, height, t.Signer, s.VerifierReveal)
		case *ledgerpb.Msg_SubmitProposal:
			_, err = a.gov.SubmitProposal(st, ev, p, height, t.Signer, s.SubmitProposal)
		case *ledgerpb.Msg_Deposit:
			err = a.gov.Deposit(st, ev, p, height, t.Signer, s.Deposit)
		case *ledgerpb.Msg_Vote:
			err = a.gov.Vote(st, ev, height, t.Signer, s.Vote)
		case *ledgerpb.Msg_CancelProposal:
			err = a.gov.CancelProposal(st, ev, height, t.Signer, s.CancelProposal)
		case *ledgerpb.Msg_DomainVoteCommit:
			err = a.market.DomainVoteCommit(st, ev, p, height, t.Signer, s.DomainVoteCommit)
		case *ledgerpb.Msg_DomainVoteReveal:
			err = a.market.DomainVoteReveal(st, ev, height, t.Signer, s.DomainVoteReveal)
		case *ledgerpb.Msg_RevealDisputeSeed:
			err = a.market.RevealDisputeSeed(st, ev, p, height, s.RevealDisputeSeed)
		case *ledgerpb.Msg_PostInputReceipt:
			err = a.market.PostInputReceipt(st, ev, p, h.ChainID, height, t.Signer, s.PostInputReceipt)
		case *ledgerpb.Msg_ReportMissingInputs:
			err = a.market.ReportMissingInputs(st, ev, p, height, t.Signer, s.ReportMissingInputs)
		case *ledgerpb.Msg_StopService:
			err = a.market.StopService(st, ev, height, t.Signer, s.StopService)
		default:
			err = tx.ErrUnknownMessage.Errorf("no message type set")
		}
		if err != nil {
			return fmt.Errorf("messages[%d]: %w", i, err)
		}
	}
	return nil
}

// charged is result for a transaction whose fee was charged.
func charged(err error, ev *event.Log) TxResult {
	r := result(err, ev)
	r.Charged = true
	return r
}

// result turns an error (nil: success) and the events to report into a
// TxResult of a transaction that was not charged.
func result(err error, ev *event.Log) TxResult {
	var r TxResult
	if ev != nil {
		r.Events = ev.Events()
	}
	if err == nil {
		return r
	}
	c, ok := codes.Of(err)
	if !ok {
		c = query.ErrInternal
	}
	r.Code, r.Codespace, r.Log = c.Number, c.Codespace, err.Error()
	return r
}

// CheckInvariants returns an error if st breaks a rule that every
// committed state keeps:
//
//   - total supply = genesis supply + minted − burned = Σ balances,
//     module accounts included — that is,
//     Σ account balances + Σ bonded + Σ unbonding + treasury + the
//     market's module accounts, because
//   - the "bonded" module account holds exactly Σ validators' bonded stake,
//     the "unbonding" one exactly Σ unbonding entries, and the treasury's
//     balance is its funds;
//   - no balance or unbonding entry is stored as 0;
//   - every validator's consensus key maps back to it, and the powers last
//     sent to CometBFT are those of the active set;
//   - every account is stored under the address of its public key;
//   - the registry's records and indexes agree (registry.CheckInvariants);
//   - the "escrow" module account holds exactly what the orders hold, no
//     order has two contracts, finished orders hold nothing, and the
//     market's indexes agree with its orders; "verifiers" holds exactly
//     Σ verifier stakes and "credit" Σ store credit, so total supply =
//     Σ balances + Σ escrow + Σ stakes + treasury + Σ credit
//     (market.CheckInvariants);
//   - the module account "miners" holds exactly Σ miner stakes, the
//     mining record counts the submissions of the cycle being mined, the
//     accepted root is of the cycle before the next to mine, and the
//     recovery record keeps its rules (reputation.Mining.CheckInvariants).
//
// Tests call it after every block; a node may call it at startup.
func CheckInvariants(st store.KVStore) error {
	p, err := params.Get(st)
	if err != nil {
		return err
	}
	a := New()
	if err := a.bank.CheckInvariants(st); err != nil {
		return err
	}
	if err := a.staking.CheckInvariants(st, p); err != nil {
		return err
	}
	if err := a.distr.CheckInvariants(st); err != nil {
		return err
	}
	if err := a.auth.CheckInvariants(st); err != nil {
		return err
	}
	if err := a.registry.CheckInvariants(st); err != nil {
		return err
	}
	if err := a.mining.CheckInvariants(st); err != nil {
		return err
	}
	if err := a.gov.CheckInvariants(st); err != nil {
		return err
	}
	return a.market.CheckInvariants(st)
}

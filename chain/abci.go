package chain

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cryptoproto "github.com/cometbft/cometbft/api/cometbft/crypto/v1"
	cmttypes "github.com/cometbft/cometbft/api/cometbft/types/v1"
	"github.com/cosmos/iavl"
	dbm "github.com/cosmos/iavl/db"
	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/ledger/app"
	"github.com/celltonomy/celltonomy/ledger/codes"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/ledger/query"
	"github.com/celltonomy/celltonomy/ledger/store"
	"github.com/celltonomy/celltonomy/ledger/tx"
)

// Application is the ABCI 2.0 application that runs the ledger over an IAVL
// tree. It is the thin adapter between CometBFT and ledger/app:
//
//   - ProcessProposal executes the proposed block on a branch of the
//     committed state, exactly as FinalizeBlock would, and rejects it if
//     any transaction was not charged: one that fails its form, signature,
//     sequence or fee check took block space without paying for it
//     (app.BlockResult.Uncharged). It keeps the branch of the block it
//     accepted last;
//   - FinalizeBlock writes that branch to the tree if it is handed the same
//     block (same height, hash and transactions); otherwise it executes the
//     block on a fresh branch. Either way the tree receives the block's
//     writes once, in key order (store.Cache.Write), so the app hash, the
//     tree's working root, is the same;
//   - Commit saves the version (version = height), publishes it as the
//     snapshot that queries read and resets the mempool's branch of state;
//   - CheckTx checks against that branch, so successive transactions of one
//     account see each other's sequence numbers and fees;
//   - PrepareProposal executes the mempool's transactions in order, within
//     the size limit, and keeps those that were charged, so that an honest
//     proposer never proposes a block that ProcessProposal rejects;
//   - Query reads the last published snapshot without the consensus lock;
//   - Info reports the last saved version and root, so that CometBFT replays
//     the blocks the tree lacks after a crash.
//
// Application does its own locking, so that CometBFT may call it without
// serializing (proxy.NewUnsyncLocalClientCreator). The consensus methods
// hold mu. CheckTx holds checkMu, which guards the mempool's branch of
// state, after it decoded the transaction and verified its signature
// with no lock at all; Commit takes checkMu too (after mu), while it saves
// the version the mempool's branch reads and starts the branch again.
// Before the first Commit the branch reads the working tree, so CheckTx
// then takes mu as well. Query takes no lock once a version is committed.
// The ed25519 verification, which dominates the cost of a transfer, thereby
// runs on every core, the mempool's checks run while a block executes,
// and a query never waits for a block.
//
// # Decoding and signatures, once
//
// A transaction is decoded once and its signature verified once, however
// many of CheckTx, PrepareProposal, ProcessProposal and FinalizeBlock see
// it: the application keeps a bounded cache by transaction bytes
// (app.TxCache) of decoded transactions and verified signatures. CheckTx
// calls arriving together have their signatures verified together, in
// one batch (sigBatcher); before a block runs, the signatures of its
// transactions that the cache does not hold are verified in batches too
// (verifySignatures), so that a block that came from a peer, or a replay,
// costs a batch verification rather than one per transaction. A batch
// that fails is verified signature by signature; the bad ones are left
// out of the cache, and the ledger, verifying them again, refuses exactly
// those transactions with the code that names the bad signature. The
// ZIP-215 rules (ledger/tx: "Signatures") make a batch accept exactly the
// signatures that verify alone, so none of this changes any result. The
// signers' public keys are kept expanded (keyCache, bounded), so that
// an account's next signature is verified without decompressing its key
// again.
//
// # The mempool's recheck
//
// After each block CometBFT checks every transaction left in its mempool
// again (mempool.recheck, on by default), one after the other, with the
// mempool locked. It stays on: Commit starts the mempool's branch of
// state again from the committed state, and the recheck is what charges
// the pending transactions' fees and sequences to it again, so that an
// account's next transaction is checked after its pending ones (with
// recheck off, it would be refused as skipping a sequence) and a
// transaction that can no longer pay — its signer's balance spent by a
// message of the block — leaves the mempool. A recheck is cheap: the
// transaction's decoding and signature come from the cache, so it costs
// the sequence and fee check (auth.Keeper.Ante: two reads, two writes).
//
// # Queries and IAVL's concurrency rules
//
// The MutableTree is not safe for concurrent use: mu guards it. A version
// loaded with GetImmutable is an ImmutableTree that IAVL documents as safe
// for concurrent use as long as its version is not deleted
// (DeleteVersionsTo). Commit deletes only the versions older than the
// last StateConfig.KeepVersions (at least 2), so the published snapshot
// and the one before it stay readable while a query holds them; a query
// at an older height is refused as pruned before it loads anything, and
// one that loads a version just as Commit deletes it fails with
// query.ErrHeight. Two more rules of IAVL
// v1 are not in its documentation:
//
//   - Get and Iterator of an ImmutableTree of the latest version consult
//     the "fast node" index and the node database's latest version, which
//     SaveVersion rewrites while it runs: a query racing a Commit could
//     read a key of the next version or miss one of its own. Queries read
//     through the tree's nodes only (GetWithIndex, iavl.NewIterator,
//     GetProof; see newQueryStore), and saved nodes never change.
//   - A saved node is shared, through the node database's cache, by every
//     tree that loads it, and the MutableTree's first write above a saved
//     node clears that node's child pointers (Node.clone): harmless to a
//     reader, which then loads the children by key, but a data race. So
//     queries load versions through a second tree over the same database
//     (reader), with a cache of its own, that is never written: it shares
//     no node with the consensus tree.
//
// Block execution, under mu, reads the consensus tree, fast paths
// included; the mempool's branch (CheckTx, under checkMu) reads the
// published snapshot, fast paths included: they read the database as the
// last Commit left it, and only Commit, which holds checkMu, writes it
// (block execution keeps its writes in memory until then).
type Application struct {
	abci.BaseApplication
	txs     *txCache
	keys    *keyCache
	batch   *sigBatcher
	ledger  *app.App
	chainID string

	// reader loads saved versions for queries; it is never written, and
	// its node database is safe for concurrent use.
	reader *iavl.MutableTree
	// last is the snapshot of the last saved version, loaded by reader,
	// published by Commit (and by NewApplication over a saved tree); nil
	// before the first Commit. Query reads it without mu.
	last atomic.Pointer[iavl.ImmutableTree]
	// keep is the number of versions kept (StateConfig.KeepVersions; -1:
	// all), retain the blocks CometBFT retains (StateConfig.RetainBlocks;
	// -1: all). Both are set once, by OpenApplication.
	keep, retain int64

	mu       sync.Mutex // the consensus lock; it guards the fields below but check
	tree     *iavl.MutableTree
	proposal *executed // the block ProcessProposal accepted last, at this height
	prepared *executed // the block PrepareProposal proposed last, at this height
	runs     int       // blocks executed (execute), for tests

	checkMu     sync.Mutex       // taken after mu when both are
	check       *store.Cache     // the mempool's branch of the last committed state
	checkParams *ledgerpb.Params // the params check holds; nil before InitChain

	// observe, if set (ObserveState), wraps the tree's store under each
	// executed block's branch; set once, before the first block.
	observe func(store.KVStore) store.KVStore
}

var _ abci.Application = (*Application)(nil)

// executed is a block run on a branch of the committed state.
type executed struct {
	height int64
	hash   []byte
	txs    [][]byte
	state  *store.Cache // the block's writes, not yet in the tree
	result app.BlockResult
	// The rest of the header and the misbehavior it ran with, which
	// reuse compares (sameInputs).
	time        int64
	proposer    []byte
	lastCommit  []app.Vote
	misbehavior []app.Misbehavior
}

// sameInputs reports whether e ran with the inputs of header h, txs and
// mis, the block hash apart.
func (e *executed) sameInputs(h app.Header, txs [][]byte, mis []app.Misbehavior) bool {
	return e.height == h.Height && e.time == h.TimeUnixNano && bytes.Equal(e.proposer, h.ProposerAddress) &&
		slices.EqualFunc(e.txs, txs, bytes.Equal) &&
		slices.EqualFunc(e.lastCommit, h.LastCommit, func(a, b app.Vote) bool {
			return bytes.Equal(a.ValidatorAddress, b.ValidatorAddress) && a.Power == b.Power && a.Signed == b.Signed
		}) &&
		slices.EqualFunc(e.misbehavior, mis, func(a, b app.Misbehavior) bool {
			return bytes.Equal(a.ValidatorAddress, b.ValidatorAddress) && a.Height == b.Height
		})
}

// NewApplication returns the application of the chain chainID over the
// ledger state in db (see OpenDB), loaded at its latest version, with the
// default StateConfig. The caller closes db once the application is done.
func NewApplication(db dbm.DB, chainID string) (*Application, error) {
	return OpenApplication(db, chainID, StateConfig{})
}

// OpenApplication is NewApplication with the state configuration sc
// (zero fields: the defaults): the IAVL cache, the versions kept and the
// blocks CometBFT retains. Errors: sc breaks a rule of StateConfig, or
// the state does not load.
func OpenApplication(db dbm.DB, chainID string, sc StateConfig) (*Application, error) {
	if err := sc.validate(); err != nil {
		return nil, err
	}
	sc = sc.withDefaults()
	tree, err := loadTree(db, sc.CacheNodes)
	if err != nil {
		return nil, err
	}
	txs := newTxCache(txCacheSize, txCacheBytes)
	keys := newKeyCache(keyCacheSize)
	a := &Application{txs: txs, keys: keys, batch: newSigBatcher(keys), ledger: app.New().WithTxCache(txs), chainID: chainID, tree: tree,
		reader: iavl.NewMutableTree(db, queryCacheSize, true, iavl.NewNopLogger())}
	a.keep, a.retain = sc.KeepVersions, sc.RetainBlocks
	if v := tree.Version(); v > 0 {
		if err := a.publish(v); err != nil {
			return nil, err
		}
	}
	a.resetCheck()
	return a, nil
}

// publish makes saved version v the snapshot that queries read.
func (a *Application) publish(v int64) error {
	snap, err := a.reader.GetImmutable(v)
	if err != nil {
		return fmt.Errorf("load committed state %d: %w", v, err)
	}
	a.last.Store(snap)
	return nil
}

// resetCheck starts the mempool's branch over the last committed state
// (checkMu held, or the application not shared yet).
// Before the first Commit that is the working tree, read through its nodes
// (newQueryStore): IAVL's fast index of a tree never saved answers
// "absent" for every key, which would hide the genesis state from CheckTx
// and the simulation until block 1 is committed.
// The params are read once here: CheckTx never changes them.
func (a *Application) resetCheck() {
	if snap := a.last.Load(); snap != nil {
		a.check = store.NewCache(newSnapshotStore(snap))
	} else {
		a.check = store.NewCache(newQueryStore(a.tree.ImmutableTree))
	}
	a.checkParams = nil
	if p, err := params.Get(a.check); err == nil {
		a.checkParams = p
	}
}

// Info implements abci.Application.
func (a *Application) Info(context.Context, *abci.InfoRequest) (*abci.InfoResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return &abci.InfoResponse{
		Data:             "celltonomy",
		LastBlockHeight:  a.tree.Version(),
		LastBlockAppHash: a.lastHash(),
	}, nil
}

func (a *Application) lastHash() []byte {
	if a.tree.Version() == 0 {
		return nil
	}
	return a.tree.Hash()
}

// InitChain implements abci.Application: it writes the genesis state from
// app_state and returns the initial validators.
func (a *Application) InitChain(_ context.Context, req *abci.InitChainRequest) (*abci.InitChainResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if req.ChainId != a.chainID {
		return nil, fmt.Errorf("init chain: genesis chain id %q, node configured for %q", req.ChainId, a.chainID)
	}
	vals, err := a.ledger.InitChain(newTreeStore(a.tree), req.ChainId, req.AppStateBytes)
	if err != nil {
		return nil, fmt.Errorf("init chain: %w", err)
	}
	a.checkMu.Lock()
	a.resetCheck()
	a.checkMu.Unlock()
	return &abci.InitChainResponse{Validators: validatorUpdates(vals), AppHash: a.tree.WorkingHash()}, nil
}

// CheckTx implements abci.Application.
func (a *Application) CheckTx(_ context.Context, req *abci.CheckTxRequest) (*abci.CheckTxResponse, error) {
	a.preverify(req.Tx)
	if a.last.Load() == nil {
		a.mu.Lock()
		defer a.mu.Unlock()
	}
	a.checkMu.Lock()
	defer a.checkMu.Unlock()
	var r app.TxResult
	if a.checkParams != nil {
		r = a.ledger.CheckTxWithParams(a.check, a.checkParams, a.chainID, req.Tx)
	} else {
		r = a.ledger.CheckTx(a.check, a.chainID, req.Tx) // refused: no state yet
	}
	return &abci.CheckTxResponse{Code: r.Code, Codespace: r.Codespace, Log: r.Log, Events: events(r.Events)}, nil
}

// preverify decodes a transaction and verifies its signature, without the
// lock, batched with the other calls' (sigBatcher), and records both in
// the cache. Failures are left for the ledger's CheckTx to report.
func (a *Application) preverify(raw []byte) {
	t, verified := a.txs.Lookup(raw)
	if verified {
		return
	}
	if t == nil {
		t = a.decode(raw)
	}
	if t != nil && a.batch.verify(t) {
		a.txs.AddVerified(raw)
	}
}

// decode decodes raw, which the cache does not know, and caches the
// transaction; nil if it does not decode.
func (a *Application) decode(raw []byte) *tx.Tx {
	t, err := tx.Decode(raw)
	if err != nil {
		return nil
	}
	a.txs.AddDecoded(raw, t)
	return t
}

// verifyBlock verifies, in batches (verifySignatures), the signatures of
// the block's transactions that the cache does not hold as verified, and
// records those that verify. It leaves the others, and transactions that
// do not decode, for the ledger to refuse.
func (a *Application) verifyBlock(raws [][]byte) {
	var pending [][]byte
	var txs []*tx.Tx
	for _, raw := range raws {
		t, verified := a.txs.Lookup(raw)
		if verified {
			continue
		}
		if t == nil {
			t = a.decode(raw)
		}
		if t != nil {
			pending, txs = append(pending, raw), append(txs, t)
		}
	}
	for i, ok := range verifySignatures(a.keys, txs) {
		if ok {
			a.txs.AddVerified(pending[i])
		}
	}
}

// execute runs a block on a branch of the committed state (mu held). The
// branch reads the working tree, which between Commit and FinalizeBlock
// holds exactly the committed state (and, before the first Commit, the
// genesis state, which no snapshot has yet); nothing reaches the tree
// before FinalizeBlock writes the branch.
func (a *Application) execute(h app.Header, txs [][]byte, mis []app.Misbehavior) *executed {
	a.runs++
	a.verifyBlock(txs)
	var tree store.KVStore = newTreeStore(a.tree)
	if a.observe != nil {
		tree = a.observe(tree)
	}
	branch := store.NewCache(tree)
	res := a.ledger.FinalizeBlock(branch, h, txs, mis)
	return &executed{height: h.Height, hash: h.Hash, txs: txs, state: branch, result: res,
		time: h.TimeUnixNano, proposer: h.ProposerAddress, lastCommit: h.LastCommit, misbehavior: mis}
}

func (a *Application) header(height int64, t time.Time, proposer, hash []byte, lastCommit []app.Vote) app.Header {
	return app.Header{ChainID: a.chainID, Height: height, TimeUnixNano: t.UnixNano(), ProposerAddress: proposer, Hash: hash, LastCommit: lastCommit}
}

// commitVotes turns the commit info of the previous block into the
// ledger's votes: a validator signed if its precommit for the block is in
// the commit.
func commitVotes(in []abci.VoteInfo) []app.Vote {
	out := make([]app.Vote, 0, len(in))
	for _, v := range in {
		out = append(out, app.Vote{ValidatorAddress: v.Validator.Address, Power: v.Validator.Power, Signed: v.BlockIdFlag == cmttypes.BlockIDFlagCommit})
	}
	return out
}

// extendedCommitVotes is commitVotes for PrepareProposal's local commit.
func extendedCommitVotes(in []abci.ExtendedVoteInfo) []app.Vote {
	out := make([]app.Vote, 0, len(in))
	for _, v := range in {
		out = append(out, app.Vote{ValidatorAddress: v.Validator.Address, Power: v.Validator.Power, Signed: v.BlockIdFlag == cmttypes.BlockIDFlagCommit})
	}
	return out
}

func misbehavior(in []abci.Misbehavior) []app.Misbehavior {
	var out []app.Misbehavior
	for _, m := range in {
		if m.Type == abci.MISBEHAVIOR_TYPE_DUPLICATE_VOTE {
			out = append(out, app.Misbehavior{ValidatorAddress: m.Validator.Address, Height: m.Height})
		}
	}
	return out
}

// PrepareProposal implements abci.Application: it keeps the longest
// prefix of the mempool's transactions within MaxTxBytes, executes it on a
// branch of the committed state as the block will be executed (the block
// hooks, then each transaction in order), and leaves out every
// transaction that was not charged, because an earlier one of the block
// spent what would have paid its fee, or because it is no longer valid.
// Leaving it out changes nothing of the others' results (an uncharged
// transaction changes nothing), so ProcessProposal accepts the block. The
// block's hash is not known yet: the branch runs with none, which only
// changes which verifiers a dispute opened in the block would draw, never
// what any account pays.
//
// When every transaction was charged, the execution is kept: the block
// proposed is exactly the one executed. If it did not read the block's
// hash (app.BlockResult.HashRead), ProcessProposal of this block —
// same height, time, proposer, last commit, misbehavior and
// transactions — takes it instead of executing the block again: an
// execution that never read the hash leaves the same writes and results
// under the block's real hash. One that read it (a dispute opened or a
// round redrawn in the block) is executed again with the hash.
func (a *Application) PrepareProposal(_ context.Context, req *abci.PrepareProposalRequest) (*abci.PrepareProposalResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var size int64
	n := 0
	for _, tx := range req.Txs {
		if size+int64(len(tx)) > req.MaxTxBytes {
			break
		}
		size += int64(len(tx))
		n++
	}
	candidates := req.Txs[:n]
	ex := a.execute(a.header(req.Height, req.Time, req.ProposerAddress, nil, extendedCommitVotes(req.LocalLastCommit.Votes)), candidates, misbehavior(req.Misbehavior))
	txs := make([][]byte, 0, n)
	for i, r := range ex.result.TxResults {
		if r.Charged {
			txs = append(txs, candidates[i])
		}
	}
	a.prepared = nil
	if len(txs) == len(candidates) && !ex.result.HashRead {
		a.prepared = ex
	}
	return &abci.PrepareProposalResponse{Txs: txs}, nil
}

// ProcessProposal implements abci.Application: it executes the proposed
// block on a branch of the committed state with the block's own header
// (height, hash, time, proposer, misbehavior), exactly as FinalizeBlock
// would, and rejects the block if a transaction was not charged. A
// transaction that fails its form, signature, sequence or fee check
// changes nothing and pays nothing, so a block that holds one was made
// by a byzantine proposer to give block space away for free (or by a
// proposer whose PrepareProposal differs from this one). The branch of an
// accepted block is kept for FinalizeBlock. The block this node's
// PrepareProposal proposed is not executed again if its execution did
// not read the hash (see PrepareProposal).
func (a *Application) ProcessProposal(_ context.Context, req *abci.ProcessProposalRequest) (*abci.ProcessProposalResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	h := a.header(req.Height, req.Time, req.ProposerAddress, req.Hash, commitVotes(req.ProposedLastCommit.Votes))
	mis := misbehavior(req.Misbehavior)
	ex := a.prepared
	a.prepared = nil
	if ex != nil && !ex.result.HashRead && ex.sameInputs(h, req.Txs, mis) {
		ex.hash = req.Hash
	} else {
		ex = a.execute(h, req.Txs, mis)
	}
	if ex.result.Uncharged() >= 0 {
		return &abci.ProcessProposalResponse{Status: abci.PROCESS_PROPOSAL_STATUS_REJECT}, nil
	}
	a.proposal = ex
	return &abci.ProcessProposalResponse{Status: abci.PROCESS_PROPOSAL_STATUS_ACCEPT}, nil
}

// FinalizeBlock implements abci.Application. If ProcessProposal accepted
// this very block last (same height, hash and transactions), its branch
// is the result of executing the block on the committed state, which has
// not changed since: the branch is written to the tree as it is.
// Otherwise (another round's block, a block this node never processed,
// a replay after a restart) the block is executed now, on a fresh
// branch. The tree receives the same writes in the same order either
// way, so its working root, the app hash, is the same.
func (a *Application) FinalizeBlock(_ context.Context, req *abci.FinalizeBlockRequest) (*abci.FinalizeBlockResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	ex := a.proposal
	a.proposal, a.prepared = nil, nil
	if ex == nil || ex.height != req.Height || !bytes.Equal(ex.hash, req.Hash) || !slices.EqualFunc(ex.txs, req.Txs, bytes.Equal) {
		ex = a.execute(a.header(req.Height, req.Time, req.ProposerAddress, req.Hash, commitVotes(req.DecidedLastCommit.Votes)), req.Txs, misbehavior(req.Misbehavior))
	}
	ex.state.Write()
	res := ex.result
	out := &abci.FinalizeBlockResponse{
		Events:           events(res.Events),
		ValidatorUpdates: validatorUpdates(res.ValidatorUpdates),
		AppHash:          a.tree.WorkingHash(),
	}
	for _, r := range res.TxResults {
		out.TxResults = append(out.TxResults, &abci.ExecTxResult{Code: r.Code, Codespace: r.Codespace, Log: r.Log, Events: events(r.Events)})
	}
	return out, nil
}

// Commit implements abci.Application: it saves the tree's working version,
// publishes it to queries, deletes the versions older than the last
// StateConfig.KeepVersions and asks CometBFT, by the response's retain
// height, to prune the blocks older than the last StateConfig.RetainBlocks.
func (a *Application) Commit(context.Context, *abci.CommitRequest) (*abci.CommitResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.proposal, a.prepared = nil, nil
	a.checkMu.Lock()
	defer a.checkMu.Unlock()
	_, v, err := a.tree.SaveVersion()
	if err != nil {
		return nil, fmt.Errorf("commit: save state: %w", err)
	}
	if err := a.publish(v); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	a.resetCheck()
	// Pruning (StateConfig): the versions below the last keep go; the
	// version before the last, which a query may still read, is never
	// among them (keep ≥ 2).
	if a.keep > 0 && v > a.keep {
		if err := a.tree.DeleteVersionsTo(v - a.keep); err != nil {
			return nil, fmt.Errorf("commit: prune the state to version %d: %w", v-a.keep, err)
		}
	}
	res := &abci.CommitResponse{}
	if a.retain > 0 && v > a.retain {
		res.RetainHeight = v - a.retain + 1
	}
	return res, nil
}

// Query implements abci.Application: it serves the paths of the ledger's
// query protocol (ledger/query): query.Store, a raw key with its ICS-23
// proof, and query.AppPrefix + a path of query.Paths, answered by
// app.Query. It reads the snapshot Commit published last (or, with
// Query.Height, an earlier saved version) without the consensus lock, so
// a query never waits for a block to execute or commit, and a block never
// waits for a query. Before the first Commit there is no snapshot: the
// genesis state is only in the working tree, and the query reads it under
// the lock. The path query.Simulate is the exception: it runs a
// transaction (app.Simulate) on a branch of the mempool's state for the
// next height, under the lock, and ignores Query.Height. A failed query
// carries the code of its error (codes.Of; query.ErrInternal for a
// storage error or a panic, which fail the query, not the node).
func (a *Application) Query(_ context.Context, req *abci.QueryRequest) (res *abci.QueryResponse, err error) {
	fail := func(err error) (*abci.QueryResponse, error) {
		c, ok := codes.Of(err)
		if !ok {
			c = query.ErrInternal
		}
		return &abci.QueryResponse{Code: c.Number, Codespace: c.Codespace, Log: err.Error(), Height: req.Height}, nil
	}
	defer func() {
		if r := recover(); r != nil {
			res, err = fail(fmt.Errorf("query %s: %v", req.Path, r))
		}
	}()
	path := strings.TrimPrefix(req.Path, "/")
	if path == query.AppPrefix+query.Simulate {
		return a.simulate(req.Data)
	}
	snap := a.last.Load()
	if snap == nil {
		a.mu.Lock()
		defer a.mu.Unlock()
		if snap = a.last.Load(); snap == nil {
			snap = a.tree.ImmutableTree
		}
	}
	switch last := snap.Version(); {
	case req.Height < 0 || req.Height > last:
		return fail(query.ErrHeight.Errorf("height %d: not committed; the last committed height is %d", req.Height, last))
	case req.Height > 0 && a.keep > 0 && req.Height <= last-a.keep:
		return fail(query.ErrHeight.Errorf("height %d: pruned: this node keeps the state of the last %d heights (%d to %d); ask a node that keeps every version (keep_versions = -1 in ledger.toml)",
			req.Height, a.keep, last-a.keep+1, last))
	case req.Height > 0 && req.Height < last:
		if snap, err = a.reader.GetImmutable(req.Height); err != nil {
			return fail(query.ErrHeight.Errorf("height %d: %v", req.Height, err))
		}
	}
	height := snap.Version()
	switch {
	case path == query.Store:
		_, value, err := snap.GetWithIndex(req.Data)
		if err != nil {
			return fail(err)
		}
		res := &abci.QueryResponse{Key: req.Data, Value: value, Height: height}
		if req.Prove {
			p, err := snap.GetProof(req.Data)
			if err != nil {
				return fail(fmt.Errorf("proof: %w", err))
			}
			b, err := p.Marshal()
			if err != nil {
				return fail(fmt.Errorf("proof: %w", err))
			}
			res.ProofOps = &cryptoproto.ProofOps{Ops: []cryptoproto.ProofOp{{Type: query.ProofOpICS23, Key: req.Data, Data: b}}}
		}
		return res, nil
	case strings.HasPrefix(path, query.AppPrefix):
		v, err := a.ledger.Query(newQueryStore(snap), strings.TrimPrefix(path, query.AppPrefix), req.Data)
		if err != nil {
			return fail(err)
		}
		return &abci.QueryResponse{Value: v, Height: height}, nil
	default:
		return fail(query.ErrUnknownPath.Errorf("query path %q: use %q or %q", req.Path, query.Store, query.AppPrefix+"..."))
	}
}

// simulate answers query.Simulate: the transaction in data runs on a
// branch of the mempool's state (a.check, which counts the pending
// transactions' fees and sequences) as the next block would run it; the
// branch is thrown away.
func (a *Application) simulate(data []byte) (*abci.QueryResponse, error) {
	var req ledgerpb.SimulateRequest
	if err := proto.Unmarshal(data, &req); err != nil {
		err = query.ErrInvalidQuery.Errorf("%s: data: want a SimulateRequest: %v", query.Simulate, err)
		c, _ := codes.Of(err)
		return &abci.QueryResponse{Code: c.Number, Codespace: c.Codespace, Log: err.Error()}, nil
	}
	a.preverify(req.Tx)
	a.mu.Lock()
	a.checkMu.Lock()
	height := a.tree.Version() + 1
	r := a.ledger.Simulate(store.NewCache(a.check), app.Header{ChainID: a.chainID, Height: height}, req.Tx)
	a.checkMu.Unlock()
	a.mu.Unlock()
	reply := &ledgerpb.SimulateResponse{Code: r.Code, Codespace: r.Codespace, Log: r.Log}
	for _, e := range r.Events {
		pe := &ledgerpb.Event{Type: e.Type}
		for _, at := range e.Attributes {
			pe.Attributes = append(pe.Attributes, &ledgerpb.EventAttribute{Key: at.Key, Value: at.Value})
		}
		reply.Events = append(reply.Events, pe)
	}
	v, err := proto.MarshalOptions{Deterministic: true}.Marshal(reply)
	if err != nil {
		return nil, fmt.Errorf("simulate: encode reply: %w", err)
	}
	return &abci.QueryResponse{Value: v, Height: height - 1}, nil
}

// events converts the ledger's events to ABCI's, allocating each slice
// once at its size (a block of transfers has two events a transaction).
func events(in []app.Event) []abci.Event {
	if len(in) == 0 {
		return nil
	}
	n := 0
	for _, e := range in {
		n += len(e.Attributes)
	}
	attrs := make([]abci.EventAttribute, 0, n)
	out := make([]abci.Event, len(in))
	for i, e := range in {
		start := len(attrs)
		for _, at := range e.Attributes {
			attrs = append(attrs, abci.EventAttribute{Key: at.Key, Value: at.Value, Index: true})
		}
		out[i] = abci.Event{Type: e.Type, Attributes: attrs[start:len(attrs):len(attrs)]}
	}
	return out
}

func validatorUpdates(in []app.ValidatorUpdate) []abci.ValidatorUpdate {
	var out []abci.ValidatorUpdate
	for _, v := range in {
		out = append(out, abci.ValidatorUpdate{PubKeyType: "ed25519", PubKeyBytes: v.PubKey, Power: v.Power})
	}
	return out
}

// Seed writes state outside any block, for benchmarks that need a large
// state quickly (`cell bench scale`): write runs, under the consensus
// lock, with a seeder (app.Seeder) over the working tree at the next
// height, and its writes become part of the version the next Commit
// saves. A validator of a live chain never seeds: the writes are in no
// block, so the other validators would not have them and the app hashes
// would differ. If write fails, nothing is written. Errors: write's, or a
// state without genesis.
func (a *Application) Seed(write func(*app.Seeder) error) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.proposal = nil
	// Through a branch, as a block: its ordered index serves the
	// handlers' iterators, where the tree's unsaved-writes iterator would
	// sort every unsaved key again for each one.
	branch := store.NewCache(newTreeStore(a.tree))
	s, err := a.ledger.Seeder(branch, app.Header{ChainID: a.chainID, Height: a.tree.Version() + 1})
	if err != nil {
		return err
	}
	if err := write(s); err != nil {
		return err
	}
	branch.Write()
	a.resetCheck()
	return nil
}

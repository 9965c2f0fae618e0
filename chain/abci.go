package chain

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	abci "github.com/cometbft/cometbft/abci/types"
	cryptoproto "github.com/cometbft/cometbft/api/cometbft/crypto/v1"
	"github.com/cosmos/iavl"

	"github.com/celltonomy/celltonomy/ledger/app"
	"github.com/celltonomy/celltonomy/ledger/store"
	"github.com/celltonomy/celltonomy/ledger/tx"
)

// Query paths served by the adapter (ABCI Query.Path).
const (
	// QueryStore reads one raw key of the ledger state (Query.Data) at
	// Query.Height (0: the last committed height); with Prove it returns an
	// ICS-23 proof of the value (or of its absence) against that height's
	// app hash, as one proof op of type ProofOpICS23.
	QueryStore = "store"
	// QueryAppPrefix prefixes the ledger's own queries: "app/bank/balance"
	// is answered by app.Query with path "bank/balance".
	QueryAppPrefix = "app/"
	// ProofOpICS23 is the type of the proof op of a QueryStore reply: Data
	// is a serialized ics23.CommitmentProof for the IAVL tree.
	ProofOpICS23 = "ics23:iavl"
)

// codeQuery is the code of a failed query.
const codeQuery = 1

// Application is the ABCI 2.0 application that runs the ledger over an IAVL
// tree. It is the thin adapter between CometBFT and ledger/app:
//
//   - FinalizeBlock runs the block on the tree's working version; the app
//     hash is the tree's working root;
//   - Commit saves the version (version = height) and resets the mempool's
//     branch of state;
//   - CheckTx checks against that branch, so successive transactions of one
//     account see each other's sequence numbers and fees;
//   - PrepareProposal keeps only transactions that pass CheckTx against a
//     fresh branch, in mempool order, within the size limit;
//   - Info reports the last saved version and root, so that CometBFT replays
//     the blocks the tree lacks after a crash.
//
// Application does its own locking, so that CometBFT may call it without
// serializing (proxy.NewUnsyncLocalClientCreator): every method holds mu,
// except that CheckTx first verifies the transaction's signature without it,
// on the caller's goroutine, and records it in the signature cache. The
// ed25519 verification, which dominates the cost of a transfer, thereby
// runs on every core while the state machine itself stays sequential.
type Application struct {
	abci.BaseApplication
	mu      sync.Mutex
	sigs    *sigCache
	ledger  *app.App
	tree    *iavl.MutableTree
	chainID string
	check   *store.Cache // the mempool's branch of the last committed state
}

var _ abci.Application = (*Application)(nil)

// NewApplication returns the application over tree (loaded to its latest
// version) for the chain chainID.
func NewApplication(tree *iavl.MutableTree, chainID string) (*Application, error) {
	sigs := newSigCache(sigCacheSize)
	a := &Application{sigs: sigs, ledger: app.New().WithSignatureCache(sigs), tree: tree, chainID: chainID}
	if err := a.resetCheck(); err != nil {
		return nil, err
	}
	return a, nil
}

// committed returns a read-only view of the state at version v (0: the last
// saved version).
func (a *Application) committed(v int64) (*iavl.ImmutableTree, error) {
	if v == 0 {
		v = a.tree.Version()
	}
	if v == 0 {
		return a.tree.ImmutableTree, nil // empty before the first commit
	}
	return a.tree.GetImmutable(v)
}

func (a *Application) resetCheck() error {
	snap, err := a.committed(0)
	if err != nil {
		return fmt.Errorf("load committed state: %w", err)
	}
	a.check = store.NewCache(newSnapshotStore(snap))
	return nil
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
	return &abci.InitChainResponse{Validators: validatorUpdates(vals), AppHash: a.tree.WorkingHash()}, nil
}

// CheckTx implements abci.Application.
func (a *Application) CheckTx(_ context.Context, req *abci.CheckTxRequest) (*abci.CheckTxResponse, error) {
	a.preverify(req.Tx)
	a.mu.Lock()
	defer a.mu.Unlock()
	r := a.ledger.CheckTx(a.check, a.chainID, req.Tx)
	return &abci.CheckTxResponse{Code: r.Code, Codespace: r.Codespace, Log: r.Log, Events: events(r.Events)}, nil
}

// preverify verifies a transaction's signature, without the lock, and
// records success in the signature cache. Failures are left for the
// ledger's CheckTx to report.
func (a *Application) preverify(raw []byte) {
	h := tx.Hash(raw)
	if a.sigs.Verified(h) {
		return
	}
	if t, err := tx.Decode(raw); err == nil && t.VerifySignature() == nil {
		a.sigs.AddVerified(h)
	}
}

// PrepareProposal implements abci.Application.
func (a *Application) PrepareProposal(_ context.Context, req *abci.PrepareProposalRequest) (*abci.PrepareProposalResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	snap, err := a.committed(0)
	if err != nil {
		return nil, err
	}
	branch := store.NewCache(newSnapshotStore(snap))
	var txs [][]byte
	var size int64
	for _, tx := range req.Txs {
		if size+int64(len(tx)) > req.MaxTxBytes {
			break
		}
		if a.ledger.CheckTx(branch, a.chainID, tx).Code != 0 {
			continue
		}
		txs = append(txs, tx)
		size += int64(len(tx))
	}
	return &abci.PrepareProposalResponse{Txs: txs}, nil
}

// ProcessProposal implements abci.Application. Every proposal is accepted:
// FinalizeBlock gives each invalid transaction a failing result that
// changes nothing, so a bad proposer only wastes its own block.
func (a *Application) ProcessProposal(context.Context, *abci.ProcessProposalRequest) (*abci.ProcessProposalResponse, error) {
	return &abci.ProcessProposalResponse{Status: abci.PROCESS_PROPOSAL_STATUS_ACCEPT}, nil
}

// FinalizeBlock implements abci.Application.
func (a *Application) FinalizeBlock(_ context.Context, req *abci.FinalizeBlockRequest) (*abci.FinalizeBlockResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var mis []app.Misbehavior
	for _, m := range req.Misbehavior {
		if m.Type == abci.MISBEHAVIOR_TYPE_DUPLICATE_VOTE {
			mis = append(mis, app.Misbehavior{ValidatorAddress: m.Validator.Address, Height: m.Height})
		}
	}
	h := app.Header{
		ChainID:         a.chainID,
		Height:          req.Height,
		TimeUnixNano:    req.Time.UnixNano(),
		ProposerAddress: req.ProposerAddress,
		Hash:            req.Hash,
	}
	res := a.ledger.FinalizeBlock(newTreeStore(a.tree), h, req.Txs, mis)
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

// Commit implements abci.Application: it saves the tree's working version.
func (a *Application) Commit(context.Context, *abci.CommitRequest) (*abci.CommitResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, _, err := a.tree.SaveVersion(); err != nil {
		return nil, fmt.Errorf("commit: save state: %w", err)
	}
	if err := a.resetCheck(); err != nil {
		return nil, err
	}
	return &abci.CommitResponse{}, nil
}

// Query implements abci.Application; see QueryStore and QueryAppPrefix.
func (a *Application) Query(_ context.Context, req *abci.QueryRequest) (*abci.QueryResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	fail := func(err error) (*abci.QueryResponse, error) {
		return &abci.QueryResponse{Code: codeQuery, Log: err.Error(), Height: req.Height}, nil
	}
	snap, err := a.committed(req.Height)
	if err != nil {
		return fail(fmt.Errorf("height %d: %w", req.Height, err))
	}
	height := snap.Version()
	switch path := strings.TrimPrefix(req.Path, "/"); {
	case path == QueryStore:
		value, err := snap.Get(req.Data)
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
			res.ProofOps = &cryptoproto.ProofOps{Ops: []cryptoproto.ProofOp{{Type: ProofOpICS23, Key: req.Data, Data: b}}}
		}
		return res, nil
	case strings.HasPrefix(path, QueryAppPrefix):
		v, err := a.ledger.Query(newSnapshotStore(snap), strings.TrimPrefix(path, QueryAppPrefix), req.Data)
		if err != nil {
			return fail(err)
		}
		return &abci.QueryResponse{Value: v, Height: height}, nil
	default:
		return fail(errors.New("unknown query path " + req.Path + `: use "store" or "app/..."`))
	}
}

func events(in []app.Event) []abci.Event {
	var out []abci.Event
	for _, e := range in {
		ev := abci.Event{Type: e.Type}
		for _, at := range e.Attributes {
			ev.Attributes = append(ev.Attributes, abci.EventAttribute{Key: at.Key, Value: at.Value, Index: true})
		}
		out = append(out, ev)
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

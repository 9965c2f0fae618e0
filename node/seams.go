package node

import (
	"context"
	"crypto/ed25519"
	"io"
	"iter"
	"net/http"
	"sync"
	"time"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/miner/proofapi"
	"github.com/celltonomy/celltonomy/node/blobstore"
	"github.com/celltonomy/celltonomy/nodeapi"
)

// The node's engine (bidding, jobs, runs, deliveries, verifier duty)
// talks to the world through the small interfaces below, so that it runs
// in a unit test with a fake chain, a fake blob source and a clock the
// test sets: New fills them with the typed ledger client, the operator's
// client.Sender and the HTTP fetcher.

// chainReader is what the engine reads of the ledger: the typed query
// methods of client.Client it calls. A record that does not exist is an
// error matching query.ErrNotFound.
type chainReader interface {
	Params(ctx context.Context) (*ledgerpb.Params, error)
	Balance(ctx context.Context, addr address.Address) (uint64, error)
	Order(ctx context.Context, id uint64) (*ledgerpb.OrderResponse, error)
	Package(ctx context.Context, id []byte) (*ledgerpb.Package, error)
	Node(ctx context.Context, key []byte, judgeAt int64) (*ledgerpb.NodeStatus, error)
	Nodes(ctx context.Context, operator address.Address, judgeAt int64) iter.Seq2[*ledgerpb.NodeStatus, error]
	Verifier(ctx context.Context, nodeKey []byte) (*ledgerpb.Verifier, error)
	Skill(ctx context.Context, path string) (*ledgerpb.Skill, error)
	ReputationRoot(ctx context.Context) (*ledgerpb.ReputationRoot, error)
	// AcceptedRoot reads the accepted reputation root with a state proof
	// (false: none accepted yet).
	AcceptedRoot(ctx context.Context) (proofapi.Root, bool, error)
}

// txSender signs and sends the node's transactions as the operator
// (client.Sender): in WaitCheck mode it returns once CheckTx accepted the
// transaction, with its hash; a refusal is an error carrying the
// ledger's code.
type txSender interface {
	Send(ctx context.Context, mode client.Mode, msgs ...*ledgerpb.Msg) (client.TxResult, error)
}

// blobSource fetches what the node does not hold yet: package blobs, by
// hash, from the URLs others chose (registered locations, other nodes'
// endpoints), and, for a drawn verifier, an order's committed inputs from
// another node of the order (signed with the node key). Whatever it
// returns is checked by the caller against the hashes the chain holds.
type blobSource interface {
	// Fetch stores in s the blob whose SHA-256 is sum, from the first of
	// urls that serves it, checked against sum and bounded by opts.
	Fetch(ctx context.Context, urls []string, sum [32]byte, s *blobstore.Store, opts blobstore.FetchOptions) error
	// Inputs returns the input list the node at endpoint committed for
	// order id.
	Inputs(ctx context.Context, endpoint string, id uint64) ([]nodeapi.InputFile, error)
	// Input opens input name of order id at the node at endpoint; the
	// caller closes it.
	Input(ctx context.Context, endpoint string, id uint64, name string) (io.ReadCloser, error)
}

// httpBlobs is the blobSource of a running node: plain HTTP for package
// blobs, the gateway's signed requests for a verifier's inputs.
type httpBlobs struct {
	http *http.Client
	key  ed25519.PrivateKey
}

func (b httpBlobs) Fetch(ctx context.Context, urls []string, sum [32]byte, s *blobstore.Store, opts blobstore.FetchOptions) error {
	return blobstore.Fetch(ctx, b.http, urls, sum, s, opts)
}

func (b httpBlobs) gateway(endpoint string) *nodeapi.Client {
	return &nodeapi.Client{Endpoint: endpoint, Key: b.key, HTTP: b.http}
}

func (b httpBlobs) Inputs(ctx context.Context, endpoint string, id uint64) ([]nodeapi.InputFile, error) {
	list, err := b.gateway(endpoint).ProviderInputs(ctx, id)
	return list.Inputs, err
}

func (b httpBlobs) Input(ctx context.Context, endpoint string, id uint64, name string) (io.ReadCloser, error) {
	return b.gateway(endpoint).ProviderInput(ctx, id, name)
}

// txHash returns the hash of a sent transaction: CometBFT's SHA-256 of
// its bytes, always 32 bytes.
func txHash(res client.TxResult) Hash {
	var h Hash
	copy(h[:], res.Hash)
	return h
}

// tasks runs background work of the node: named tasks at most once at a
// time (a delivery, a reveal, a collection), and unnamed ones. Wait
// returns once every task started has returned.
type tasks struct {
	wg       sync.WaitGroup
	mu       sync.Mutex
	inflight map[string]bool
}

// once runs f in the background unless a task of the same name is
// running; it reports whether it started f.
func (t *tasks) once(name string, f func()) bool {
	t.mu.Lock()
	if t.inflight[name] {
		t.mu.Unlock()
		return false
	}
	if t.inflight == nil {
		t.inflight = map[string]bool{}
	}
	t.inflight[name] = true
	t.mu.Unlock()
	t.wg.Go(func() {
		defer func() {
			t.mu.Lock()
			delete(t.inflight, name)
			t.mu.Unlock()
		}()
		f()
	})
	return true
}

// goBackground runs f in the background.
func (t *tasks) goBackground(f func()) { t.wg.Go(f) }

// wait waits for every task started.
func (t *tasks) wait() { t.wg.Wait() }

// sleep waits d, or until ctx is done; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-tm.C:
		return true
	}
}

package chain

import (
	"runtime"
	"sync"

	"github.com/oasisprotocol/curve25519-voi/curve"
	"github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
	"github.com/oasisprotocol/curve25519-voi/primitives/ed25519/extra/cache"

	"github.com/celltonomy/celltonomy/ledger/tx"
)

// maxBatch is the largest batch of signatures verified at once. Batches
// of a few dozen to a few hundred cost 15–20 µs a signature, against
// about 30 µs alone; larger ones gain nothing more and hold a core
// longer.
const maxBatch = 256

// keyCacheSize bounds the expanded public keys kept (keyCache): each
// weighs about 1.5 KiB, so the cache holds at most about 12 MiB.
const keyCacheSize = 8192

// keyCache keeps the expanded form of the public keys that signed
// recently (curve25519-voi's ExpandedPublicKey, in its bounded LRU
// cache), so that the next signature of the same key is verified
// without decompressing the key again: an account's transactions come
// in runs, and each is verified in CheckTx or in its block. A key is
// expanded on its first signature, whether or not that signature
// verifies; a key that does not decompress is not kept, and its
// signatures are verified as without a cache (and fail). Safe for
// concurrent use. A nil *keyCache keeps nothing.
type keyCache struct {
	c cache.Cache
}

func newKeyCache(size int) *keyCache { return &keyCache{c: cache.NewLRUCache(size)} }

// expanded returns the expanded form of pub, or nil if it does not
// decompress (or k is nil).
func (k *keyCache) expanded(pub []byte) *ed25519.ExpandedPublicKey {
	if k == nil || len(pub) != ed25519.PublicKeySize {
		return nil
	}
	var y curve.CompressedEdwardsY
	copy(y[:], pub)
	if e := k.c.Get(&y); e != nil {
		return e
	}
	e, err := ed25519.NewExpandedPublicKey(pub)
	if err != nil {
		return nil
	}
	k.c.Put(&y, e)
	return e
}

// verifySignatures reports, for each transaction, whether its signature
// verifies (tx.Tx.VerifySignature). It verifies them in batches of at
// most maxBatch, on up to GOMAXPROCS goroutines at once; a batch that
// fails is verified one signature at a time, to tell which ones are bad.
// Under the ZIP-215 rules (ledger/tx: "Signatures") a batch accepts its
// signatures exactly when each one verifies alone, so the answer does not
// depend on how the signatures were grouped.
func verifySignatures(keys *keyCache, txs []*tx.Tx) []bool {
	ok := make([]bool, len(txs))
	if len(txs) == 0 {
		return ok
	}
	chunks := (len(txs) + maxBatch - 1) / maxBatch
	workers := min(chunks, runtime.GOMAXPROCS(0))
	if workers <= 1 {
		for lo := 0; lo < len(txs); lo += maxBatch {
			hi := min(lo+maxBatch, len(txs))
			verifyChunk(keys, txs[lo:hi], ok[lo:hi])
		}
		return ok
	}
	// Each chunk writes its own part of ok.
	next := make(chan int, chunks)
	for lo := 0; lo < len(txs); lo += maxBatch {
		next <- lo
	}
	close(next)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for lo := range next {
				hi := min(lo+maxBatch, len(txs))
				verifyChunk(keys, txs[lo:hi], ok[lo:hi])
			}
		}()
	}
	wg.Wait()
	return ok
}

// verifyChunk sets ok[i] for each txs[i]: a single signature is verified
// alone, several in one batch, and one by one if the batch fails; the
// signers' keys are expanded through keys.
func verifyChunk(keys *keyCache, txs []*tx.Tx, ok []bool) {
	expanded := make([]*ed25519.ExpandedPublicKey, len(txs))
	for i, t := range txs {
		expanded[i] = keys.expanded(t.PubKey)
	}
	if len(txs) == 1 {
		ok[0] = txs[0].VerifySignatureExpanded(expanded[0]) == nil
		return
	}
	v := ed25519.NewBatchVerifierWithCapacity(len(txs))
	for i, t := range txs {
		t.AddToBatchExpanded(v, expanded[i])
	}
	if v.VerifyBatchOnly(nil) {
		for i := range ok {
			ok[i] = true
		}
		return
	}
	for i, t := range txs {
		ok[i] = t.VerifySignatureExpanded(expanded[i]) == nil
	}
}

// sigBatcher verifies the signatures of concurrent CheckTx calls together.
// CometBFT calls CheckTx from one goroutine per incoming transaction
// (RPC, peers), without a lock; each call queues its transaction. While
// fewer than GOMAXPROCS calls are verifying, a call becomes a worker: it
// takes everything queued, up to maxBatch at a time, verifies it as one
// batch and wakes the callers, until the queue is empty (its own
// transaction among them); otherwise it waits for a worker to verify its
// transaction. So at a low rate a signature is verified alone, at once,
// by its own caller, and under load the batches grow by themselves with
// the calls that queued while the workers were busy, with no timer to
// wait for. Each time before it takes from the queue, a worker yields
// the processor (runtime.Gosched): with every processor busy, the callers that
// are runnable but not running could not queue their transactions
// otherwise, and each worker would verify its own alone (measured on
// cell bench ledger with 2 processors: nearly every batch was of one).
// A worker's own call waits at most for the batches queued by
// the concurrent calls, bounded by their number.
type sigBatcher struct {
	keys    *keyCache
	mu      sync.Mutex
	queue   []*sigJob
	workers int
	max     int
}

type sigJob struct {
	tx   *tx.Tx
	ok   bool
	done chan struct{}
}

func newSigBatcher(keys *keyCache) *sigBatcher {
	return &sigBatcher{keys: keys, max: runtime.GOMAXPROCS(0)}
}

// verify reports whether t's signature verifies, as t.VerifySignature.
func (b *sigBatcher) verify(t *tx.Tx) bool {
	j := &sigJob{tx: t, done: make(chan struct{})}
	b.mu.Lock()
	b.queue = append(b.queue, j)
	work := b.workers < b.max
	if work {
		b.workers++
	}
	b.mu.Unlock()
	if work {
		b.work()
	}
	<-j.done
	return j.ok
}

// work verifies the queue, batch after batch, until it is empty.
func (b *sigBatcher) work() {
	for {
		runtime.Gosched()
		b.mu.Lock()
		n := min(len(b.queue), maxBatch)
		if n == 0 {
			b.workers--
			b.mu.Unlock()
			return
		}
		jobs := b.queue[:n:n]
		b.queue = b.queue[n:]
		if len(b.queue) == 0 {
			b.queue = nil
		}
		b.mu.Unlock()
		txs := make([]*tx.Tx, n)
		for i, j := range jobs {
			txs[i] = j.tx
		}
		ok := make([]bool, n)
		verifyChunk(b.keys, txs, ok)
		for i, j := range jobs {
			j.ok = ok[i]
			close(j.done)
		}
	}
}

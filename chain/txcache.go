package chain

import (
	"sync"

	"github.com/celltonomy/celltonomy/ledger/tx"
)

// The transaction cache's bounds: a full mempool of CometBFT's default size
// (5,000) several times over, and at most txCacheBytes of decoded
// transactions, counted as their body bytes plus txCacheOverhead each, so
// that 100,000 transactions of the largest size (tx.MaxTxBytes) cannot
// hold gigabytes.
const (
	txCacheSize     = 100_000
	txCacheBytes    = 64 << 20
	txCacheOverhead = 512
)

// txCache is the ledger's app.TxCache: a bounded map from transaction
// hash to the decoded transaction and whether its signature verified.
// Entries leave in the order they came (first in, first out) once there
// are more than size of them or their decoded transactions weigh more
// than maxBytes; forgetting one only costs a second decoding or
// verification. It is safe for concurrent use: CheckTx fills it from
// CometBFT's mempool goroutines.
type txCache struct {
	mu       sync.Mutex
	entries  map[[32]byte]*txEntry
	order    [][32]byte // ring of hashes, oldest at head
	head     int
	bytes    int // Σ weight of the entries
	size     int
	maxBytes int
}

type txEntry struct {
	tx       *tx.Tx
	verified bool
	weight   int
}

func newTxCache(size, maxBytes int) *txCache {
	return &txCache{entries: make(map[[32]byte]*txEntry, size), order: make([][32]byte, 0, size), size: size, maxBytes: maxBytes}
}

func weight(t *tx.Tx) int {
	if t == nil {
		return 0
	}
	return len(t.BodyBytes) + txCacheOverhead
}

// entry returns the entry of h, adding an empty one (and evicting the
// oldest as needed) if there is none. mu is held.
func (c *txCache) entry(h [32]byte) *txEntry {
	if e, ok := c.entries[h]; ok {
		return e
	}
	e := &txEntry{}
	if len(c.entries) == c.size {
		c.evict()
	}
	c.entries[h] = e
	if len(c.order) < c.size {
		c.order = append(c.order, h)
	} else {
		// The ring is full; the slot after the newest entry is free,
		// since there were fewer than size entries.
		c.order[(c.head+len(c.entries)-1)%c.size] = h
	}
	return e
}

// evict forgets the oldest entry. mu is held.
func (c *txCache) evict() {
	if len(c.entries) == 0 {
		return
	}
	h := c.order[c.head]
	c.head = (c.head + 1) % c.size
	c.bytes -= c.entries[h].weight
	delete(c.entries, h)
}

// Decoded implements app.TxCache.
func (c *txCache) Decoded(h [32]byte) *tx.Tx {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[h]; ok {
		return e.tx
	}
	return nil
}

// AddDecoded implements app.TxCache.
func (c *txCache) AddDecoded(h [32]byte, t *tx.Tx) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entry(h)
	if e.tx != nil {
		return
	}
	e.tx, e.weight = t, weight(t)
	c.bytes += e.weight
	for c.bytes > c.maxBytes && len(c.entries) > 1 {
		c.evict()
	}
}

// Verified implements app.TxCache.
func (c *txCache) Verified(h [32]byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[h]
	return ok && e.verified
}

// AddVerified implements app.TxCache.
func (c *txCache) AddVerified(h [32]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entry(h).verified = true
}

// len returns the number of entries and their weight.
func (c *txCache) len() (entries, bytes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries), c.bytes
}

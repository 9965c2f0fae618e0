package chain

import (
	"sync"

	"github.com/celltonomy/celltonomy/ledger/tx"
)

// The transaction cache's bounds: a full mempool of CometBFT's default size
// (5,000) several times over, and at most txCacheBytes, each entry weighing
// twice its transaction's size (the bytes as the key, the decoded
// transaction about as much) plus txCacheOverhead, so that 100,000
// transactions of the largest size (tx.MaxTxBytes) cannot hold gigabytes.
const (
	txCacheSize     = 100_000
	txCacheBytes    = 64 << 20
	txCacheOverhead = 512
)

// txCache is the ledger's app.TxCache: a bounded map from a transaction's
// bytes to its decoding and whether its signature verified. Keyed by the
// bytes themselves, a lookup costs a map hash and a comparison, not a
// SHA-256. Entries leave in the order they came (first in, first out) once
// there are more than size of them or they weigh more than maxBytes;
// forgetting one only costs a second decoding or verification. It is safe
// for concurrent use: CheckTx fills it from CometBFT's mempool goroutines.
type txCache struct {
	mu       sync.Mutex
	entries  map[string]*txEntry
	order    []string // ring of keys, oldest at head
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
	return &txCache{entries: make(map[string]*txEntry, size), order: make([]string, 0, size), size: size, maxBytes: maxBytes}
}

// weight is what an entry for raw counts against maxBytes.
func weight(raw []byte) int { return 2*len(raw) + txCacheOverhead }

// entry returns the entry of raw, adding an empty one (and evicting the
// oldest as needed) if there is none. mu is held.
func (c *txCache) entry(raw []byte) *txEntry {
	if e, ok := c.entries[string(raw)]; ok {
		return e
	}
	e := &txEntry{weight: weight(raw)}
	if len(c.entries) == c.size {
		c.evict()
	}
	key := string(raw)
	c.entries[key] = e
	if len(c.order) < c.size {
		c.order = append(c.order, key)
	} else {
		// The ring is full; the slot after the newest entry is free,
		// since there were fewer than size entries.
		c.order[(c.head+len(c.entries)-1)%c.size] = key
	}
	c.bytes += e.weight
	for c.bytes > c.maxBytes && len(c.entries) > 1 {
		c.evict()
	}
	return e
}

// evict forgets the oldest entry. mu is held.
func (c *txCache) evict() {
	if len(c.entries) == 0 {
		return
	}
	key := c.order[c.head]
	c.order[c.head] = ""
	c.head = (c.head + 1) % c.size
	c.bytes -= c.entries[key].weight
	delete(c.entries, key)
}

// Lookup implements app.TxCache.
func (c *txCache) Lookup(raw []byte) (*tx.Tx, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[string(raw)]; ok {
		return e.tx, e.verified
	}
	return nil, false
}

// AddDecoded implements app.TxCache.
func (c *txCache) AddDecoded(raw []byte, t *tx.Tx) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entry(raw).tx = t
}

// AddVerified implements app.TxCache.
func (c *txCache) AddVerified(raw []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entry(raw).verified = true
}

// len returns the number of entries and their weight.
func (c *txCache) len() (entries, bytes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries), c.bytes
}

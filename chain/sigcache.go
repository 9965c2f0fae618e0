package chain

import "sync"

// sigCacheSize bounds the signature cache: a full mempool of CometBFT's
// default size (5,000) several times over.
const sigCacheSize = 100_000

// sigCache is a bounded set of transaction hashes whose signatures verified
// (app.SignatureCache). The oldest entries are forgotten first; forgetting
// only costs a second verification.
type sigCache struct {
	mu   sync.Mutex
	set  map[[32]byte]struct{}
	ring [][32]byte
	next int
}

func newSigCache(size int) *sigCache {
	return &sigCache{set: make(map[[32]byte]struct{}, size), ring: make([][32]byte, 0, size)}
}

// Verified implements app.SignatureCache.
func (c *sigCache) Verified(h [32]byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.set[h]
	return ok
}

// AddVerified implements app.SignatureCache.
func (c *sigCache) AddVerified(h [32]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.set[h]; ok {
		return
	}
	if len(c.ring) < cap(c.ring) {
		c.ring = append(c.ring, h)
	} else {
		delete(c.set, c.ring[c.next])
		c.ring[c.next] = h
		c.next = (c.next + 1) % len(c.ring)
	}
	c.set[h] = struct{}{}
}

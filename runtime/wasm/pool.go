package wasm

import "sync"

// MemoryPool is a budget of linear memory, in bytes, that several service
// instances draw from: a service instance and its child services share
// their parent's pool, so that each child's memory counts against its
// parent's limit (ServiceJob.Pool). Each instance is also held to its own
// Limits.Memory. A MemoryPool is safe for concurrent use.
type MemoryPool struct {
	max int64

	mu         sync.Mutex
	used, peak int64
}

// NewMemoryPool returns a pool of max bytes (at least 0).
func NewMemoryPool(max int64) *MemoryPool { return &MemoryPool{max: max} }

// Max returns the size of the pool, in bytes.
func (p *MemoryPool) Max() int64 { return p.max }

// Used returns the bytes of the pool in use now: the linear memories of
// the instances that draw from it, including what is reserved for the
// initial memory of each.
func (p *MemoryPool) Used() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.used
}

// Peak returns the most bytes the pool has had in use at once.
func (p *MemoryPool) Peak() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.peak
}

// take charges n bytes, or reports false if they do not fit.
func (p *MemoryPool) take(n int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n > p.max-p.used {
		return false
	}
	p.used += n
	p.peak = max(p.peak, p.used)
	return true
}

// give returns n bytes to the pool.
func (p *MemoryPool) give(n int64) {
	p.mu.Lock()
	p.used -= n
	p.mu.Unlock()
}

package follow

import (
	"math/rand/v2"
	"sync"
	"time"
)

// Config holds a Follower's options. It is immutable: each With method
// returns a copy. The zero Config is not valid; start from NewConfig.
type Config struct {
	pollInterval time.Duration
	stallTimeout time.Duration
	minBackoff   time.Duration
	maxBackoff   time.Duration
	jitter       *lockedRand
}

// Defaults of NewConfig.
const (
	// DefaultPollInterval is how often the follower asks the node for its
	// latest height while subscribed.
	DefaultPollInterval = 5 * time.Second
	// DefaultStallTimeout is how long the websocket may announce no block
	// before the follower reconnects. It must exceed the block time.
	DefaultStallTimeout = time.Minute
	// DefaultMinBackoff and DefaultMaxBackoff bound the wait before a
	// reconnection.
	DefaultMinBackoff = 100 * time.Millisecond
	DefaultMaxBackoff = 30 * time.Second
)

// NewConfig returns the default configuration: polls every
// DefaultPollInterval, reconnects after DefaultStallTimeout without a
// block, backs off from DefaultMinBackoff doubling to DefaultMaxBackoff,
// without jitter.
func NewConfig() Config {
	return Config{
		pollInterval: DefaultPollInterval,
		stallTimeout: DefaultStallTimeout,
		minBackoff:   DefaultMinBackoff,
		maxBackoff:   DefaultMaxBackoff,
	}
}

// WithPollInterval sets how often a subscribed follower polls the node's
// latest height, a fallback for dropped websocket events and a check that
// the node is still there. A non-positive d keeps the current value.
func (c Config) WithPollInterval(d time.Duration) Config {
	if d > 0 {
		c.pollInterval = d
	}
	return c
}

// WithStallTimeout sets how long the websocket may announce no block before
// the follower drops it and reconnects. Set it well above the chain's block
// time. A non-positive d keeps the current value.
func (c Config) WithStallTimeout(d time.Duration) Config {
	if d > 0 {
		c.stallTimeout = d
	}
	return c
}

// WithBackoff sets the wait before reconnecting: min after the first
// failure, doubling after each further failure in a row, at most max. A
// successful subscription, or a block delivered, resets it to min.
// Non-positive values keep the current ones; max below min is raised to
// min.
func (c Config) WithBackoff(min, max time.Duration) Config {
	if min > 0 {
		c.minBackoff = min
	}
	if max > 0 {
		c.maxBackoff = max
	}
	if c.maxBackoff < c.minBackoff {
		c.maxBackoff = c.minBackoff
	}
	return c
}

// WithJitter makes each backoff a uniformly random duration between half
// and all of its nominal value, drawn from src, so that many followers of
// one node do not reconnect in step. A nil src turns jitter off (the
// default). Configs copied from this one share src, safely.
func (c Config) WithJitter(src rand.Source) Config {
	if src == nil {
		c.jitter = nil
	} else {
		c.jitter = &lockedRand{r: rand.New(src)}
	}
	return c
}

// backoff is the wait after failures failed attempts in a row (0: the
// first failure).
func (c Config) backoff(failures int) time.Duration {
	d := c.minBackoff
	for i := 0; i < failures && d < c.maxBackoff; i++ {
		d *= 2
	}
	d = min(d, c.maxBackoff)
	if c.jitter != nil {
		d = d/2 + c.jitter.duration(d-d/2+1)
	}
	return d
}

// lockedRand lets Followers on several goroutines share one source.
type lockedRand struct {
	mu sync.Mutex
	r  *rand.Rand
}

func (l *lockedRand) duration(n time.Duration) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return time.Duration(l.r.Int64N(int64(n)))
}

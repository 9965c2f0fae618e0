package node

import (
	"sync"

	"github.com/celltonomy/celltonomy/nodeapi"
)

// maxDecisions bounds the bid decisions the node remembers for GET
// /v1/orders/{id}/decision.
const maxDecisions = 10_000

// decisionLog remembers the node's latest bid decision per order, the
// maxDecisions most recent orders. Its methods are safe for concurrent
// use.
type decisionLog struct {
	mu    sync.Mutex
	byID  map[uint64]nodeapi.Decision
	order []uint64 // order ids, oldest first
}

// put records d as the decision on its order, forgetting the oldest
// orders past maxDecisions.
func (l *decisionLog) put(d nodeapi.Decision) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byID == nil {
		l.byID = map[uint64]nodeapi.Decision{}
	}
	if _, ok := l.byID[d.OrderID]; !ok {
		l.order = append(l.order, d.OrderID)
	}
	l.byID[d.OrderID] = d
	for len(l.order) > maxDecisions {
		delete(l.byID, l.order[0])
		l.order = l.order[1:]
	}
}

// get returns the decision on order id, or false.
func (l *decisionLog) get(id uint64) (nodeapi.Decision, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	d, ok := l.byID[id]
	return d, ok
}

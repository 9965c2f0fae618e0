package node

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/miner/proofapi"
	"github.com/celltonomy/celltonomy/node/gateway"
	"github.com/celltonomy/celltonomy/nodeapi"
	"github.com/celltonomy/celltonomy/runtime/wasm/abi"
	"github.com/celltonomy/celltonomy/spec"
)

// Peer delegation, the delegating side: the node's gateway.Delegator. A
// child the node cannot run (gateway.ErrCannotRun: excluded, another
// architecture, over the executor's memory ceiling) is started on a peer:
//
//  1. Candidates: the nodes of the registry (typed client, Nodes) active
//     at the next height, other than this one, with an endpoint and the
//     package's architecture; at most maxPeerCandidates.
//  2. Quotes: each candidate's nodeapi.PeerQuote, asked in parallel, each
//     bounded by peerQuoteTimeout and nodeapi.MaxPeerMessage bytes; a
//     candidate that does not answer is left out.
//  3. Score: the expected cost, Start + peerExpectedCalls × PerCall, made
//     cheaper by the peer operator's proven reputation in the package's
//     skill: cost × 1000 / (1000 + 100 × bit length of the reputation).
//     The reputation is read through the node's miner (miner_url) and
//     checked against the chain's accepted root (client.VerifiedReputation);
//     without a miner or an accepted root every peer counts 0. Lowest
//     score first, ties by node key.
//  4. Start on the best; a peer that refuses, times out, errs or answers
//     a price above its quote is dropped and the next one tried.
//  5. Calls are relayed (peerCallTimeout each). A peer that fails a call
//     (transport error, timeout, a 5xx, a lost child) is dropped: the
//     child starts again on the next candidate, with the same seed, and
//     the call is sent there (a child's memory of earlier calls is lost).
//     The service's own error (422) and a refused port (400) are the
//     child's answers, not a failure of the peer.
//
// Billing: the tree's budget (the service order's price) is charged the
// peer's quote (gateway: Start at start, PerCall per call). At stop the
// node pays the peer's operator on chain, a MsgSend of Start + calls ×
// PerCall of the quote, with the calls the node counted itself; the
// peer's own claim (PeerUsage.Owed) is never paid above that. A dropped
// peer is paid nothing. A failover's start on the next peer is the
// node's cost, not the tree's.

// Bounds of delegation.
const (
	// maxPeerCandidates bounds the registry's nodes asked for a quote.
	maxPeerCandidates = 16
	// peerQuoteTimeout bounds each quote.
	peerQuoteTimeout = 3 * time.Second
	// peerStartTimeout bounds each start on a peer (it may fetch the
	// package first).
	peerStartTimeout = 30 * time.Second
	// peerCallTimeout bounds each relayed call: the peer's call limit
	// and the way there and back.
	peerCallTimeout = serviceCallTimeout + 5*time.Second
	// peerStopTimeout bounds a stop on a peer.
	peerStopTimeout = 5 * time.Second
	// peerSettleTimeout bounds the payment of a peer.
	peerSettleTimeout = time.Minute
	// peerExpectedCalls is the number of calls a score counts.
	peerExpectedCalls = 16
)

// Delegator returns the node's gateway.Delegator (see above).
func (n *Node) Delegator() gateway.Delegator { return peerDelegator{n} }

type peerDelegator struct{ n *Node }

// candidate is a peer with its quote and score.
type candidate struct {
	key      []byte
	operator address.Address
	endpoint string
	quote    nodeapi.PeerQuote
	rep      *big.Int
	score    uint64
}

func (c candidate) String() string { return hex.EncodeToString(c.key)[:12] + "@" + c.endpoint }

// peerClient is the node's client of a peer: signed with the node key,
// over the HTTP client for addresses others chose.
func (n *Node) peerClient(endpoint string) *nodeapi.Client {
	return &nodeapi.Client{Endpoint: endpoint, Key: n.opts.NodeKey, HTTP: n.fetchHTTP}
}

// Delegate implements gateway.Delegator.
func (d peerDelegator) Delegate(ctx context.Context, req gateway.StartRequest) (gateway.Service, gateway.Price, error) {
	cands, err := d.n.candidates(ctx, req.ID)
	if err != nil {
		return nil, gateway.Price{}, fmt.Errorf("delegate %s: %w: %w", req.ID, abi.ErrPeerFailed, err)
	}
	r := &relayed{n: d.n, req: req, rest: cands}
	if err := r.startNext(ctx); err != nil {
		return nil, gateway.Price{}, err
	}
	d.n.delegated.add(r)
	q := r.cur.cand.quote
	return r, gateway.Price{Start: q.Start, PerCall: q.PerCall}, nil
}

// score is a candidate's expected cost made cheaper by its reputation.
func score(q nodeapi.PeerQuote, rep *big.Int) uint64 {
	cost := new(big.Int).SetUint64(q.PerCall)
	cost.Mul(cost, big.NewInt(peerExpectedCalls))
	cost.Add(cost, new(big.Int).SetUint64(q.Start))
	cost.Mul(cost, big.NewInt(1000))
	bits := 0
	if rep != nil && rep.Sign() > 0 {
		bits = rep.BitLen()
	}
	cost.Quo(cost, big.NewInt(1000+100*int64(bits)))
	if !cost.IsUint64() {
		return ^uint64(0)
	}
	return cost.Uint64()
}

// candidates returns the peers that quoted service id, best first.
func (n *Node) candidates(ctx context.Context, id spec.ID) ([]candidate, error) {
	rec, err := n.registeredPackage(ctx, id[:])
	if err != nil {
		return nil, err
	}
	var found []candidate
	for st, err := range n.query.Nodes(ctx, address.Address{}, n.currentHeight()+1) {
		if err != nil {
			return nil, fmt.Errorf("registry: %w", err)
		}
		nd := st.GetNode()
		if st.GetExpired() || bytes.Equal(nd.GetNodePubkey(), n.nodePub) || nd.GetEndpoint() == "" ||
			!slices.Contains(nd.GetArchitectures(), spec.ArchWasm32WASIP1) {
			continue
		}
		found = append(found, candidate{key: nd.GetNodePubkey(), operator: address.Address(nd.GetOperator()), endpoint: nd.GetEndpoint()})
		if len(found) == maxPeerCandidates {
			break
		}
	}
	var wg sync.WaitGroup
	for i := range found {
		wg.Add(1)
		go func(c *candidate) {
			defer wg.Done()
			qctx, cancel := context.WithTimeout(ctx, peerQuoteTimeout)
			defer cancel()
			q, err := n.peerClient(c.endpoint).PeerQuote(qctx, id.String())
			if err != nil {
				n.log.Info("peer: no quote", "peer", c.String(), "service", id, "err", err)
				c.endpoint = ""
				return
			}
			c.quote = q
			c.rep = n.peerReputation(qctx, c.operator, rec.GetSkill())
			c.score = score(q, c.rep)
		}(&found[i])
	}
	wg.Wait()
	found = slices.DeleteFunc(found, func(c candidate) bool { return c.endpoint == "" })
	slices.SortStableFunc(found, func(a, b candidate) int {
		if a.score != b.score {
			if a.score < b.score {
				return -1
			}
			return 1
		}
		return bytes.Compare(a.key, b.key)
	})
	if len(found) == 0 {
		return nil, errors.New("no active peer quoted the service")
	}
	return found, nil
}

// peerReputation is the proven reputation of operator in skillPath, read
// through the node's miner against the accepted root; nil (none) without
// a miner, an accepted root, or on any failure.
func (n *Node) peerReputation(ctx context.Context, operator address.Address, skillPath string) *big.Int {
	if n.cfg.MinerURL == "" {
		return nil
	}
	root, ok, err := n.acceptedRoot(ctx)
	if err != nil || !ok {
		return nil
	}
	sk, err := n.query.Skill(ctx, skillPath)
	if err != nil {
		return nil
	}
	mc, err := proofapi.NewClient(n.cfg.MinerURL)
	if err != nil {
		return nil
	}
	mc.HTTP = n.http
	rep, err := client.VerifiedReputation(ctx, mc, root, operator, sk.GetId())
	if err != nil {
		return nil
	}
	leaf, _, ok, err := rep.Proof(sk.GetId())
	if err != nil || !ok {
		return nil
	}
	return leaf.Reputation
}

// relayed is a child running on a peer: the gateway.Service the
// delegating node's gateway holds.
type relayed struct {
	n   *Node
	req gateway.StartRequest

	mu      sync.Mutex
	cur     *peerRun
	rest    []candidate // the next peers to try, best first
	stopped bool
}

// peerRun is the child on one peer.
type peerRun struct {
	cand  candidate
	child string
	calls uint64
}

// startNext starts the child on the best remaining candidate, dropping
// those that fail. r.mu is held or r is not shared yet.
func (r *relayed) startNext(ctx context.Context) error {
	var ancestors []string
	for _, a := range r.req.Ancestors {
		ancestors = append(ancestors, a.String())
	}
	var errs []error
	for len(r.rest) > 0 {
		c := r.rest[0]
		r.rest = r.rest[1:]
		sctx, cancel := context.WithTimeout(ctx, peerStartTimeout)
		ch, err := r.n.peerClient(c.endpoint).PeerStart(sctx, nodeapi.PeerStartRequest{ServiceID: r.req.ID.String(),
			Seed: hex.EncodeToString(r.req.Seed[:]), Ancestors: ancestors, MaxStart: c.quote.Start, MaxPerCall: c.quote.PerCall})
		cancel()
		if err == nil && (ch.Start > c.quote.Start || ch.PerCall > c.quote.PerCall) {
			// Overcharged: the child runs, but not at the price quoted.
			r.n.stopOnPeer(ctx, c, ch.Child)
			err = fmt.Errorf("price start %d per call %d above its quote %d, %d", ch.Start, ch.PerCall, c.quote.Start, c.quote.PerCall)
		}
		if err != nil {
			r.n.log.Warn("peer dropped: start", "peer", c.String(), "service", r.req.ID, "err", err)
			errs = append(errs, fmt.Errorf("peer %s: %w", c, err))
			continue
		}
		r.cur = &peerRun{cand: c, child: ch.Child}
		r.n.log.Info("child delegated", "service", r.req.ID, "peer", c.String(), "start", c.quote.Start, "per_call", c.quote.PerCall)
		return nil
	}
	return fmt.Errorf("delegate %s: %w: %w", r.req.ID, abi.ErrPeerFailed, errors.Join(append(errs, errors.New("no peer left"))...))
}

// Call implements gateway.Service: it relays the call to the current
// peer, and to the next ones if it fails.
func (r *relayed) Call(ctx context.Context, port int32, req []byte) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		if r.stopped || r.cur == nil {
			return nil, fmt.Errorf("%w: the delegated child stopped", abi.ErrPeerFailed)
		}
		cctx, cancel := context.WithTimeout(ctx, peerCallTimeout)
		resp, err := r.n.peerClient(r.cur.cand.endpoint).PeerCall(cctx, r.cur.child, port, req)
		cancel()
		var se *nodeapi.StatusError
		switch {
		case err == nil:
			r.cur.calls++
			return resp, nil
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case errors.As(err, &se) && (se.Status == http.StatusUnprocessableEntity || se.Status == http.StatusBadRequest):
			return nil, fmt.Errorf("%w: %s", abi.ErrChildFailed, se.Message)
		}
		// The peer failed: drop it, unpaid, and go on with the next.
		old := r.cur
		r.cur = nil
		r.n.log.Warn("peer dropped: call", "peer", old.cand.String(), "service", r.req.ID, "err", err)
		go r.n.stopOnPeer(context.WithoutCancel(ctx), old.cand, old.child)
		if err := r.startNext(ctx); err != nil {
			return nil, err
		}
	}
}

// Stop implements gateway.Service: it stops the child on its peer and
// pays the peer for what the node counted.
func (r *relayed) Stop(ctx context.Context) {
	r.mu.Lock()
	cur := r.cur
	already := r.stopped
	r.stopped = true
	r.mu.Unlock()
	r.n.delegated.remove(r)
	if already || cur == nil {
		return
	}
	u, err := r.n.stopOnPeer(ctx, cur.cand, cur.child)
	owed := cur.cand.quote.Start + cur.calls*cur.cand.quote.PerCall
	if err == nil && u.Owed > owed {
		r.n.log.Warn("peer claims more than its quote", "peer", cur.cand.String(), "claimed", u.Owed, "paying", owed, "calls_counted", cur.calls, "calls_claimed", u.Calls)
	}
	r.n.payPeer(ctx, cur.cand, owed)
}

// stopOnPeer stops a child on a peer, bounded by peerStopTimeout.
func (n *Node) stopOnPeer(ctx context.Context, c candidate, child string) (nodeapi.PeerUsage, error) {
	sctx, cancel := context.WithTimeout(ctx, peerStopTimeout)
	defer cancel()
	u, err := n.peerClient(c.endpoint).PeerStop(sctx, child)
	if err != nil {
		n.log.Info("peer: stop", "peer", c.String(), "child", child, "err", err)
	}
	return u, err
}

// payPeer pays the operator of c amount ucell on chain, in the
// background (one transaction per delegated child).
func (n *Node) payPeer(ctx context.Context, c candidate, amount uint64) {
	if amount == 0 || n.sender == nil {
		return
	}
	name := fmt.Sprintf("pay-peer-%x-%d", c.key[:6], time.Now().UnixNano())
	n.async(context.WithoutCancel(ctx), name, func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, peerSettleTimeout)
		defer cancel()
		_, err := n.sender.Send(ctx, client.WaitCheck, &ledgerpb.Msg{Sum: &ledgerpb.Msg_Send{Send: &ledgerpb.MsgSend{To: c.operator.Bytes(), Amount: amount}}})
		if err == nil {
			n.log.Info("peer paid", "peer", c.String(), "amount", amount)
		}
		return err
	})
}

// delegatedSet is the children this node runs on peers, for NET.
type delegatedSet struct {
	mu sync.Mutex
	m  map[*relayed]bool
}

func (s *delegatedSet) add(r *relayed) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[*relayed]bool{}
	}
	s.m[r] = true
}

func (s *delegatedSet) remove(r *relayed) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, r)
}

// of returns the addresses of the delegated children of service id: the
// peer's endpoint and the child's path, sorted.
func (s *delegatedSet) of(id spec.ID) []string {
	s.mu.Lock()
	all := make([]*relayed, 0, len(s.m))
	for r := range s.m {
		all = append(all, r)
	}
	s.mu.Unlock()
	var out []string
	for _, r := range all {
		r.mu.Lock()
		if r.req.ID == id && r.cur != nil && !r.stopped {
			out = append(out, r.cur.cand.endpoint+nodeapi.PeerChildPath(r.cur.child))
		}
		r.mu.Unlock()
	}
	slices.Sort(out)
	return out
}

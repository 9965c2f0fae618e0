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
	"sync/atomic"
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
//  4. Start on the best (peer.replicas of them: 1 or 2); a peer that
//     refuses, times out, errs or answers a price above its quote is
//     dropped and the next one tried.
//  5. Calls are relayed (peerCallTimeout each) to every replica. A peer
//     that fails a call (transport error, timeout, a 5xx, a lost child)
//     is dropped, and a new replica starts on the next candidate with
//     the same seed; the calls answered so far are replayed on it (at
//     most maxReplayCalls calls and maxReplayBytes bytes; beyond, it
//     starts fresh), so it holds the same memory, and it must answer
//     them as before. The service's own error (422) and a refused port
//     (400) are the child's answers, not a failure of the peer.
//  6. With two replicas, answers that differ are settled by a third
//     peer: the replica it contradicts is dropped, unpaid; if it agrees
//     with neither, the call fails (abi.ErrPeerFailed).
//
// Billing: the tree's budget (the service order's price) is charged the
// quotes of the first replicas (gateway: Start at start, PerCall per
// call). At stop the node pays each replica's operator on chain, a
// MsgSend of Start + calls × PerCall of its quote, with the calls the
// node counted itself (replays included); the peer's own claim
// (PeerUsage.Owed) is never paid above that. A dropped peer is paid
// nothing. A replacement's or tie-breaker's start is the node's cost,
// not the tree's.

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
	r := &relayed{n: d.n, req: req, rest: cands, replayable: true}
	var price gateway.Price
	for range d.n.cfg.Peer.Replicas {
		run, err := r.startRun(ctx)
		if err != nil {
			r.Stop(ctx)
			return nil, gateway.Price{}, err
		}
		r.runs = append(r.runs, run)
		price.Start += run.cand.quote.Start
		price.PerCall += run.cand.quote.PerCall
	}
	r.publish()
	d.n.delegated.add(r)
	return r, price, nil
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

// relayed is a child running on peers (peer.replicas of them): the
// gateway.Service the delegating node's gateway holds.
type relayed struct {
	n   *Node
	req gateway.StartRequest

	mu      sync.Mutex
	runs    []*peerRun  // the replicas, each on its own peer
	rest    []candidate // the next peers to try, best first
	history []relayCall // the calls answered, to replay on a new replica
	// replayable is false once history outgrew its bounds: a new replica
	// then starts fresh, without the calls before.
	replayable bool
	stopped    bool
	// addrs are the replicas' addresses, for NET, published after each
	// change of runs (so that NET does not wait for a call in flight).
	addrs atomic.Pointer[[]string]
}

// publish records the replicas' addresses. r.mu is held.
func (r *relayed) publish() {
	var a []string
	if !r.stopped {
		for _, run := range r.runs {
			a = append(a, run.cand.endpoint+nodeapi.PeerChildPath(run.child))
		}
	}
	r.addrs.Store(&a)
}

// peerRun is the child on one peer.
type peerRun struct {
	cand  candidate
	child string
	calls uint64
}

// relayCall is a call and its agreed answer.
type relayCall struct {
	port int32
	req  []byte
	ans  answer
}

// answer is what a replica answered: a response, or the service's own
// error (422), or the call's refusal (400); both are the child's answers
// and are compared between replicas.
type answer struct {
	resp   []byte
	status int    // 0, or 422 / 400
	msg    string // the service's error message
}

func (a answer) equal(b answer) bool {
	return a.status == b.status && a.msg == b.msg && bytes.Equal(a.resp, b.resp)
}

func (a answer) result() ([]byte, error) {
	if a.status != 0 {
		return nil, fmt.Errorf("%w: %s", abi.ErrChildFailed, a.msg)
	}
	return a.resp, nil
}

// Bounds of the history of a delegated child: beyond them a new
// replica starts fresh (its memory of the earlier calls is lost).
const (
	maxReplayCalls = 256
	maxReplayBytes = 4 << 20
)

// startRun starts the child on the best remaining candidate, dropping
// those that fail, and replays the history on it: a replica whose replay
// differs from the agreed answers is dropped too. r.mu is held or r is
// not shared yet.
func (r *relayed) startRun(ctx context.Context) (*peerRun, error) {
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
		run := &peerRun{cand: c, child: ch.Child}
		if err == nil {
			err = r.replay(ctx, run)
		}
		if err != nil {
			r.n.log.Warn("peer dropped: start", "peer", c.String(), "service", r.req.ID, "err", err)
			errs = append(errs, fmt.Errorf("peer %s: %w", c, err))
			continue
		}
		r.n.log.Info("child delegated", "service", r.req.ID, "peer", c.String(), "start", c.quote.Start, "per_call", c.quote.PerCall, "replayed", len(r.history))
		return run, nil
	}
	return nil, fmt.Errorf("delegate %s: %w: %w", r.req.ID, abi.ErrPeerFailed, errors.Join(append(errs, errors.New("no peer left"))...))
}

// replay sends the history's calls to a new replica; it must answer as
// agreed.
func (r *relayed) replay(ctx context.Context, run *peerRun) error {
	if !r.replayable {
		return nil
	}
	for i, h := range r.history {
		a, err := r.callRun(ctx, run, h.port, h.req)
		if err == nil && !a.equal(h.ans) {
			err = fmt.Errorf("replayed call %d answers otherwise than the other replicas", i)
		}
		if err != nil {
			r.n.stopOnPeer(ctx, run.cand, run.child)
			return err
		}
	}
	return nil
}

// callRun calls one replica. An error is the peer's failure (transport,
// timeout, 5xx, a lost child); the child's own errors are answers.
func (r *relayed) callRun(ctx context.Context, run *peerRun, port int32, req []byte) (answer, error) {
	cctx, cancel := context.WithTimeout(ctx, peerCallTimeout)
	defer cancel()
	resp, err := r.n.peerClient(run.cand.endpoint).PeerCall(cctx, run.child, port, req)
	var se *nodeapi.StatusError
	switch {
	case err == nil:
		run.calls++
		return answer{resp: resp}, nil
	case errors.As(err, &se) && (se.Status == http.StatusUnprocessableEntity || se.Status == http.StatusBadRequest):
		run.calls++
		return answer{status: se.Status, msg: se.Message}, nil
	}
	return answer{}, err
}

// drop forgets a replica, unpaid, and stops it on its peer in the
// background.
func (r *relayed) drop(ctx context.Context, run *peerRun, why string, err error) {
	r.runs = slices.DeleteFunc(r.runs, func(x *peerRun) bool { return x == run })
	r.n.log.Warn("peer dropped: "+why, "peer", run.cand.String(), "service", r.req.ID, "err", err)
	go r.n.stopOnPeer(context.WithoutCancel(ctx), run.cand, run.child)
}

// Call implements gateway.Service: it relays the call to every replica.
// A replica whose peer fails is dropped and replaced (the history
// replayed on the next peer). With two replicas that disagree, the next
// peer breaks the tie: the replica it contradicts is dropped, unpaid; if
// it agrees with neither, the call fails.
func (r *relayed) Call(ctx context.Context, port int32, req []byte) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	defer r.publish()
	if r.stopped {
		return nil, fmt.Errorf("%w: the delegated child stopped", abi.ErrPeerFailed)
	}
	for len(r.runs) < r.n.cfg.Peer.Replicas {
		run, err := r.startRun(ctx)
		if err != nil {
			return nil, err
		}
		r.runs = append(r.runs, run)
	}
	got := map[*peerRun]answer{}
	pending := slices.Clone(r.runs)
	for len(pending) > 0 {
		res := make([]answer, len(pending))
		errs := make([]error, len(pending))
		var wg sync.WaitGroup
		for i, run := range pending {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res[i], errs[i] = r.callRun(ctx, run, port, req)
			}()
		}
		wg.Wait()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		for i, run := range pending {
			if errs[i] != nil {
				r.drop(ctx, run, "call", errs[i])
			} else {
				got[run] = res[i]
			}
		}
		// Replace the failed replicas: a new one answers the history, then
		// this call.
		pending = nil
		for len(r.runs)+len(pending) < r.n.cfg.Peer.Replicas {
			run, err := r.startRun(ctx)
			if err != nil {
				return nil, err
			}
			pending = append(pending, run)
		}
		r.runs = append(r.runs, pending...)
	}
	answers := make([]answer, len(r.runs))
	for i, run := range r.runs {
		answers[i] = got[run]
	}
	agreed := answers[0]
	if len(answers) == 2 && !answers[0].equal(answers[1]) {
		tie, err := r.startRun(ctx)
		if err != nil {
			return nil, err
		}
		t, err := r.callRun(ctx, tie, port, req)
		if err != nil {
			r.drop(ctx, tie, "call", err)
			return nil, fmt.Errorf("%w: two replicas disagree and the third failed: %w", abi.ErrPeerFailed, err)
		}
		var keep []*peerRun
		for i, run := range slices.Clone(r.runs) {
			if answers[i].equal(t) {
				keep = append(keep, run)
			} else {
				r.drop(ctx, run, "answer contradicted", fmt.Errorf("its answer differs from two other peers'"))
			}
		}
		if len(keep) == 0 {
			r.drop(ctx, tie, "answer contradicted", errors.New("three peers answer three ways"))
			r.replayable, r.history = false, nil // the replicas took a call no history holds
			return nil, fmt.Errorf("%w: three peers answered three ways", abi.ErrPeerFailed)
		}
		r.runs = append(keep, tie)
		agreed = t
	}
	r.remember(port, req, agreed)
	return agreed.result()
}

// remember adds a call to the history, within its bounds.
func (r *relayed) remember(port int32, req []byte, a answer) {
	if !r.replayable {
		return
	}
	size := len(req) + len(a.resp)
	for _, h := range r.history {
		size += len(h.req) + len(h.ans.resp)
	}
	if len(r.history) >= maxReplayCalls || size > maxReplayBytes {
		r.replayable, r.history = false, nil
		return
	}
	r.history = append(r.history, relayCall{port: port, req: slices.Clone(req), ans: a})
}

// Stop implements gateway.Service: it stops the child on its peers and
// pays each for what the node counted.
func (r *relayed) Stop(ctx context.Context) {
	r.mu.Lock()
	runs := r.runs
	already := r.stopped
	r.stopped, r.runs = true, nil
	r.publish()
	r.mu.Unlock()
	r.n.delegated.remove(r)
	if already {
		return
	}
	for _, run := range runs {
		u, err := r.n.stopOnPeer(ctx, run.cand, run.child)
		owed := run.cand.quote.Start + run.calls*run.cand.quote.PerCall
		if err == nil && u.Owed > owed {
			r.n.log.Warn("peer claims more than its quote", "peer", run.cand.String(), "claimed", u.Owed, "paying", owed, "calls_counted", run.calls, "calls_claimed", u.Calls)
		}
		r.n.payPeer(ctx, run.cand, owed)
	}
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
		if a := r.addrs.Load(); r.req.ID == id && a != nil {
			out = append(out, *a...)
		}
	}
	slices.Sort(out)
	return out
}

package miner

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"iter"
	"math/big"
	"sync"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	ledgerrep "github.com/celltonomy/celltonomy/ledger/reputation"
	"github.com/celltonomy/celltonomy/reputation"
)

// fakeChain is a chain in memory: a skill tree, the logs of cycles, the
// mining status (which tests set, claims and challenges included) and
// the miners' records. Logs are served pageSize entries at a time. Sent
// messages are recorded; refuse, when set, decides the result of each.
type fakeChain struct {
	mu       sync.Mutex
	tree     reputation.SkillTree
	skills   []*ledgerpb.Skill
	logs     []reputation.Log // logs[c] is the log of cycle c; the last is open
	pageSize int
	decay    reputation.Params
	status   *ledgerpb.MiningStatus
	miners   map[address.Address]*ledgerpb.Miner
	height   int64 // since_height of a new stake
	params   *ledgerpb.Params
	sent     []*ledgerpb.Msg
	signer   address.Address
	queries  int
	refuse   func(*ledgerpb.Msg) (client.TxResult, error)
}

func newFakeChain(t *testing.T) *fakeChain {
	t.Helper()
	f := &fakeChain{pageSize: 2, decay: reputation.DefaultParams(), logs: []reputation.Log{nil},
		status: &ledgerpb.MiningStatus{}, miners: map[address.Address]*ledgerpb.Miner{},
		params: &ledgerpb.Params{MinMinerStake: 10, MinFee: 1, ReputationCycleBlocks: 10}}
	// compute (1), compute/genomics (2), compute/genomics/digest (3),
	// buyer (4)
	for _, s := range []struct {
		parent uint64
		path   string
	}{{0, "compute"}, {1, "compute/genomics"}, {2, "compute/genomics/digest"}, {0, "buyer"}} {
		f.addSkill(t, s.parent, s.path)
	}
	return f
}

func (f *fakeChain) addSkill(t *testing.T, parent uint64, path string) uint64 {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	id, err := f.tree.Add(parent)
	if err != nil {
		t.Fatal(err)
	}
	f.skills = append(f.skills, &ledgerpb.Skill{Id: id, Path: path, Parent: parent})
	return id
}

// append appends to the open cycle's log as the ledger does.
func (f *fakeChain) append(t *testing.T, user address.Address, skill uint64, amount int64) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	open := len(f.logs) - 1
	if _, err := f.logs[open].Append(&f.tree, NetworkColony(), reputation.Address(user), skill, big.NewInt(amount)); err != nil {
		t.Fatal(err)
	}
}

// freeze freezes the open cycle and opens the next.
func (f *fakeChain) freeze() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.logs = append(f.logs, nil)
	f.status.OpenCycle = uint64(len(f.logs) - 1)
}

// frozenLogs returns the logs of the frozen cycles.
func (f *fakeChain) frozenLogs() []reputation.Log {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]reputation.Log(nil), f.logs[:len(f.logs)-1]...)
}

func (f *fakeChain) Skills(context.Context) ([]*ledgerpb.Skill, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*ledgerpb.Skill(nil), f.skills...), nil
}

// Log serves the log of cycle pageSize entries a page, each page a query.
func (f *fakeChain) Log(_ context.Context, cycle uint64) iter.Seq2[*ledgerpb.ReputationLogResponse, error] {
	return func(yield func(*ledgerpb.ReputationLogResponse, error) bool) {
		for start := uint64(0); ; {
			res, more := f.logPage(cycle, start)
			if !yield(res, nil) || !more {
				return
			}
			start += uint64(len(res.Entries))
		}
	}
}

func (f *fakeChain) logPage(cycle, start uint64) (*ledgerpb.ReputationLogResponse, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queries++
	current := uint64(len(f.logs) - 1)
	res := &ledgerpb.ReputationLogResponse{Cycle: cycle, Start: start, CurrentCycle: current}
	if cycle > current {
		return res, false
	}
	log := f.logs[cycle]
	for i := start; i < uint64(len(log)) && len(res.Entries) < f.pageSize; i++ {
		e := log[i]
		res.Entries = append(res.Entries, ledgerrep.Entry{
			User: address.Address(e.User), Amount: e.Amount, Skill: e.Skill, Colony: address.Address(e.Colony),
			NUpdates: e.NUpdates, NPreviousUpdates: e.NPreviousUpdates,
		}.Record())
	}
	return res, start+uint64(len(res.Entries)) < uint64(len(log))
}

func (f *fakeChain) Decay(context.Context) (reputation.Params, error) { return f.decay, nil }

func (f *fakeChain) Mining(context.Context) (*ledgerpb.MiningStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return proto.Clone(f.status).(*ledgerpb.MiningStatus), nil
}

func (f *fakeChain) Miner(_ context.Context, a address.Address) (*ledgerpb.Miner, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if mi := f.miners[a]; mi != nil {
		return proto.Clone(mi).(*ledgerpb.Miner), nil
	}
	return nil, nil
}

// stake sets the record of miner a.
func (f *fakeChain) stake(a address.Address, stake uint64, since int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.miners[a] = &ledgerpb.Miner{Address: a.Bytes(), Stake: stake, SinceHeight: since}
}

func (f *fakeChain) Params(context.Context) (*ledgerpb.Params, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return proto.Clone(f.params).(*ledgerpb.Params), nil
}

// Send records msgs; refuse, when set, decides the result of the
// transaction from its first message. A MsgStakeMiner that succeeds
// stakes for the signer, the miner, since f.height when it is new.
func (f *fakeChain) Send(_ context.Context, msgs ...*ledgerpb.Msg) (client.TxResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, msgs...)
	if f.refuse != nil && len(msgs) > 0 {
		if res, err := f.refuse(msgs[0]); err != nil {
			return res, err
		}
	}
	for _, m := range msgs {
		if s := m.GetStakeMiner(); s != nil {
			mi := f.miners[f.signer]
			if mi == nil {
				mi = &ledgerpb.Miner{Address: f.signer.Bytes(), SinceHeight: f.height}
				f.miners[f.signer] = mi
			}
			mi.Stake += s.GetAmount()
		}
	}
	return client.TxResult{Height: 1}, nil
}

func (f *fakeChain) sentMsgs() []*ledgerpb.Msg {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*ledgerpb.Msg(nil), f.sent...)
}

// testKey returns a deterministic key and its address.
func testKey(label string) (ed25519.PrivateKey, address.Address) {
	seed := sha256.Sum256([]byte(label))
	k := ed25519.NewKeyFromSeed(seed[:])
	a, _ := address.FromPubKey(k.Public().(ed25519.PublicKey))
	return k, a
}

// testUser returns a deterministic user address.
func testUser(i int) address.Address {
	_, a := testKey(fmt.Sprintf("user-%d", i))
	return a
}

// replayAll replays logs from the empty state with reputation.Replay, the
// reference the miner is checked against.
func replayAll(t *testing.T, f *fakeChain, logs []reputation.Log) []*reputation.Result {
	t.Helper()
	var out []*reputation.Result
	var prev *reputation.State
	for i, log := range logs {
		res, err := reputation.Replay(prev, &f.tree, f.decay, log)
		if err != nil {
			t.Fatalf("cycle %d: %v", i, err)
		}
		out = append(out, res)
		prev = res.State
	}
	return out
}

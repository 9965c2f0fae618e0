package miner_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/client/follow"
	"github.com/celltonomy/celltonomy/internal/freeport"
	"github.com/celltonomy/celltonomy/internal/testchain"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/ledger/query"
	ledgerrep "github.com/celltonomy/celltonomy/ledger/reputation"
	"github.com/celltonomy/celltonomy/miner"
	"github.com/celltonomy/celltonomy/miner/proofapi"
	"github.com/celltonomy/celltonomy/reputation"
)

func labelKey(label string) (ed25519.PrivateKey, address.Address) {
	seed := sha256.Sum256([]byte(label))
	k := ed25519.NewKeyFromSeed(seed[:])
	a, _ := address.FromPubKey(k.Public().(ed25519.PublicKey))
	return k, a
}

// startChain starts a one-validator chain in this process whose
// reputation cycles last cycleBlocks blocks and mining windows
// windowBlocks, with funded accounts, and returns its RPC URL.
func startChain(t *testing.T, cycleBlocks, windowBlocks uint64, funded ...address.Address) (string, *ledgerpb.Params) {
	t.Helper()
	return startChainWith(t, func(p *ledgerpb.Params) { p.ReputationCycleBlocks, p.MiningWindowBlocks = cycleBlocks, windowBlocks }, funded...)
}

// startChainWith is startChain with the default params edited by edit.
func startChainWith(t *testing.T, edit func(*ledgerpb.Params), funded ...address.Address) (string, *ledgerpb.Params) {
	t.Helper()
	p := params.Default()
	edit(p)
	op, _ := labelKey("validator")
	g := &ledgerpb.Genesis{Params: p}
	for _, a := range funded {
		g.Accounts = append(g.Accounts, &ledgerpb.GenesisAccount{Address: a.String(), Balance: 1_000_000_000})
	}
	o := testchain.Options{ChainID: "miner-test", Genesis: g, Operator: op, CheckInvariants: true}
	if testing.Verbose() {
		o.Log = os.Stderr
	}
	return testchain.Start(t, o).RPC, p
}

func miningStatus(ctx context.Context, c *client.Client) (*ledgerpb.MiningStatus, error) {
	return c.Mining(ctx)
}

// chainSource reads the replay's input from the chain, for a replay
// independent of the miner's.
type chainSource struct {
	c *client.Client
	p *ledgerpb.Params
}

func (s chainSource) Skills(ctx context.Context) ([]*ledgerpb.Skill, error) {
	return client.All(s.c.Skills(ctx))
}

func (s chainSource) Log(ctx context.Context, cycle uint64) iter.Seq2[*ledgerpb.ReputationLogResponse, error] {
	return s.c.ReputationLog(ctx, cycle, 0)
}

func (s chainSource) Decay(context.Context) (reputation.Params, error) {
	return reputation.Params{DecayNumerator: s.p.DecayNumerator, DecayDenominator: s.p.DecayDenominator}, nil
}

// TestMinerOnChain runs a real chain with short cycles and one miner: the
// miner stakes, cycle 0 freezes, the miner submits, its root is accepted;
// its reward enters cycle 1's log, which is mined and accepted too; the
// accepted roots are what reputation.Replay gives for the chain's logs,
// and the miner's proof of its own reputation verifies against the
// accepted root.
func TestMinerOnChain(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a chain")
	}
	key, addr := labelKey("miner")
	rpc, p := startChain(t, 5, 4, addr)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	var logs safeBuffer
	logw := io.Writer(&logs)
	if testing.Verbose() {
		logw = io.MultiWriter(logw, os.Stderr)
	}
	fcfg := follow.NewConfig().WithPollInterval(200*time.Millisecond).WithBackoff(50*time.Millisecond, time.Second)
	ln := freeport.Listen(t)
	m, err := miner.New(miner.Options{ChainRPC: rpc, Key: key, Listener: ln, Stake: 3 * p.MinMinerStake, Follow: &fcfg,
		DataDir: t.TempDir(), Log: slog.New(slog.NewTextHandler(logw, nil))})
	if err != nil {
		t.Fatal(err)
	}
	runErr := make(chan error, 1)
	go func() { runErr <- m.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-runErr; err != nil {
			t.Errorf("miner: %v", err)
		}
	}()

	c, err := client.New(rpc)
	if err != nil {
		t.Fatal(err)
	}
	var st *ledgerpb.MiningStatus
	for {
		st, err = miningStatus(ctx, c)
		if err == nil && st.GetAccepted() != nil && st.GetAccepted().GetCycle() >= 1 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no root of cycle 1 accepted in time (status %v, err %v); miner log:\n%s", st, err, logs.String())
		case <-time.After(200 * time.Millisecond):
		}
	}
	acc, err := proofapi.RootFromProto(st.GetAccepted())
	if err != nil {
		t.Fatal(err)
	}

	// The accepted root is reputation.Replay of the chain's logs.
	r := miner.NewReplayer(chainSource{c: c, p: p})
	if _, err := r.Sync(ctx, acc.Cycle); err != nil {
		t.Fatal(err)
	}
	want, _ := r.Cycle(acc.Cycle)
	if want.Root != acc.Root || want.NLeaves != acc.NLeaves || want.JRH != acc.JRH {
		t.Errorf("accepted root of cycle %d: %x (%d leaves, jrh %x); replay gives %x (%d, %x)", acc.Cycle, acc.Root, acc.NLeaves, acc.JRH, want.Root, want.NLeaves, want.JRH)
	}
	if want.Entries == 0 {
		t.Errorf("cycle %d's log is empty: the miner's reward of cycle %d is missing", acc.Cycle, acc.Cycle-1)
	}

	// The miner agrees, and proves its reputation in "mining".
	mc, err := proofapi.NewClient("http://" + m.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	var roots *proofapi.RootsResponse
	for {
		roots, err = mc.Roots(ctx)
		if err == nil && roots.Accepted != nil && roots.Accepted.Cycle >= acc.Cycle && roots.Agrees != nil {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("miner did not check the accepted root: %+v, %v", roots, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
	if !*roots.Agrees {
		t.Fatalf("the miner disagrees with the accepted root: %+v; log:\n%s", roots, logs.String())
	}
	accNow, ok, err := c.AcceptedRoot(ctx)
	if err != nil || !ok {
		t.Fatalf("accepted root: %v, %v", ok, err)
	}
	resp, err := mc.Reputation(ctx, addr, 0)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Cycle != accNow.Cycle { // a cycle was accepted in between
		if accNow, _, err = c.AcceptedRoot(ctx); err != nil {
			t.Fatal(err)
		}
	}
	leaves, err := proofapi.VerifyReputation(resp, accNow, addr)
	if err != nil {
		t.Fatal(err)
	}
	if len(leaves) != 1 || leaves[0].Path != "mining" || leaves[0].Reputation.Sign() <= 0 {
		t.Errorf("the miner's leaves = %+v, want its reward in mining", leaves)
	}
	stake := stakeOf(ctx, t, c, addr)
	if stake != 3*p.MinMinerStake {
		t.Errorf("stake = %d, want %d", stake, 3*p.MinMinerStake)
	}
	if !strings.Contains(logs.String(), "accepted root agrees with ours") {
		t.Errorf("no agreement in the log:\n%s", logs.String())
	}
}

func stakeOf(ctx context.Context, t *testing.T, c *client.Client, a address.Address) uint64 {
	t.Helper()
	mi, err := c.Miner(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return mi.GetStake()
}

// safeBuffer is a bytes.Buffer safe for concurrent use.
type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runMiner runs a miner of key against rpc until the test ends, its
// options edited by edit (if not nil), and returns it with its log.
func runMiner(t *testing.T, ctx context.Context, rpc string, key ed25519.PrivateKey, edit func(*miner.Options)) (*miner.Miner, *safeBuffer) {
	t.Helper()
	logs := &safeBuffer{}
	logw := io.Writer(logs)
	if testing.Verbose() {
		logw = io.MultiWriter(logw, os.Stderr)
	}
	fcfg := follow.NewConfig().WithPollInterval(100*time.Millisecond).WithBackoff(50*time.Millisecond, time.Second)
	ln := freeport.Listen(t)
	o := miner.Options{ChainRPC: rpc, Key: key, Listener: ln, Follow: &fcfg, Log: slog.New(slog.NewTextHandler(logw, nil))}
	if edit != nil {
		edit(&o)
	}
	m, err := miner.New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(ctx)
	runErr := make(chan error, 1)
	go func() { runErr <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-runErr; err != nil {
			t.Errorf("miner: %v", err)
		}
	})
	return m, logs
}

// TestMinersChallengeOnChain runs an honest miner and a miner with the
// fault wrong-root on a real chain: both submit for the first cycle with
// updates, the challenge runs with nobody but the two miners answering,
// the honest root is accepted and the faulty miner loses its stake, half
// of it to the honest miner, its only defender.
func TestMinersChallengeOnChain(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a chain")
	}
	honestKey, honest := labelKey("honest miner")
	faultyKey, faulty := labelKey("faulty miner")
	rpc, p := startChainWith(t, func(p *ledgerpb.Params) {
		p.ReputationCycleBlocks, p.MiningWindowBlocks = 5, 4
		p.MinerMinStakedCycles, p.MiningResponseWindowBlocks = 1, 10
	}, honest, faulty)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	_, hlogs := runMiner(t, ctx, rpc, honestKey, nil)
	_, flogs := runMiner(t, ctx, rpc, faultyKey, func(o *miner.Options) { o.Fault = miner.FaultWrongRoot })
	c, err := client.New(rpc)
	if err != nil {
		t.Fatal(err)
	}
	found, err := c.WaitEvents(ctx, client.Match(ledgerrep.EventMinerSlashed{Miner: faulty}))
	if err != nil {
		t.Fatalf("the faulty miner was not slashed: %v\nhonest miner:\n%s\nfaulty miner:\n%s", err, hlogs.String(), flogs.String())
	}
	slashed, _ := event.Find[ledgerrep.EventMinerSlashed](found[0].Events)
	stake, share := p.MinMinerStake, p.MinMinerStake*uint64(p.MinerSlashDefenderBps)/10_000
	if slashed.Stake != stake || slashed.Defenders != share || slashed.Treasury != stake-share {
		t.Errorf("miner_slashed %+v: want stake %d, %d to the defender, the rest to the treasury", slashed, stake, share)
	}
	cycle := fmt.Sprint(slashed.Cycle)
	// The honest claim is accepted, and it is the honest miner's root.
	var st *ledgerpb.MiningStatus
	for {
		st, err = miningStatus(ctx, c)
		if err == nil && st.GetAccepted() != nil && fmt.Sprint(st.GetAccepted().GetCycle()) == cycle {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no root of cycle %s accepted: %v", cycle, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
	r := miner.NewReplayer(chainSource{c: c, p: p})
	if _, err := r.Sync(ctx, st.GetAccepted().GetCycle()); err != nil {
		t.Fatal(err)
	}
	want, _ := r.Latest()
	if !bytes.Equal(st.GetAccepted().GetRoot(), want.Root[:]) {
		t.Errorf("accepted root %x, the replay gives %x", st.GetAccepted().GetRoot(), want.Root)
	}
	if _, err := c.Miner(ctx, faulty); !errors.Is(err, query.ErrNotFound) {
		t.Errorf("the faulty miner is still a miner (%v)", err)
	}
	for _, want := range []string{"our claim is challenged", "answering challenge", "challenge answered", "step=respond"} {
		if !strings.Contains(hlogs.String(), want) {
			t.Errorf("honest miner's log lacks %q:\n%s", want, hlogs.String())
		}
	}
	for _, want := range []string{"fault wrong-root: the replay is forged, its claim is submitted and defended", "challenge answer refused", "our forged claim lost its challenge"} {
		if !strings.Contains(flogs.String(), want) {
			t.Errorf("faulty miner's log lacks %q:\n%s", want, flogs.String())
		}
	}
}

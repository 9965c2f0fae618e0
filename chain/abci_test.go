package chain

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	dbm "github.com/cosmos/iavl/db"
	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/auth"
	"github.com/celltonomy/celltonomy/ledger/bank"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/mint"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/ledger/query"
	"github.com/celltonomy/celltonomy/ledger/treasury"
	"github.com/celltonomy/celltonomy/ledger/tx"
)

const testChainID = "abci-test"

type testKey struct {
	priv ed25519.PrivateKey
	addr address.Address
}

func newTestKey(name string) testKey {
	seed := sha256.Sum256([]byte(name))
	priv := ed25519.NewKeyFromSeed(seed[:])
	addr, _ := address.FromPubKey(priv.Public().(ed25519.PublicKey))
	return testKey{priv, addr}
}

var (
	alice    = newTestKey("alice")
	bob      = newTestKey("bob")
	operator = newTestKey("operator")
	consKey  = newTestKey("consensus")
)

const aliceFunds = 100_000

// newTestApp returns an Application over an in-memory IAVL tree after
// InitChain: alice holds aliceFunds ucell, bob nothing, and operator's
// validator is the only one.
func newTestApp(t testing.TB) *Application {
	t.Helper()
	a, err := NewApplication(dbm.NewMemDB(), testChainID)
	if err != nil {
		t.Fatal(err)
	}
	appState, err := LedgerGenesis([]*ledgerpb.GenesisAccount{
		{Address: alice.addr.String(), Balance: aliceFunds},
		{Address: operator.addr.String(), Balance: 10_000_000},
	}, []*ledgerpb.GenesisValidator{{
		Operator: operator.addr.String(), ConsensusPubkey: consKey.priv.Public().(ed25519.PublicKey), SelfBond: 1_000_000, Moniker: "solo",
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.InitChain(context.Background(), &abci.InitChainRequest{ChainId: testChainID, AppStateBytes: appState, InitialHeight: 1}); err != nil {
		t.Fatal(err)
	}
	return a
}

// proposal is a block of the test chain: its header fields as CometBFT
// passes them, and its transactions.
type proposal struct {
	height int64
	txs    [][]byte
	round  int // another round's block at the same height has another hash
}

func (p proposal) hash() []byte {
	h := sha256.Sum256(fmt.Appendf(nil, "block %d round %d %x", p.height, p.round, p.txs))
	return h[:]
}

func (p proposal) time() time.Time { return time.Unix(1_700_000_000+p.height, 0).UTC() }

func (p proposal) process() *abci.ProcessProposalRequest {
	return &abci.ProcessProposalRequest{Txs: p.txs, Hash: p.hash(), Height: p.height, Time: p.time(), ProposerAddress: consKey.addr[:]}
}

func (p proposal) finalize() *abci.FinalizeBlockRequest {
	return &abci.FinalizeBlockRequest{Txs: p.txs, Hash: p.hash(), Height: p.height, Time: p.time(), ProposerAddress: consKey.addr[:]}
}

func mustProcess(t testing.TB, a *Application, p proposal) abci.ProcessProposalStatus {
	t.Helper()
	r, err := a.ProcessProposal(context.Background(), p.process())
	if err != nil {
		t.Fatal(err)
	}
	return r.Status
}

func mustFinalize(t testing.TB, a *Application, p proposal) *abci.FinalizeBlockResponse {
	t.Helper()
	r, err := a.FinalizeBlock(context.Background(), p.finalize())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Commit(context.Background(), &abci.CommitRequest{}); err != nil {
		t.Fatal(err)
	}
	return r
}

func sendTx(t testing.TB, from testKey, seq, fee uint64, to testKey, amount uint64) []byte {
	t.Helper()
	raw, err := tx.Sign(from.priv, &ledgerpb.TxBody{ChainId: testChainID, Sequence: seq, Fee: fee,
		Messages: []*ledgerpb.Msg{{Sum: &ledgerpb.Msg_Send{Send: &ledgerpb.MsgSend{To: to.addr[:], Amount: amount}}}}})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// addrReq is the data of a query about one account.
func addrReq(a address.Address) []byte {
	b, err := proto.Marshal(&ledgerpb.AddressRequest{Address: a.Bytes()})
	if err != nil {
		panic(err)
	}
	return b
}

func queryBalance(t testing.TB, a *Application, addr address.Address) uint64 {
	t.Helper()
	r, err := a.Query(context.Background(), &abci.QueryRequest{Path: query.AppPrefix + query.Balance, Data: addrReq(addr)})
	if err != nil || r.Code != 0 {
		t.Fatalf("query balance: %v %s", err, r.GetLog())
	}
	var b ledgerpb.BalanceResponse
	if err := proto.Unmarshal(r.Value, &b); err != nil {
		t.Fatal(err)
	}
	return b.Balance
}

// TestByzantineProposerFreeTransaction: a proposer includes a transaction
// whose fee its signer cannot pay once the block's earlier transactions
// ran (alice spends her whole balance, then sends again: both passed
// CheckTx, which charges fees only), or one that fails its signature,
// sequence or fee check outright. FinalizeBlock would refuse such a
// transaction without charging it: it would take block space for free.
// Every validator's ProcessProposal rejects the block, and nothing of it
// reaches the state. An honest proposer's PrepareProposal leaves the
// transaction out, and its block is accepted and commits.
func TestByzantineProposerFreeTransaction(t *testing.T) {
	ctx := context.Background()
	a := newTestApp(t)
	mustFinalize(t, a, proposal{height: 1})
	fee := params.Default().MinFee
	spend := sendTx(t, alice, 0, fee, bob, aliceFunds-fee)
	free := sendTx(t, alice, 1, fee, bob, 1)
	for i, tx := range [][]byte{spend, free} {
		if r, _ := a.CheckTx(ctx, &abci.CheckTxRequest{Tx: tx}); r.Code != 0 {
			t.Fatalf("CheckTx %d: %s", i, r.Log)
		}
	}
	badSig := sendTx(t, bob, 0, fee, alice, 1)
	badSig[len(badSig)-1] ^= 1
	for _, tc := range []struct {
		name string
		txs  [][]byte
	}{
		{"fee spent by an earlier transaction", [][]byte{spend, free}},
		{"bad signature", [][]byte{spend, badSig}},
		{"replayed sequence", [][]byte{spend, spend}},
		{"fee above balance", [][]byte{sendTx(t, bob, 0, fee, alice, 1)}},
		{"not a transaction", [][]byte{[]byte("free ride")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hash := a.tree.WorkingHash()
			if got := mustProcess(t, a, proposal{height: 2, txs: tc.txs}); got != abci.PROCESS_PROPOSAL_STATUS_REJECT {
				t.Fatalf("ProcessProposal: %v, want REJECT", got)
			}
			if a.proposal != nil || !bytes.Equal(a.tree.WorkingHash(), hash) {
				t.Fatal("a rejected proposal left state behind")
			}
			for _, k := range []address.Address{alice.addr, bob.addr, operator.addr, treasury.Address()} {
				want := map[address.Address]uint64{alice.addr: aliceFunds, operator.addr: 10_000_000 - 1_000_000}[k]
				if got := queryBalance(t, a, k); got != want {
					t.Fatalf("balance of %s: %d, want %d", k, got, want)
				}
			}
		})
	}

	prep, err := a.PrepareProposal(ctx, &abci.PrepareProposalRequest{Txs: [][]byte{spend, free, badSig}, MaxTxBytes: 1 << 20, Height: 2, Time: proposal{height: 2}.time()})
	if err != nil {
		t.Fatal(err)
	}
	if len(prep.Txs) != 1 || !bytes.Equal(prep.Txs[0], spend) {
		t.Fatalf("PrepareProposal kept %d transactions, want only the spend", len(prep.Txs))
	}
	honest := proposal{height: 2, txs: prep.Txs}
	if got := mustProcess(t, a, honest); got != abci.PROCESS_PROPOSAL_STATUS_ACCEPT {
		t.Fatalf("honest block: %v", got)
	}
	res := mustFinalize(t, a, honest)
	if len(res.TxResults) != 1 || res.TxResults[0].Code != 0 {
		t.Fatalf("honest block results %+v", res.TxResults)
	}
	if got := queryBalance(t, a, bob.addr); got != aliceFunds-fee {
		t.Fatalf("bob %d", got)
	}
	if got := queryBalance(t, a, alice.addr); got != 0 {
		t.Fatalf("alice %d", got)
	}
}

// TestFinalizeBlockAppliesTheProcessedBlock runs the same blocks on three
// applications: one finalizes each block after processing it (FinalizeBlock
// writes ProcessProposal's branch), one without processing it
// (FinalizeBlock executes it), and one after processing another round's
// block at the same height (FinalizeBlock must not write that one). Their
// results and app hashes must be identical at every height. A fourth, whose
// processed branch is tampered with, shows that the first really reused
// it.
func TestFinalizeBlockAppliesTheProcessedBlock(t *testing.T) {
	reuse, fresh, other, tampered := newTestApp(t), newTestApp(t), newTestApp(t), newTestApp(t)
	fee := params.Default().MinFee
	blocks := []proposal{
		{height: 1, txs: [][]byte{sendTx(t, alice, 0, fee, bob, 1_000)}},
		{height: 2, txs: [][]byte{sendTx(t, alice, 1, fee, bob, 2_000), sendTx(t, bob, 0, fee, alice, 5_000) /* charged, fails */}},
		{height: 3},
		{height: 4, txs: [][]byte{sendTx(t, bob, 1, fee, alice, 500), sendTx(t, alice, 2, fee, bob, 1)}},
	}
	for _, b := range blocks {
		for _, a := range []*Application{reuse, tampered} {
			if got := mustProcess(t, a, b); got != abci.PROCESS_PROPOSAL_STATUS_ACCEPT {
				t.Fatalf("height %d: %v", b.height, got)
			}
		}
		tampered.proposal.state.Set([]byte("tampered"), []byte{1})
		decoy := proposal{height: b.height, round: 1, txs: b.txs[:len(b.txs)/2]}
		if got := mustProcess(t, other, decoy); got != abci.PROCESS_PROPOSAL_STATUS_ACCEPT {
			t.Fatalf("height %d decoy: %v", b.height, got)
		}
		want := mustFinalize(t, fresh, b)
		for name, a := range map[string]*Application{"reused": reuse, "other round processed": other} {
			got := mustFinalize(t, a, b)
			if !bytes.Equal(got.AppHash, want.AppHash) || len(got.TxResults) != len(want.TxResults) {
				t.Fatalf("height %d, %s: app hash %X, want %X", b.height, name, got.AppHash, want.AppHash)
			}
			for i := range got.TxResults {
				if got.TxResults[i].Code != want.TxResults[i].Code || got.TxResults[i].Log != want.TxResults[i].Log {
					t.Fatalf("height %d, %s, tx %d: %+v, want %+v", b.height, name, i, got.TxResults[i], want.TxResults[i])
				}
			}
		}
		if got := mustFinalize(t, tampered, b); bytes.Equal(got.AppHash, want.AppHash) {
			t.Fatalf("height %d: the tampered branch was not the one written", b.height)
		}
		if r := want.TxResults; b.height == 2 && (r[0].Code != 0 || r[1].Code == 0) {
			t.Fatalf("height 2 results %+v: want a success and a charged failure", r)
		}
	}
}

// TestQueryDuringCommit: a query must not wait for the consensus lock,
// which a block holds while it executes and commits (a slow block used to
// stall every query, and with them the clients and nodes that poll).
func TestQueryDuringCommit(t *testing.T) {
	a := newTestApp(t)
	fee := params.Default().MinFee
	mustFinalize(t, a, proposal{height: 1, txs: [][]byte{sendTx(t, alice, 0, fee, bob, 1_234)}})

	a.mu.Lock() // as FinalizeBlock or Commit does
	done := make(chan uint64, 1)
	go func() { done <- queryBalance(t, a, bob.addr) }()
	select {
	case got := <-done:
		if got != 1_234 {
			t.Errorf("bob %d, want 1234", got)
		}
	case <-time.After(10 * time.Second):
		t.Error("the query waited for the consensus lock")
	}
	a.mu.Unlock()
}

// TestQueriesReadCommittedSnapshots runs queries on several goroutines
// while blocks execute and commit: each must succeed and see a committed
// state, in which alice's and bob's balances and the accounts that
// receive fees and minting (the treasury, "rewards", "mining_rewards")
// add up to what alice started with, plus what was minted, less what was
// burned. Run it with -race.
func TestQueriesReadCommittedSnapshots(t *testing.T) {
	a := newTestApp(t)
	mustFinalize(t, a, proposal{height: 1})
	fee := params.Default().MinFee
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 4)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				// One app query sees one snapshot: the sum of the three
				// balances comes from raw keys of one height.
				h := a.last.Load().Version()
				var sum uint64
				for _, k := range []address.Address{alice.addr, bob.addr, treasury.Address(),
					bank.ModuleAddress(mint.RewardsAccount), bank.ModuleAddress(mint.MiningRewardsAccount)} {
					r, _ := a.Query(context.Background(), &abci.QueryRequest{Path: query.AppPrefix + query.Balance, Data: addrReq(k), Height: h})
					if r.Code != 0 {
						errs <- fmt.Errorf("query at %d: %s", h, r.Log)
						return
					}
					var b ledgerpb.BalanceResponse
					proto.Unmarshal(r.Value, &b)
					sum += b.Balance
				}
				var sup ledgerpb.SupplyResponse
				r, _ := a.Query(context.Background(), &abci.QueryRequest{Path: query.AppPrefix + query.Supply, Height: h})
				if r.Code != 0 || proto.Unmarshal(r.Value, &sup) != nil {
					errs <- fmt.Errorf("supply at %d: %s", h, r.Log)
					return
				}
				if sum+sup.Burned != aliceFunds+sup.Minted {
					errs <- fmt.Errorf("height %d: balances add up to %d, want %d + minted %d - burned %d", h, sum, aliceFunds, sup.Minted, sup.Burned)
					return
				}
				var vals ledgerpb.ValidatorsResponse
				r, _ = a.Query(context.Background(), &abci.QueryRequest{Path: query.AppPrefix + query.Validators})
				if r.Code != 0 || proto.Unmarshal(r.Value, &vals) != nil || len(vals.Validators) != 1 {
					errs <- fmt.Errorf("validators: %s %v", r.Log, &vals)
					return
				}
				r, _ = a.Query(context.Background(), &abci.QueryRequest{Path: query.Store, Data: []byte("bank/supply"), Prove: true})
				if r.Code != 0 || r.ProofOps == nil {
					errs <- fmt.Errorf("proven query: %s", r.Log)
					return
				}
			}
		}()
	}
	for h := int64(2); h < 40; h++ {
		b := proposal{height: h, txs: [][]byte{sendTx(t, alice, uint64(h-2), fee, bob, 10)}}
		if got := mustProcess(t, a, b); got != abci.PROCESS_PROPOSAL_STATUS_ACCEPT {
			t.Fatalf("height %d: %v", h, got)
		}
		mustFinalize(t, a, b)
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestCheckTxBeforeFirstCommit: between InitChain and the first Commit
// (a client that sees height 1 in the block store before the app commits
// it), CheckTx and the simulation read the genesis state. IAVL's fast
// index of an unsaved tree answers "absent" for every key, so the check
// state must not read through it.
func TestCheckTxBeforeFirstCommit(t *testing.T) {
	a := newTestApp(t)
	raw := sendTx(t, alice, 0, params.Default().MinFee, bob, 10)
	r, err := a.CheckTx(context.Background(), &abci.CheckTxRequest{Tx: raw})
	if err != nil {
		t.Fatal(err)
	}
	if r.Code != 0 {
		t.Fatalf("CheckTx before the first commit: code %d: %s", r.Code, r.Log)
	}
	// After block 1 is finalized but not yet committed, too.
	b := newTestApp(t)
	p := proposal{height: 1}
	if _, err := b.FinalizeBlock(context.Background(), p.finalize()); err != nil {
		t.Fatal(err)
	}
	data, err := proto.Marshal(&ledgerpb.SimulateRequest{Tx: raw})
	if err != nil {
		t.Fatal(err)
	}
	q, err := b.Query(context.Background(), &abci.QueryRequest{Path: query.AppPrefix + query.Simulate, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	var res ledgerpb.SimulateResponse
	if err := proto.Unmarshal(q.Value, &res); err != nil || q.Code != 0 {
		t.Fatalf("simulate: query code %d %s: %v", q.Code, q.Log, err)
	}
	if res.Code != 0 {
		t.Fatalf("simulate between FinalizeBlock 1 and Commit: code %d: %s", res.Code, res.Log)
	}
}

// TestProcessProposalReusesThePreparedBlock: the proposer's
// ProcessProposal of the block its PrepareProposal just executed takes
// that execution, without running the block again, when the inputs are
// the same (height, time, proposer, last commit, misbehavior,
// transactions) and the execution did not read the block hash; the app
// hashes and results are those of a node that executes every block
// fresh. Otherwise — another time, a block with a transaction left out,
// an execution that read the hash — the block runs again.
func TestProcessProposalReusesThePreparedBlock(t *testing.T) {
	ctx := context.Background()
	proposer, fresh := newTestApp(t), newTestApp(t)
	fee := params.Default().MinFee
	prepare := func(p proposal, time time.Time) [][]byte {
		t.Helper()
		r, err := proposer.PrepareProposal(ctx, &abci.PrepareProposalRequest{Txs: p.txs, MaxTxBytes: 1 << 20, Height: p.height, Time: time, ProposerAddress: consKey.addr[:]})
		if err != nil {
			t.Fatal(err)
		}
		return r.Txs
	}
	for _, c := range []struct {
		name   string
		block  proposal
		time   time.Time // of the prepared block; zero: the block's
		unpaid bool      // the block's last transaction is not charged
		read   bool      // the prepared execution is marked as having read the hash
		reused bool
	}{
		{name: "transfers", block: proposal{height: 1, txs: [][]byte{sendTx(t, alice, 0, fee, bob, 1_000), sendTx(t, alice, 1, fee, bob, 2_000)}}, reused: true},
		{name: "charged failure", block: proposal{height: 2, txs: [][]byte{sendTx(t, bob, 0, fee, alice, 1<<40)}}, reused: true},
		{name: "empty", block: proposal{height: 3}, reused: true},
		{name: "other time", block: proposal{height: 4, txs: [][]byte{sendTx(t, alice, 2, fee, bob, 1)}}, time: time.Unix(1, 0)},
		{name: "left out", block: proposal{height: 5, txs: [][]byte{sendTx(t, alice, 3, fee, bob, 1), sendTx(t, alice, 3, fee, bob, 2)}}, unpaid: true},
		{name: "hash read", block: proposal{height: 6, txs: [][]byte{sendTx(t, alice, 4, fee, bob, 1)}}, read: true},
	} {
		tm := c.time
		if tm.IsZero() {
			tm = c.block.time()
		}
		txs := prepare(c.block, tm)
		if c.unpaid {
			if len(txs) != len(c.block.txs)-1 {
				t.Fatalf("%s: prepared %d transactions of %d", c.name, len(txs), len(c.block.txs))
			}
			c.block.txs = txs
		}
		if c.read {
			proposer.prepared.result.HashRead = true
		}
		runs := proposer.runs
		if got := mustProcess(t, proposer, c.block); got != abci.PROCESS_PROPOSAL_STATUS_ACCEPT {
			t.Fatalf("%s: %v", c.name, got)
		}
		if reused := proposer.runs == runs; reused != c.reused {
			t.Fatalf("%s: reused %v, want %v", c.name, reused, c.reused)
		}
		if !bytes.Equal(proposer.proposal.hash, c.block.hash()) {
			t.Fatalf("%s: the accepted block has hash %X, want %X", c.name, proposer.proposal.hash, c.block.hash())
		}
		got, want := mustFinalize(t, proposer, c.block), mustFinalize(t, fresh, c.block)
		if proposer.runs != runs+1 && !c.reused || proposer.runs != runs && c.reused {
			t.Fatalf("%s: FinalizeBlock executed the block again", c.name)
		}
		if !bytes.Equal(got.AppHash, want.AppHash) {
			t.Fatalf("%s: app hash %X, want %X", c.name, got.AppHash, want.AppHash)
		}
		if !reflect.DeepEqual(got.TxResults, want.TxResults) || !reflect.DeepEqual(got.Events, want.Events) {
			t.Fatalf("%s: results %v, events %v; want %v, %v", c.name, got.TxResults, got.Events, want.TxResults, want.Events)
		}
	}
}

// TestCheckTxParamsFollowCommits: CheckTx reads the params once per
// committed state; a params change committed by a block applies to the
// next CheckTx (here min_fee, raised in the tree as a passed proposal
// would, and committed).
func TestCheckTxParamsFollowCommits(t *testing.T) {
	ctx := context.Background()
	a := newTestApp(t)
	fee := params.Default().MinFee
	check := func(raw []byte) *abci.CheckTxResponse {
		t.Helper()
		r, err := a.CheckTx(ctx, &abci.CheckTxRequest{Tx: raw, Type: abci.CHECK_TX_TYPE_CHECK})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := check(sendTx(t, alice, 0, fee, bob, 1)); r.Code != 0 {
		t.Fatalf("at the genesis params: code %d: %s", r.Code, r.Log)
	}
	mustFinalize(t, a, proposal{height: 1})
	p, err := params.Get(newTreeStore(a.tree))
	if err != nil {
		t.Fatal(err)
	}
	p.MinFee = fee + 1
	if err := params.Set(newTreeStore(a.tree), p); err != nil {
		t.Fatal(err)
	}
	mustFinalize(t, a, proposal{height: 2})
	r := check(sendTx(t, alice, 0, fee, bob, 1))
	if c := auth.ErrFeeTooLow; r.Code != c.Number || r.Codespace != c.Codespace {
		t.Fatalf("after min_fee rose: code %s/%d (%s), want fee too low", r.Codespace, r.Code, r.Log)
	}
	if r := check(sendTx(t, alice, 0, fee+1, bob, 1)); r.Code != 0 {
		t.Fatalf("at the new min fee: code %d: %s", r.Code, r.Log)
	}
}

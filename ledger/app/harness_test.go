package app

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/ledger/registry"
	"github.com/celltonomy/celltonomy/ledger/reputation"
	"github.com/celltonomy/celltonomy/ledger/staking"
	"github.com/celltonomy/celltonomy/ledger/store"
	"github.com/celltonomy/celltonomy/ledger/tx"
)

const testChainID = "celltonomy-test-1"

// key is a named test key derived from its name, so every run (and both
// apps of a replay) uses the same keys.
type key struct {
	name string
	priv ed25519.PrivateKey
	addr address.Address
}

func newKey(name string) key {
	seed := sha256.Sum256([]byte("test key " + name))
	priv := ed25519.NewKeyFromSeed(seed[:])
	addr, _ := address.FromPubKey(priv.Public().(ed25519.PublicKey))
	k := key{name: name, priv: priv, addr: addr}
	keysByPub()[string(priv.Public().(ed25519.PublicKey))] = k
	return k
}

var testKeys map[string]key

// keysByPub maps the public key of every test key made so far to it, so
// that the harness can sign what a message needs signed by a node or
// consensus key (possession proofs).
func keysByPub() map[string]key {
	if testKeys == nil {
		testKeys = map[string]key{}
	}
	return testKeys
}

// withProofs fills the possession proofs a test left empty: the node
// key's signature of an announcement and the consensus key's of a new
// validator, both for signer on the test chain. A test of a bad proof
// sets its own.
func withProofs(signer address.Address, msgs []*ledgerpb.Msg) []*ledgerpb.Msg {
	for _, m := range msgs {
		switch s := m.Sum.(type) {
		case *ledgerpb.Msg_AnnounceNode:
			if k, ok := keysByPub()[string(s.AnnounceNode.NodePubkey)]; ok && s.AnnounceNode.NodeSignature == nil {
				s.AnnounceNode.NodeSignature = registry.SignNodeKeyProof(k.priv, testChainID, signer)
			}
		case *ledgerpb.Msg_CreateValidator:
			if k, ok := keysByPub()[string(s.CreateValidator.ConsensusPubkey)]; ok && s.CreateValidator.ConsensusSignature == nil {
				s.CreateValidator.ConsensusSignature = staking.SignConsensusKeyProof(k.priv, testChainID, signer)
			}
		}
	}
	return msgs
}

func (k key) pub() []byte { return k.priv.Public().(ed25519.PublicKey) }

var (
	alice   = newKey("alice")
	bob     = newKey("bob")
	carol   = newKey("carol") // no genesis balance
	val0    = newKey("val0")  // genesis validator operator
	cons0   = newKey("cons0") // its consensus key
	val1    = newKey("val1")  // funded, becomes a validator in tests
	cons1   = newKey("cons1")
	unknown = newKey("unknown")
)

// testParams are small numbers that make arithmetic easy to follow.
func testParams() *ledgerpb.Params {
	return &ledgerpb.Params{
		MinFee:           10,
		UnbondingBlocks:  5,
		MinSelfBond:      1_000,
		SlashFractionBps: 1_000, // 10%
		PowerReduction:   100,
		MaxValidators:    10,
		MaxMsgsPerTx:     4,
		MaxMemoBytes:     16,
		NodeTtlBlocks:    10,

		MinPoStake:         100,
		BidStakeRatioBps:   1_000, // 10%
		NetworkFeeBps:      100,   // 1%
		FailSlashBuyerBps:  5_000,
		MaxBidWindow:       20,
		MaxDeliveryWindow:  20,
		MaxConfirmWindow:   20,
		RevealWindowBlocks: 5,

		MinVerifierStake:     1_000,
		MinDisputeStake:      50,
		VerifiersPerDispute:  3,
		VerifierCommitWindow: 3,
		VerifierRevealWindow: 3,
		VerifierRewardBps:    5_000,

		ReputationCycleBlocks:     1_000,
		MiningWindowBlocks:        4,
		MinMinerStake:             1_000,
		MinerReward:               100,
		MinerReputationReward:     1_000,
		DecayNumerator:            999_679_150_010_889,
		DecayDenominator:          1_000_000_000_000_000,
		MiningStakeMaturityBlocks: 100,

		MinBidStake:              50,
		MinPrice:                 100,
		MaxRoyaltyBps:            2_000,
		InputWindowBlocks:        2,
		InputContestWindowBlocks: 2,
		MaxDisputeRounds:         2,
		MinDisputeQuorum:         2,
		DisputeSeedWindowBlocks:  2,
		MinDomainVoteStake:       10,
		MaxDuePerBlock:           100,

		MiningResponseWindowBlocks: 3,
		MinerMinStakedCycles:       0,
		MinerSlashDefenderBps:      5_000,
		MinerReputationPenalty:     500,

		GovMinDeposit:          1_000,
		GovDepositPeriodBlocks: 3,
		GovVotingPeriodBlocks:  3,
		GovQuorumBps:           3_340,
		GovThresholdBps:        5_000,
		GovVetoThresholdBps:    3_340,
		GovTimelockBlocks:      2,
	}
}

func testGenesis(p *ledgerpb.Params) *ledgerpb.Genesis {
	return &ledgerpb.Genesis{
		Params: p,
		Accounts: []*ledgerpb.GenesisAccount{
			{Address: alice.addr.String(), Balance: 1_000_000},
			{Address: bob.addr.String(), Balance: 500_000},
			{Address: val0.addr.String(), Balance: 100_000},
			{Address: val1.addr.String(), Balance: 100_000},
		},
		Validators: []*ledgerpb.GenesisValidator{
			{Operator: val0.addr.String(), ConsensusPubkey: cons0.pub(), SelfBond: 50_000, Moniker: "val0"},
		},
		Skills: append(reputation.DefaultGenesisSkills(), "compute/genomics", "compute/genomics/digest"),
	}
}

// chain is a ledger on a MemStore driven block by block, as chain/ drives
// it on IAVL.
type chain struct {
	t       testing.TB
	app     *App
	st      *store.MemStore
	height  int64
	p       *ledgerpb.Params
	initial []ValidatorUpdate
}

func newChain(t testing.TB, g *ledgerpb.Genesis) *chain {
	t.Helper()
	js, err := EncodeGenesis(g)
	if err != nil {
		t.Fatal(err)
	}
	c := &chain{t: t, app: New(), st: store.NewMemStore()}
	c.initial, err = c.app.InitChain(c.st, testChainID, js)
	if err != nil {
		t.Fatalf("InitChain: %v", err)
	}
	if c.p, err = params.Get(c.st); err != nil {
		t.Fatal(err)
	}
	return c
}

func newTestChain(t testing.TB) *chain { return newChain(t, testGenesis(testParams())) }

// testBlockHash is the hash of the test chain's block at height h.
func testBlockHash(h int64) []byte {
	b := sha256.Sum256(fmt.Appendf(nil, "block %d", h))
	return b[:]
}

// block finalizes the next block and checks the invariants.
func (c *chain) block(txs ...[]byte) BlockResult {
	return c.blockWith(nil, txs...)
}

func (c *chain) blockWith(mis []Misbehavior, txs ...[]byte) BlockResult {
	c.t.Helper()
	c.height++
	res := c.app.FinalizeBlock(c.st, Header{ChainID: testChainID, Height: c.height, Hash: testBlockHash(c.height)}, txs, mis)
	if err := CheckInvariants(c.st); err != nil {
		c.t.Fatalf("height %d: %v", c.height, err)
	}
	return res
}

// mustBlock finalizes a block whose transactions must all succeed.
func (c *chain) mustBlock(txs ...[]byte) BlockResult {
	c.t.Helper()
	res := c.block(txs...)
	for i, r := range res.TxResults {
		if r.Code != 0 {
			c.t.Fatalf("height %d tx %d: code %s/%d: %s", c.height, i, r.Codespace, r.Code, r.Log)
		}
	}
	return res
}

func (c *chain) balance(k key) uint64    { return c.app.bank.Balance(c.st, k.addr) }
func (c *chain) seq(k key) uint64        { return c.app.auth.Sequence(c.st, k.addr) }
func (c *chain) digest() [32]byte        { return store.Digest(c.st) }
func (c *chain) power(k key) int64       { return c.app.staking.LastPower(c.st, k.addr) }
func (c *chain) bonded(k key) uint64     { return c.app.staking.Validator(c.st, k.addr).GetBonded() }
func (c *chain) jailed(k key) bool       { return c.app.staking.Validator(c.st, k.addr).GetJailed() }
func (c *chain) treasuryBalance() uint64 { return c.app.treasury.Balance(c.st) }

// body returns a TxBody for k with k's next sequence and the min fee.
func (c *chain) body(k key, msgs ...*ledgerpb.Msg) *ledgerpb.TxBody {
	return &ledgerpb.TxBody{Messages: withProofs(k.addr, msgs), Sequence: c.seq(k), Fee: c.p.MinFee, ChainId: testChainID}
}

func signBody(t testing.TB, k key, b *ledgerpb.TxBody) []byte {
	t.Helper()
	raw, err := tx.Sign(k.priv, b)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// tx signs msgs by k with k's next sequence and the min fee.
func (c *chain) tx(k key, msgs ...*ledgerpb.Msg) []byte {
	return signBody(c.t, k, c.body(k, msgs...))
}

func send(to key, amount uint64) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_Send{Send: &ledgerpb.MsgSend{To: to.addr.Bytes(), Amount: amount}}}
}

func createValidator(cons key, selfBond uint64, moniker string) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_CreateValidator{CreateValidator: &ledgerpb.MsgCreateValidator{
		ConsensusPubkey: cons.pub(), SelfBond: selfBond, Moniker: moniker}}}
}

func bond(op key, amount uint64) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_Bond{Bond: &ledgerpb.MsgBond{Validator: op.addr.Bytes(), Amount: amount}}}
}

func unbond(amount uint64) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_Unbond{Unbond: &ledgerpb.MsgUnbond{Amount: amount}}}
}

// clone copies a store, for computing expected states.
func clone(st store.KVStore) *store.MemStore {
	c := store.NewMemStore()
	it := st.Iterator(nil, nil)
	defer it.Close()
	for ; it.Valid(); it.Next() {
		c.Set(it.Key(), it.Value())
	}
	return c
}

// dump renders a store for failure messages.
func dump(st store.KVStore) string {
	var b strings.Builder
	it := st.Iterator(nil, nil)
	defer it.Close()
	for ; it.Valid(); it.Next() {
		fmt.Fprintf(&b, "%q = %s\n", it.Key(), base64.StdEncoding.EncodeToString(it.Value()))
	}
	return b.String()
}

func update(cons key, power int64) ValidatorUpdate {
	return ValidatorUpdate{PubKey: cons.pub(), Power: power}
}

func mustMarshal(m proto.Message) []byte {
	b, err := proto.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

func protoUnmarshal(b []byte, m proto.Message) error { return proto.Unmarshal(b, m) }

// addrReq is the data of a query about one account.
func addrReq(a address.Address) []byte {
	return mustMarshal(&ledgerpb.AddressRequest{Address: a.Bytes()})
}

// pkgReq is the data of a query about one package.
func pkgReq(id []byte) []byte { return mustMarshal(&ledgerpb.PackageRequest{PackageId: id}) }

// skillReq is the data of a query about one skill.
func skillReq(path string) []byte { return mustMarshal(&ledgerpb.SkillRequest{Path: path}) }

// mapTxCache is a TxCache that forgets nothing.
type mapTxCache struct {
	decoded  map[string]*tx.Tx
	verified map[string]bool
}

func newMapTxCache() *mapTxCache {
	return &mapTxCache{decoded: map[string]*tx.Tx{}, verified: map[string]bool{}}
}

func (c *mapTxCache) Lookup(raw []byte) (*tx.Tx, bool) {
	return c.decoded[string(raw)], c.verified[string(raw)]
}
func (c *mapTxCache) AddDecoded(raw []byte, t *tx.Tx) { c.decoded[string(raw)] = t }
func (c *mapTxCache) AddVerified(raw []byte)          { c.verified[string(raw)] = true }

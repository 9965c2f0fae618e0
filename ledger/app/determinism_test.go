package app

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/mint"
	"github.com/celltonomy/celltonomy/ledger/store"
	"github.com/celltonomy/celltonomy/spec/specpb"
)

// randomTxs draws a block of transactions against c's state: mostly valid
// ones, and every kind of invalid one, from one seeded source.
type randomTxs struct {
	rng *rand.Rand
	// miners stake, unstake and submit roots, drawn from their own
	// source so that the stream of the other users stays as it was.
	miners []key
	mrng   *rand.Rand
	users  []key
	cons   []key
	nodes  []key
	// envelopes of packages: versions of a few names by a few authors,
	// with parents, so that registrations race, chain and collide.
	envelopes []*specpb.Envelope
}

func (g *randomTxs) pick(ks []key) key { return ks[g.rng.IntN(len(ks))] }

func (g *randomTxs) amount(max uint64) uint64 {
	switch g.rng.IntN(10) {
	case 0:
		return 0
	case 1:
		return max + 1 + g.rng.Uint64N(1000)
	default:
		if max == 0 {
			return 1
		}
		return 1 + g.rng.Uint64N(max)
	}
}

func (g *randomTxs) message(c *chain, signer key) *ledgerpb.Msg {
	bal := c.balance(signer)
	switch g.rng.IntN(24) {
	case 21:
		msgs := []*ledgerpb.ProposalMsg{textProposal()}
		switch g.rng.IntN(3) {
		case 0:
			msgs = append(msgs, paramChange("max_bid_window", fmt.Sprint(g.rng.IntN(30))))
		case 1:
			msgs = append(msgs, treasurySpend(g.pick(g.users), g.amount(200)))
		}
		return submitProposal(g.amount(1_200), msgs...)
	case 22:
		id := 1 + g.rng.Uint64N(1+g.proposals(c))
		if g.rng.IntN(3) == 0 {
			return depositMsg(id, g.amount(500))
		}
		return voteMsg(id, ledgerpb.VoteOption(1+g.rng.IntN(4)))
	case 23:
		if g.rng.IntN(2) == 0 {
			return voteMsg(1+g.rng.Uint64N(1+g.proposals(c)), ledgerpb.VoteOption(1+g.rng.IntN(4)))
		}
		return cancelProposal(1 + g.rng.Uint64N(1+g.proposals(c)))
	case 14, 15:
		m := orderMsg()
		m.PackageId = g.envelopes[g.rng.IntN(len(g.envelopes))].PackageId
		m.MaxPrice = g.amount(2_000)
		m.PoStake = 90 + g.rng.Uint64N(100) // sometimes below min_po_stake
		m.BidWindow, m.DeliveryWindow, m.ConfirmWindow = 1+g.rng.Uint64N(10), 1+g.rng.Uint64N(6), 1+g.rng.Uint64N(6)
		return createOrderWith(m)
	case 16:
		id := g.ownOrderID(c, market.StatePrefix(ledgerpb.OrderState_ORDER_STATE_OPEN))
		nodeKey := g.pick(g.nodes).pub()
		if ns := c.app.registry.Nodes(c.st, signer.addr); len(ns) > 0 && g.rng.IntN(4) != 0 {
			nodeKey = ns[g.rng.IntN(len(ns))].NodePubkey
		}
		price := g.amount(2_000)
		if o := c.app.market.Order(c.st, id); o != nil && g.rng.IntN(4) != 0 {
			price = 1 + g.rng.Uint64N(o.MaxPrice)
		}
		stake := market.MinBidStake(price, c.p.BidStakeRatioBps) + g.rng.Uint64N(3)
		return &ledgerpb.Msg{Sum: &ledgerpb.Msg_Bid{Bid: &ledgerpb.MsgBid{OrderId: id, NodeKey: nodeKey, Price: price, Stake: stake}}}
	case 17:
		if g.rng.IntN(2) == 0 {
			return withdrawBid(g.orderID(c))
		}
		return cancelOrder(g.orderID(c))
	case 18:
		return deliverMsg(g.ownOrderID(c, market.ProviderPrefix(signer.addr)), uint8(g.rng.IntN(6)))
	case 19:
		code := completionCode
		if g.rng.IntN(4) == 0 {
			code = []byte("a wrong completion code")
		}
		return closeMsg(g.ownOrderID(c, market.BuyerPrefix(signer.addr)), code, uint8(g.rng.IntN(6)))
	case 20:
		if g.rng.IntN(3) == 0 {
			id := g.envelopes[g.rng.IntN(len(g.envelopes))].PackageId
			m := buyOffering(g.pick(g.users), 100)
			m.GetBuyOffering().PackageId = id
			return m
		}
		salt, prefix := buyerSalt, market.BuyerPrefix(signer.addr)
		if g.rng.IntN(2) == 0 {
			salt, prefix = providerSalt, market.ProviderPrefix(signer.addr)
		}
		return revealMsg(g.ownOrderID(c, prefix), uint32(g.rng.IntN(7)), salt)
	case 10:
		roles := []ledgerpb.Role{ledgerpb.Role_ROLE_BUYER}
		if g.rng.IntN(2) == 0 {
			roles = append(roles, ledgerpb.Role_ROLE_VENDOR)
		}
		return setProfile(fmt.Sprintf("user %d", g.rng.IntN(100)), roles...)
	case 11:
		if g.rng.IntN(3) == 0 {
			return removeNode(g.pick(g.nodes).pub())
		}
		return announce(g.pick(g.nodes))
	case 12:
		env := g.envelopes[g.rng.IntN(len(g.envelopes))]
		author := signer
		if g.rng.IntN(2) == 0 {
			author = g.pick(g.users) // usually not the envelope's author: refused
		}
		env = proto.Clone(env).(*specpb.Envelope)
		env.Author = author.addr.Bytes()
		return register(author, env)
	case 13:
		id := g.envelopes[g.rng.IntN(len(g.envelopes))].PackageId
		if g.rng.IntN(3) == 0 {
			return removeOffering(id)
		}
		return setOffering(g.pick(g.nodes), id, g.amount(1000), 1+g.rng.Uint64N(50))
	case 0:
		return createValidator(g.pick(g.cons), 500+g.rng.Uint64N(bal/2+1), fmt.Sprintf("v%d", g.rng.IntN(100)))
	case 1:
		return bond(signer, g.amount(bal/4))
	case 2:
		return unbond(g.amount(c.bonded(signer) / 2))
	default:
		return send(g.pick(g.users), g.amount(bal/3))
	}
}

// miningMessage draws a miner's message: mostly the same claim, so that
// cycles get accepted, now and then another, so that mining blocks.
func (g *randomTxs) miningMessage(c *chain, signer key) *ledgerpb.Msg {
	switch g.mrng.IntN(4) {
	case 0:
		return stakeMiner(1 + g.mrng.Uint64N(c.balance(signer)/4+1))
	case 1:
		var stake uint64
		if m := c.app.skills.Miner(c.st, signer.addr); m != nil {
			stake = m.Stake
		}
		return unstakeMiner(g.mrng.Uint64N(stake/2 + 2))
	}
	ms := c.app.skills.MiningState(c.st)
	cycle := ms.MiningCycle
	if g.mrng.IntN(8) == 0 {
		cycle++
	}
	cl := claim{root: hash32("the root"), nLeaves: 9, jrh: hash32("the jrh")}
	if g.mrng.IntN(20) == 0 {
		cl.root = hash32(fmt.Sprintf("root %d", g.mrng.IntN(3)))
	}
	return submitRoot(cycle, cl, g.mrng.Uint64N(8))
}

// orderID draws the id of an existing order, or now and then of none.
func (g *randomTxs) orderID(c *chain) uint64 {
	next := uint64(1)
	if b := c.st.Get(market.NextIDKey()); b != nil {
		next, _ = store.ParseUint64(b)
	}
	if next > 3 && g.rng.IntN(4) != 0 {
		return next - 1 - g.rng.Uint64N(3)
	}
	return 1 + g.rng.Uint64N(next)
}

// ownOrderID draws one of the latest orders under an index prefix (the
// signer's as buyer or provider, or the open ones), or any order now and
// then.
func (g *randomTxs) ownOrderID(c *chain, prefix []byte) uint64 {
	var ids []uint64
	for start := uint64(0); ; {
		page, next := c.app.market.OrderIDs(c.st, prefix, start, 100)
		ids = append(ids, page...)
		if next == 0 {
			break
		}
		start = next
	}
	if len(ids) == 0 || g.rng.IntN(5) == 0 {
		return g.orderID(c)
	}
	return ids[len(ids)-1-g.rng.IntN(min(3, len(ids)))]
}

func (g *randomTxs) block(c *chain) [][]byte {
	seqs := map[string]uint64{}
	var txs [][]byte
	for range g.rng.IntN(12) {
		signer := g.pick(g.users)
		seq, ok := seqs[signer.name]
		if !ok {
			seq = c.seq(signer)
		}
		msgs := []*ledgerpb.Msg{g.message(c, signer)}
		for g.rng.IntN(4) == 0 {
			msgs = append(msgs, g.message(c, signer))
		}
		b := &ledgerpb.TxBody{Messages: msgs, Sequence: seq, Fee: c.p.MinFee + g.rng.Uint64N(3), ChainId: testChainID}
		switch g.rng.IntN(20) {
		case 0:
			b.Sequence += 1 + g.rng.Uint64N(2) // skipped
		case 1:
			b.Sequence-- // reused (wraps for a new account: skipped)
		case 2:
			b.Fee = c.p.MinFee - 1
		case 3:
			b.ChainId = "other"
		case 4:
			b.Memo = "far too long a memo for these params"
		default:
			seqs[signer.name] = seq + 1 // most likely accepted
		}
		raw := signBody(c.t, signer, b)
		switch g.rng.IntN(25) {
		case 0:
			raw[len(raw)-1-g.rng.IntN(64)] ^= 1 // bad signature
		case 1:
			raw = raw[:g.rng.IntN(len(raw))] // truncated
		case 2:
			raw = binaryNoise(g.rng)
		}
		txs = append(txs, raw)
	}
	for range g.mrng.IntN(4) {
		signer := g.miners[g.mrng.IntN(len(g.miners))]
		seq, ok := seqs[signer.name]
		if !ok {
			seq = c.seq(signer)
		}
		seqs[signer.name] = seq + 1
		txs = append(txs, signBody(c.t, signer, &ledgerpb.TxBody{Messages: []*ledgerpb.Msg{g.miningMessage(c, signer)},
			Sequence: seq, Fee: c.p.MinFee, ChainId: testChainID}))
	}
	return txs
}

func binaryNoise(rng *rand.Rand) []byte {
	b := make([]byte, rng.IntN(200))
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// blockOnBranch is block, run on a Cache over the store and written after,
// as an adapter that stages a block before committing it does.
func (c *chain) blockOnBranch(mis []Misbehavior, txs ...[]byte) BlockResult {
	c.t.Helper()
	c.height++
	branch := store.NewCache(c.st)
	res := c.app.FinalizeBlock(branch, Header{ChainID: testChainID, Height: c.height, Hash: testBlockHash(c.height)}, txs, mis)
	branch.Write()
	if err := CheckInvariants(c.st); err != nil {
		c.t.Fatalf("height %d: %v", c.height, err)
	}
	return res
}

// TestReplayIsDeterministic replays the same seeded stream of valid and
// invalid transactions and evidence on two fresh apps with two fresh
// stores — one executing blocks in place, one on a branch written after
// each block and with a TxCache — and compares the state digest and the block results at
// every height. Both check the invariants after every block — the supply
// invariant among them, with minting (10 % over years of 50 blocks, up to
// a ceiling the run reaches) and a share of every fee burned.
func TestReplayIsDeterministic(t *testing.T) {
	blocks := 400
	if testing.Short() {
		blocks = 60
	}
	p := testParams()
	p.MaxValidators = 4
	p.ReputationCycleBlocks = 25
	gen := testGenesis(p)
	users := []key{alice, bob, carol, val0, val1}
	for i := range 5 {
		k := newKey(fmt.Sprintf("user%d", i))
		users = append(users, k)
		gen.Accounts = append(gen.Accounts, &ledgerpb.GenesisAccount{Address: k.addr.String(), Balance: uint64(10_000 * (i + 1))})
	}
	var miners []key
	for i := range 3 {
		k := newKey(fmt.Sprintf("random miner %d", i))
		miners = append(miners, k)
		gen.Accounts = append(gen.Accounts, &ledgerpb.GenesisAccount{Address: k.addr.String(), Balance: 50_000})
	}
	var genesisSupply uint64
	for _, acc := range gen.Accounts {
		genesisSupply += acc.Balance
	}
	p.MintInflationBps, p.MintBlockTimeMs = 1_000, mint.MsPerYear/50
	p.MintSupplyCeiling = genesisSupply + genesisSupply/10*uint64(blocks)/50/2 // reached about half way
	p.MintRewardsBps, p.MintMinersBps = 6_000, 1_000
	p.FeeBurnBps, p.FeeValidatorBps = 2_000, 5_000
	cons := []key{cons0, cons1}
	for i := range 6 {
		cons = append(cons, newKey(fmt.Sprintf("cons%d", i+2)))
	}
	a, b := newChain(t, gen), newChain(t, gen)
	// b decodes and verifies each transaction once, as the chain adapter
	// does: a cache must change no result.
	b.app = b.app.WithTxCache(newMapTxCache())
	if !reflect.DeepEqual(a.initial, b.initial) || a.digest() != b.digest() {
		t.Fatal("genesis differs")
	}
	g := &randomTxs{rng: rand.New(rand.NewPCG(2024, 3)), users: users, cons: cons, miners: miners, mrng: rand.New(rand.NewPCG(2026, 11))}
	for i := range 4 {
		g.nodes = append(g.nodes, newKey(fmt.Sprintf("node%d", i)))
	}
	for i := range 12 {
		name := fmt.Sprintf("pkg%d", i%3)
		var parent []byte
		if i >= 3 {
			parent = g.envelopes[i-3].PackageId
		}
		g.envelopes = append(g.envelopes, envelope(users[i%4], fmt.Sprintf("%s v%d", name, i), name, fmt.Sprintf("1.%d.0", i/3), parent))
	}
	codes := map[string]int{}
	for range blocks {
		txs := g.block(a)
		var mis []Misbehavior
		if g.rng.IntN(15) == 0 {
			mis = append(mis, Misbehavior{ValidatorAddress: consAddr(g.pick(cons)), Height: 1 + g.rng.Int64N(a.height+1)})
		}
		ra := a.blockWith(mis, txs...)
		rb := b.blockOnBranch(mis, txs...)
		if a.digest() != b.digest() {
			t.Fatalf("height %d: state digests differ", a.height)
		}
		if !reflect.DeepEqual(ra, rb) {
			t.Fatalf("height %d: results differ:\n%+v\n%+v", a.height, ra, rb)
		}
		for _, r := range ra.TxResults {
			codes[fmt.Sprintf("%s/%d", r.Codespace, r.Code)]++
		}
		codes["validator updates"] += len(ra.ValidatorUpdates)
		if s := a.app.bank.Supply(a.st); s > p.MintSupplyCeiling {
			t.Fatalf("height %d: supply %d above the ceiling %d", a.height, s, p.MintSupplyCeiling)
		} else if s == p.MintSupplyCeiling {
			codes["at the ceiling"]++
		}
		for _, e := range ra.Events {
			codes["block event "+e.Type]++
		}
		for _, r := range ra.TxResults {
			for _, e := range r.Events {
				if e.Type == "order_closed" {
					codes["tx event order_closed"]++
				}
			}
		}
	}
	keys := make([]string, 0, len(codes))
	for k := range codes {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		t.Logf("%-10s %d", k, codes[k])
	}
	if codes["/0"] < blocks || codes["validator updates"] == 0 || codes["block event slash"] == 0 || codes["block event unbonding_complete"] == 0 ||
		codes["registry/18"]+codes["registry/19"] == 0 || g.registered(a) == 0 ||
		codes["block event order_expired"] == 0 || codes["market/11"] == 0 ||
		codes["block event cycle_frozen"] == 0 || codes["block event root_accepted"]+codes["block event mining_blocked"] == 0 ||
		codes["block event minted"] == 0 || codes["at the ceiling"] == 0 || a.app.bank.Burned(a.st) == 0 ||
		codes["block event proposal_tallied"] == 0 {
		t.Fatalf("the stream tests little: %v", codes)
	}
}

// proposals counts the proposals submitted in c.
func (g *randomTxs) proposals(c *chain) uint64 {
	var n uint64
	for c.app.gov.Proposal(c.st, n+1) != nil {
		n++
	}
	return n
}

// registered counts the packages of g registered in c.
func (g *randomTxs) registered(c *chain) int {
	n := 0
	for _, env := range g.envelopes {
		if c.app.registry.Package(c.st, env.PackageId) != nil {
			n++
		}
	}
	return n
}

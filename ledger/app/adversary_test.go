package app

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
)

// Actors of the adversarial market run: honest and cheating buyers,
// providers and verifiers. Each acts on chain as its kind does, with the
// off-chain part (uploads, runs, receipts) modelled by the test.
var (
	advHonestBuyers    = []key{newKey("adv honest buyer 1"), newKey("adv honest buyer 2")}
	advCheatBuyer      = newKey("adv cheating buyer")
	advHonestProviders = []key{newKey("adv honest provider 1"), newKey("adv honest provider 2")}
	advHonestNodes     = []key{newKey("adv honest node 1"), newKey("adv honest node 2")}
	advCheatProvider   = newKey("adv cheating provider")
	advCheatNode       = newKey("adv cheating node")
	advHonestVerifiers = []key{newKey("adv honest verifier 1"), newKey("adv honest verifier 2"), newKey("adv honest verifier 3")}
	advHonestVNodes    = []key{newKey("adv honest verifier node 1"), newKey("adv honest verifier node 2"), newKey("adv honest verifier node 3")}
	advCheatVerifiers  = []key{newKey("adv cheating verifier 1"), newKey("adv cheating verifier 2")}
	advCheatVNodes     = []key{newKey("adv cheating verifier node 1"), newKey("adv cheating verifier node 2")}
)

// advTrueRoot is the output root every honest run of order id gives.
func advTrueRoot(id uint64) []byte { return hash32(fmt.Sprint("true root of order ", id)) }

// advLedger is what the test knows off chain, and what each honest party
// paid in fees.
type advLedger struct {
	c   *chain
	rng *rand.Rand
	// uploaded: orders whose honest buyer sent its inputs to the awarded
	// node; receipt: those whose provider signed a receipt.
	uploaded map[uint64]bool
	withheld map[uint64]bool
	// plan is what the cheating provider does with each of its contracts.
	plan map[uint64]int
	fees map[string]int64
	// stakes a verifier registered with.
	verifierStake map[string]uint64
}

func (a *advLedger) tx(k key, msgs ...*ledgerpb.Msg) []byte {
	a.fees[k.name] += int64(a.c.p.MinFee)
	return a.c.tx(k, msgs...)
}

// orders returns the ids of the orders of prefix in state s.
func (a *advLedger) orders(prefix []byte, s ledgerpb.OrderState) []uint64 {
	all, _ := a.c.app.market.OrderIDs(a.c.st, prefix, 0, 100_000)
	var out []uint64
	for _, id := range all {
		if o := a.c.app.market.Order(a.c.st, id); o.State == s {
			out = append(out, id)
		}
	}
	return out
}

func advOrder(maxPrice uint64) *ledgerpb.Msg {
	m := orderMsg()
	m.MaxPrice = maxPrice
	m.BidWindow, m.DeliveryWindow, m.ConfirmWindow = 2, 6, 6
	return createOrderWith(m)
}

// TestAdversarialMarket runs 1,000 blocks of a market in which honest and
// cheating parties act at random: buyers who withhold their inputs or
// flood orders and dispute correct results, providers who bid dust, win
// and never deliver, deliver wrong roots or report inputs missing that
// came, verifiers who copy a peer's commitment, reveal random roots (split
// votes) or stay silent. After every block it checks the promises of the
// hardened market: an honest provider never loses more than its fees; an
// honest buyer never pays for a result that was not delivered (every
// undelivered order returns its escrow) and pays only for closed or split
// orders; an honest verifier never loses stake; the supply invariant
// holds and escrow holds exactly what the orders hold.
func TestAdversarialMarket(t *testing.T) {
	blocks := 1_000
	if testing.Short() {
		blocks = 150
	}
	c := marketChainWith(t, func(p *ledgerpb.Params) {
		p.MaxDuePerBlock = 8 // floods carry deadlines over
		p.NodeTtlBlocks = 100_000
		p.InputWindowBlocks, p.InputContestWindowBlocks = 2, 2
	})
	a := &advLedger{c: c, rng: rand.New(rand.NewPCG(2026, 12)), uploaded: map[uint64]bool{}, withheld: map[uint64]bool{}, plan: map[uint64]int{}, fees: map[string]int64{},
		verifierStake: map[string]uint64{}}
	// Fund everyone from alice and bob, register nodes and verifiers.
	everyone := slices.Concat(advHonestBuyers, []key{advCheatBuyer}, advHonestProviders, []key{advCheatProvider}, advHonestVerifiers, advCheatVerifiers)
	// alice funds the buyers and providers, bob the verifiers.
	var sends, sends2 []*ledgerpb.Msg
	for _, k := range everyone[:6] {
		sends = append(sends, send(k, 150_000))
	}
	for _, k := range everyone[6:] {
		sends2 = append(sends2, send(k, 50_000))
	}
	c.mustBlock(c.tx(alice, sends[:4]...), c.tx(bob, sends2[:4]...))
	c.mustBlock(c.tx(alice, sends[4:]...), c.tx(bob, sends2[4:]...))
	var txs [][]byte
	for i, p := range advHonestProviders {
		txs = append(txs, c.tx(p, announce(advHonestNodes[i])))
	}
	txs = append(txs, c.tx(advCheatProvider, announce(advCheatNode)))
	for i, v := range advHonestVerifiers {
		txs = append(txs, c.tx(v, announce(advHonestVNodes[i]), registerVerifier(advHonestVNodes[i], 1_000)))
		a.verifierStake[v.name] = 1_000
	}
	for i, v := range advCheatVerifiers {
		txs = append(txs, c.tx(v, announce(advCheatVNodes[i]), registerVerifier(advCheatVNodes[i], 1_000)))
	}
	c.mustBlock(txs...)
	start := map[string]uint64{}
	for _, k := range everyone {
		start[k.name] = c.balance(k)
	}
	supply := c.app.bank.Supply(c.st)
	events := map[string]int{}

	for range blocks {
		txs = nil
		h := c.height + 1 // the height of the block being built
		// Honest buyers: order now and then; upload when awarded;
		// close a correct delivery, dispute a wrong one; reveal seeds;
		// show the receipt when the provider reports missing inputs or
		// is about to miss its deadline.
		for _, b := range advHonestBuyers {
			var msgs []*ledgerpb.Msg
			if a.rng.IntN(4) == 0 {
				msgs = append(msgs, advOrder(800+a.rng.Uint64N(400)))
			}
			for _, id := range a.orders(market.BuyerPrefix(b.addr), ledgerpb.OrderState_ORDER_STATE_AWARDED) {
				o := c.app.market.Order(c.st, id)
				ct := o.Contract
				a.uploaded[id] = true // the inputs reach the node: it signs a receipt
				contested := ct.MissingInputsDeadline != 0 && h < ct.MissingInputsDeadline
				late := ct.MissingInputsDeadline == 0 && h >= ct.DeliveryDeadline-1 && h <= ct.DeliveryDeadline
				if ct.InputReceiptHeight == 0 && (contested || late) {
					msgs = append(msgs, &ledgerpb.Msg{Sum: &ledgerpb.Msg_PostInputReceipt{PostInputReceipt: &ledgerpb.MsgPostInputReceipt{OrderId: id,
						Signature: market.SignInputReceipt(a.nodePriv(ct.NodeKey), testChainID, id, o.InputRoot)}}})
				}
			}
			for _, id := range a.orders(market.BuyerPrefix(b.addr), ledgerpb.OrderState_ORDER_STATE_DELIVERED) {
				o := c.app.market.Order(c.st, id)
				if h >= o.Delivery.ConfirmDeadline {
					continue
				}
				if bytes.Equal(o.Delivery.OutputRoot, advTrueRoot(id)) {
					msgs = append(msgs, closeMsg(id, completionCode, 4))
				} else {
					msgs = append(msgs, openDispute(id, ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND, 60))
				}
			}
			msgs = append(msgs, a.seedReveals(b, h)...)
			for _, id := range a.orders(market.BuyerPrefix(b.addr), ledgerpb.OrderState_ORDER_STATE_CLOSED) {
				if r := c.app.market.Order(c.st, id).Ratings; r.BuyerCommitment != nil && !r.BuyerRevealed && h < r.RevealDeadline {
					msgs = append(msgs, revealMsg(id, 4, buyerSalt))
				}
			}
			if len(msgs) > 0 {
				txs = append(txs, a.batch(b, msgs)...)
			}
		}
		// The cheating buyer: floods orders, uploads to only some of them,
		// and disputes correct deliveries.
		{
			for _, id := range a.orders(market.BuyerPrefix(advCheatBuyer.addr), ledgerpb.OrderState_ORDER_STATE_AWARDED) {
				if _, seen := a.withheld[id]; !seen {
					a.withheld[id] = a.rng.IntN(2) == 0
					a.uploaded[id] = !a.withheld[id]
				}
			}
			var msgs []*ledgerpb.Msg
			if a.rng.IntN(3) == 0 {
				for range 1 + a.rng.IntN(6) {
					msgs = append(msgs, advOrder(700+a.rng.Uint64N(600)))
				}
			}
			for _, id := range a.orders(market.BuyerPrefix(advCheatBuyer.addr), ledgerpb.OrderState_ORDER_STATE_DELIVERED) {
				if o := c.app.market.Order(c.st, id); h < o.Delivery.ConfirmDeadline && a.rng.IntN(2) == 0 {
					msgs = append(msgs, openDispute(id, ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND, 60))
				}
			}
			msgs = append(msgs, a.seedReveals(advCheatBuyer, h)...)
			if len(msgs) > 0 {
				txs = append(txs, a.batch(advCheatBuyer, msgs)...)
			}
		}
		// Honest providers: bid on open orders; deliver the true root of
		// an order whose inputs came; report the inputs of the others
		// missing at the input deadline; reveal their ratings.
		open := a.orders(market.StatePrefix(ledgerpb.OrderState_ORDER_STATE_OPEN), ledgerpb.OrderState_ORDER_STATE_OPEN)
		for i, p := range advHonestProviders {
			var msgs []*ledgerpb.Msg
			for _, id := range open {
				o := c.app.market.Order(c.st, id)
				if h < o.BidDeadline && !c.st.Has(market.BidKey(id, p.addr)) && !bytes.Equal(o.Buyer, p.addr[:]) && a.rng.IntN(2) == 0 {
					price := 600 + a.rng.Uint64N(min(o.MaxPrice, 1_000)-599)
					msgs = append(msgs, bidMsg(id, advHonestNodes[i], price, market.RequiredBidStake(price, c.p)))
				}
			}
			for _, id := range a.orders(market.ProviderPrefix(p.addr), ledgerpb.OrderState_ORDER_STATE_AWARDED) {
				ct := c.app.market.Order(c.st, id).Contract
				switch {
				case a.uploaded[id] && h <= ct.DeliveryDeadline:
					d := deliverMsg(id, 4)
					d.GetDeliver().OutputRoot = advTrueRoot(id)
					msgs = append(msgs, d)
				case !a.uploaded[id] && ct.MissingInputsDeadline == 0 && ct.InputReceiptHeight == 0 && h >= ct.InputDeadline && h <= ct.DeliveryDeadline:
					msgs = append(msgs, reportMissingInputs(id))
				}
			}
			for _, id := range a.orders(market.ProviderPrefix(p.addr), ledgerpb.OrderState_ORDER_STATE_CLOSED) {
				if r := c.app.market.Order(c.st, id).Ratings; !r.ProviderRevealed && h < r.RevealDeadline {
					msgs = append(msgs, revealMsg(id, 4, providerSalt))
				}
			}
			if len(msgs) > 0 {
				txs = append(txs, a.batch(p, msgs)...)
			}
		}
		// The cheating provider: dust bids, low bids it then withholds,
		// wrong roots, false reports of missing inputs.
		{
			var msgs, dust []*ledgerpb.Msg
			for _, id := range open {
				if o := c.app.market.Order(c.st, id); h < o.BidDeadline && !c.st.Has(market.BidKey(id, advCheatProvider.addr)) && a.rng.IntN(2) == 0 {
					if a.rng.IntN(3) == 0 {
						// Dust: refused before it uses a sequence, so it
						// goes last.
						dust = append(dust, bidMsg(id, advCheatNode, 1, 1))
						continue
					}
					price := max(c.p.MinPrice, 550+a.rng.Uint64N(100))
					msgs = append(msgs, bidMsg(id, advCheatNode, price, market.RequiredBidStake(price, c.p)))
				}
			}
			for _, id := range a.orders(market.ProviderPrefix(advCheatProvider.addr), ledgerpb.OrderState_ORDER_STATE_AWARDED) {
				ct := c.app.market.Order(c.st, id).Contract
				// What it does with a contract is decided once, at the award.
				plan, ok := a.plan[id]
				if !ok {
					plan = a.rng.IntN(3)
					a.plan[id] = plan
				}
				switch plan {
				case 0: // withhold
				case 1:
					if h <= ct.DeliveryDeadline {
						d := deliverMsg(id, 4)
						d.GetDeliver().OutputRoot = hash32(fmt.Sprint("wrong root ", id))
						msgs = append(msgs, d)
					}
				case 2:
					if ct.MissingInputsDeadline == 0 && ct.InputReceiptHeight == 0 && h >= ct.InputDeadline && h <= ct.DeliveryDeadline {
						msgs = append(msgs, reportMissingInputs(id))
					}
				}
			}
			if len(msgs)+len(dust) > 0 {
				txs = append(txs, a.batch(advCheatProvider, append(msgs, dust...))...)
			}
		}
		// Verifiers: the honest commit and reveal the true root; the
		// cheating ones copy a peer's commitment, reveal a random root, or
		// stay silent.
		vmsgs := map[string][]*ledgerpb.Msg{}
		for _, id := range a.orders(market.StatePrefix(ledgerpb.OrderState_ORDER_STATE_DISPUTED), ledgerpb.OrderState_ORDER_STATE_DISPUTED) {
			d := c.app.market.Order(c.st, id).Dispute
			if d.SeedDeadline != 0 {
				continue
			}
			for _, dv := range d.Verifiers {
				v, honest := a.verifier(dv.Operator)
				switch {
				case dv.Commitment == nil && h < d.CommitDeadline:
					root := advTrueRoot(id)
					if !honest {
						switch a.rng.IntN(3) {
						case 0: // copy another drawn verifier's commitment
							for _, other := range d.Verifiers {
								if other.Commitment != nil {
									vmsgs[v.name] = append(vmsgs[v.name], &ledgerpb.Msg{Sum: &ledgerpb.Msg_VerifierCommit{VerifierCommit: &ledgerpb.MsgVerifierCommit{OrderId: id, Commitment: other.Commitment}}})
									break
								}
							}
							continue
						case 1:
							root = hash32(fmt.Sprint("random root ", id, v.name, a.rng.Int()))
						case 2:
							continue // silent
						}
					}
					vmsgs[v.name] = append(vmsgs[v.name], verifierCommitRound(id, d.Round, v, root))
				case dv.Commitment != nil && dv.OutputRoot == nil && h >= d.CommitDeadline && h < d.RevealDeadline:
					root := advTrueRoot(id)
					if !honest {
						root = hash32(fmt.Sprint("random root ", id, v.name))
					}
					if c := market.VerifierCommitment(id, d.Round, v.addr, root, verifierSalt(v)); !bytes.Equal(c[:], dv.Commitment) {
						// A copied or random commitment: try the copy's reveal.
						root = advTrueRoot(id)
					}
					vmsgs[v.name] = append(vmsgs[v.name], verifierReveal(id, v, root))
				}
			}
		}
		for _, v := range slices.Concat(advHonestVerifiers, advCheatVerifiers) {
			txs = append(txs, a.batch(v, vmsgs[v.name])...)
		}
		res := c.block(txs...)
		for _, r := range res.TxResults {
			events[fmt.Sprintf("%s/%d", r.Codespace, r.Code)]++
			for _, e := range r.Events {
				events["tx "+e.Type]++
			}
		}
		for _, e := range res.Events {
			events["block "+e.Type]++
			if e.Type == "dispute_decided" {
				events["verdict "+attr(e, "verdict")]++
			}
			if e.Type == "order_failed" {
				events["fail "+attr(e, "reason")]++
			}
		}
		if s := c.app.bank.Supply(c.st); s != supply {
			t.Fatalf("height %d: supply %d, was %d", c.height, s, supply)
		}
		a.checkHonest(t, start)
	}
	keys := make([]string, 0, len(events))
	for k := range events {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		t.Logf("%-40s %d", k, events[k])
	}
	if testing.Short() {
		return
	}
	for _, want := range []string{"fail inputs-missing", "fail no-delivery", "fail no-delivery-after-receipt", "verdict buyer_won",
		"verdict provider_won", "tx missing_inputs_reported", "tx input_receipt_posted", "tx dispute_drawn", "market/32", "market/3"} {
		if events[want] == 0 {
			t.Errorf("the run never reached %q", want)
		}
	}
}

// batch signs each of msgs by k in a transaction of its own, with
// consecutive sequences, so that one refused message takes no other down.
func (a *advLedger) batch(k key, msgs []*ledgerpb.Msg) [][]byte {
	var out [][]byte
	base := a.c.seq(k)
	for i, m := range msgs {
		body := a.c.body(k, m)
		body.Sequence = base + uint64(i)
		a.fees[k.name] += int64(a.c.p.MinFee)
		out = append(out, signBody(a.c.t, k, body))
	}
	return out
}

// seedReveals reveals the seed of each of b's disputes whose round waits
// for it, from the block after the round started.
func (a *advLedger) seedReveals(b key, h int64) []*ledgerpb.Msg {
	var out []*ledgerpb.Msg
	for _, id := range a.orders(market.BuyerPrefix(b.addr), ledgerpb.OrderState_ORDER_STATE_DISPUTED) {
		if d := a.c.app.market.Order(a.c.st, id).Dispute; d.SeedDeadline != 0 && h > d.RoundHeight && h <= d.SeedDeadline {
			out = append(out, revealSeed(id, int(d.Round)))
		}
	}
	return out
}

// nodePriv returns the private key of a node key.
func (a *advLedger) nodePriv(pub []byte) []byte {
	k, ok := keysByPub()[string(pub)]
	if !ok {
		a.c.t.Fatalf("no test key for node %x", pub)
	}
	return k.priv
}

// verifier returns the key of a verifier's operator and whether it is an
// honest one.
func (a *advLedger) verifier(op []byte) (key, bool) {
	for _, v := range advHonestVerifiers {
		if bytes.Equal(v.addr[:], op) {
			return v, true
		}
	}
	for _, v := range advCheatVerifiers {
		if bytes.Equal(v.addr[:], op) {
			return v, false
		}
	}
	a.c.t.Fatalf("no verifier operates %x", op)
	return key{}, false
}

// checkHonest checks the promises to the honest parties at the current
// height.
func (a *advLedger) checkHonest(t *testing.T, start map[string]uint64) {
	t.Helper()
	c := a.c
	// An honest provider never loses more than its fees: its balance plus
	// the stakes it has locked in open contracts and bids is at least what
	// it started with, less its fees.
	for _, p := range advHonestProviders {
		locked := uint64(0)
		all, _ := c.app.market.OrderIDs(c.st, market.ProviderPrefix(p.addr), 0, 100_000)
		for _, id := range all {
			o := c.app.market.Order(c.st, id)
			switch o.State {
			case ledgerpb.OrderState_ORDER_STATE_AWARDED, ledgerpb.OrderState_ORDER_STATE_DELIVERED, ledgerpb.OrderState_ORDER_STATE_DISPUTED:
				locked += o.Contract.BidStake
			}
		}
		open, _ := c.app.market.OrderIDs(c.st, market.StatePrefix(ledgerpb.OrderState_ORDER_STATE_OPEN), 0, 100_000)
		for _, id := range open {
			for _, b := range c.app.market.Bids(c.st, id) {
				if bytes.Equal(b.Provider, p.addr[:]) {
					locked += b.Stake
				}
			}
		}
		if got, floor := int64(c.balance(p)+locked), int64(start[p.name])-a.fees[p.name]; got < floor {
			t.Fatalf("height %d: honest provider %s holds %d (with %d locked), below %d: it lost stake", c.height, p.name, got, locked, floor)
		}
	}
	// An honest buyer never pays for an undelivered result: every order
	// of its that failed, expired or was cancelled returned its escrow,
	// and it paid only for orders closed (the price) or split (half).
	for _, b := range advHonestBuyers {
		spent := int64(0)
		all, _ := c.app.market.OrderIDs(c.st, market.BuyerPrefix(b.addr), 0, 100_000)
		for _, id := range all {
			o := c.app.market.Order(c.st, id)
			switch o.State {
			case ledgerpb.OrderState_ORDER_STATE_OPEN:
				spent += int64(o.MaxPrice + o.PoStake)
			case ledgerpb.OrderState_ORDER_STATE_AWARDED, ledgerpb.OrderState_ORDER_STATE_DELIVERED, ledgerpb.OrderState_ORDER_STATE_CLOSED:
				spent += int64(o.Contract.Price)
				if o.State != ledgerpb.OrderState_ORDER_STATE_CLOSED {
					spent += int64(o.PoStake)
				}
			case ledgerpb.OrderState_ORDER_STATE_DISPUTED:
				spent += int64(o.Contract.Price + o.PoStake + o.Dispute.Stake)
			case ledgerpb.OrderState_ORDER_STATE_RESOLVED:
				if o.Dispute.Verdict == ledgerpb.DisputeVerdict_DISPUTE_VERDICT_SPLIT {
					spent += int64(o.Contract.Price / 2)
				}
			}
		}
		// Failed orders may even pay the buyer a share of the slashed
		// stake; so the balance is at least start − fees − spent.
		if got, floor := int64(c.balance(b)), int64(start[b.name])-a.fees[b.name]-spent; got < floor {
			t.Fatalf("height %d: honest buyer %s holds %d, below %d: it paid for what it did not get", c.height, b.name, got, floor)
		}
	}
	// An honest verifier never loses stake.
	for i, v := range advHonestVerifiers {
		if s := c.app.market.Verifier(c.st, advHonestVNodes[i].pub()).GetStake(); s < a.verifierStake[v.name] {
			t.Fatalf("height %d: honest verifier %s holds a stake of %d, registered %d", c.height, v.name, s, a.verifierStake[v.name])
		}
	}
}

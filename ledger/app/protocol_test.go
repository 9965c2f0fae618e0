package app

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/registry"
)

// protocolOpened returns marketChain at height 3: mAuthor registers the
// protocol package pkgID("lab") at 2 and mBuyer creates order 1 of it and
// order 2 of the compute package pkgID("market") at 3 (bid deadline 6).
// mProv3's lab node announces labBotSpec; mProv1's node is a wasm node.
func protocolOpened(t testing.TB) *chain {
	t.Helper()
	c := marketChain(t)
	c.mustBlock(c.tx(mAuthor, register(mAuthor, labEnvelope())))
	c.mustBlock(c.tx(mBuyer, createOrderWith(labOrderMsg()), createOrderWith(orderMsg())))
	return c
}

// TestBidBotSpec: a bid on an order of a protocol package names one of
// the BotSpecs its node announced, a bid on a compute order none; each
// refusal leaves the state as it was but for the fee.
func TestBidBotSpec(t *testing.T) {
	unannounced := labBidMsg(1, mNode3, 800, 80)
	unannounced.GetBid().BotspecId = bytes.Repeat([]byte{8}, 32)
	short := labBidMsg(1, mNode3, 800, 80)
	short.GetBid().BotspecId = labBotSpec[:31]
	computeWithSpec := bidMsg(2, mNode1, 800, 80)
	computeWithSpec.GetBid().BotspecId = labBotSpec
	for _, tc := range []struct {
		name    string
		signer  key
		msg     *ledgerpb.Msg
		code    uint32
		log     string
		charged bool
	}{
		{"protocol bid without a BotSpec", mProv3, bidMsg(1, mNode3, 800, 80), market.ErrBotSpec.Number, "botspec_id: missing", true},
		{"protocol bid with a BotSpec its node did not announce", mProv3, unannounced, market.ErrBotSpecNotAnnounced.Number, "botspec_id 0808", true},
		{"protocol bid with a malformed BotSpec id", mProv3, short, market.ErrInvalidHash.Number, "botspec_id", false},
		{"compute bid naming a BotSpec", mProv1, computeWithSpec, market.ErrBotSpec.Number, "botspec_id: must be empty", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := protocolOpened(t)
			checkMarketRejection(t, c, c.tx(tc.signer, tc.msg), tc.code, tc.log, tc.charged)
		})
	}
}

// TestBidBotSpecRecorded: the BotSpec a protocol bid names is kept on the
// bid, in bid_placed, on the awarded contract and in order_awarded; a
// compute contract has none.
func TestBidBotSpecRecorded(t *testing.T) {
	c := protocolOpened(t)
	res := c.mustBlock(c.tx(mProv3, labBidMsg(1, mNode3, 800, 80)), c.tx(mProv1, bidMsg(2, mNode1, 800, 80))) // 4
	if e := findEvent(t, res.TxResults[0].Events, "bid_placed"); attr(e, "botspec_id") != hex.EncodeToString(labBotSpec) {
		t.Fatalf("bid_placed %v", e)
	}
	if e := findEvent(t, res.TxResults[1].Events, "bid_placed"); attr(e, "botspec_id") != "" {
		t.Fatalf("compute bid_placed %v", e)
	}
	if bs := c.app.market.Bids(c.st, 1); len(bs) != 1 || !bytes.Equal(bs[0].BotspecId, labBotSpec) {
		t.Fatalf("bids %v", bs)
	}
	c.emptyBlocksTo(5)
	res = c.mustBlock() // 6: the award
	var awarded []Event
	for _, e := range res.Events {
		if e.Type == "order_awarded" {
			awarded = append(awarded, e)
		}
	}
	if len(awarded) != 2 || attr(awarded[0], "order_id") != "1" || attr(awarded[0], "botspec_id") != hex.EncodeToString(labBotSpec) ||
		attr(awarded[1], "botspec_id") != "" {
		t.Fatalf("order_awarded %v", awarded)
	}
	if o := c.order(1); o.State != ledgerpb.OrderState_ORDER_STATE_AWARDED || !bytes.Equal(o.Contract.BotspecId, labBotSpec) {
		t.Fatalf("protocol order %v", o)
	}
	if o := c.order(2); o.State != ledgerpb.OrderState_ORDER_STATE_AWARDED || len(o.Contract.BotspecId) != 0 {
		t.Fatalf("compute order %v", o)
	}
}

// TestRedTeamBotSpecWithdrawnBeforeAward: a provider bids naming a
// BotSpec, then re-announces its node without it (the bot is gone); the
// bid is not valid at the award, so the order expires and every party
// gets back what it put in.
func TestRedTeamBotSpecWithdrawnBeforeAward(t *testing.T) {
	c := protocolOpened(t)
	buyer0, prov0 := c.balance(mBuyer), c.balance(mProv3)
	c.mustBlock(c.tx(mProv3, labBidMsg(1, mNode3, 800, 80))) // 4
	other := announceMsg(mNode3)
	other.Architectures, other.BotspecHashes = nil, [][]byte{bytes.Repeat([]byte{9}, 32)}
	c.mustBlock(c.tx(mProv3, announceWith(other))) // 5
	c.mustBlock()                                  // 6: the award
	if o := c.order(1); o.State != ledgerpb.OrderState_ORDER_STATE_EXPIRED {
		t.Fatalf("order %v", o)
	}
	fee := c.p.MinFee
	if got := c.balance(mProv3); got != prov0-2*fee {
		t.Fatalf("provider %d → %d: want its stake back, less two fees", prov0, got)
	}
	// The buyer gets order 1's max price and PO stake back; order 2
	// (compute, no bid) expires too.
	if got := c.balance(mBuyer); got != buyer0+2*(1000+100) {
		t.Fatalf("buyer %d → %d", buyer0, got)
	}
}

// Verdicts of the protocol dispute tests; silent: the verifier neither
// commits nor reveals.
const (
	conforms    = ledgerpb.ProtocolVerdict_PROTOCOL_VERDICT_CONFORMS
	violates    = ledgerpb.ProtocolVerdict_PROTOCOL_VERDICT_VIOLATES
	undecidable = ledgerpb.ProtocolVerdict_PROTOCOL_VERDICT_UNDECIDABLE
	silent      = ledgerpb.ProtocolVerdict_PROTOCOL_VERDICT_UNSPECIFIED
)

func verdictCommit(id uint64, round uint32, k key, v ledgerpb.ProtocolVerdict) *ledgerpb.Msg {
	c := market.VerdictCommitment(id, k.addr, round, v, verifierSalt(k))
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_VerifierCommit{VerifierCommit: &ledgerpb.MsgVerifierCommit{OrderId: id, Commitment: c[:]}}}
}

func verdictReveal(id uint64, k key, v ledgerpb.ProtocolVerdict) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_VerifierReveal{VerifierReveal: &ledgerpb.MsgVerifierReveal{OrderId: id, Verdict: v, Salt: verifierSalt(k)}}}
}

// protocolDrawn: domainDeliveredWith verifiers; the buyer disputes order
// 6 at 28 asking for outcome (stake 50) and reveals its seed at 29, which
// draws three of dVer (commit deadline 32, reveal deadline 35).
func protocolDrawn(t testing.TB, outcome ledgerpb.DisputeOutcome) *domainChain {
	t.Helper()
	c := domainDeliveredWith(t, true)
	c.mustBlock(c.tx(mBuyer, openDispute(dvOrder, outcome, 50))) // 28
	c.mustBlock(c.tx(mBuyer, revealSeed(dvOrder, 1)))            // 29
	if d := c.order(dvOrder).Dispute; len(d.Verifiers) != 3 || d.CommitDeadline != 32 || d.RevealDeadline != 35 {
		t.Fatalf("dispute %v", d)
	}
	return c
}

// verdicts runs the verifiers' round of order 6 (protocolDrawn) to its
// end: the drawn verifiers commit at 30 and reveal at 32 the verdicts
// (in draw order; silent ones do neither). It returns the result of the
// block that ends the round, 35.
func (c *domainChain) verdicts(vs ...ledgerpb.ProtocolVerdict) BlockResult {
	c.t.Helper()
	drawn := c.drawn(dvOrder)
	var commits, reveals [][]byte
	for i, v := range drawn {
		if vs[i] != silent {
			commits = append(commits, c.tx(v, verdictCommit(dvOrder, 1, v, vs[i])))
		}
	}
	c.mustBlock(commits...) // 30
	c.emptyBlocksTo(31)
	for i, v := range drawn {
		if vs[i] != silent {
			reveals = append(reveals, c.tx(v, verdictReveal(dvOrder, v, vs[i])))
		}
	}
	res := c.mustBlock(reveals...) // 32
	for i, r := range res.TxResults {
		if e := findEvent(c.t, r.Events, "dispute_reveal"); attr(e, "verdict") == "" || attr(e, "output_root") != "" {
			c.t.Fatalf("reveal %d: event %v", i, e)
		}
	}
	c.emptyBlocksTo(34)
	return c.mustBlock() // 35
}

func TestVerdictCommitment(t *testing.T) {
	salt := hash32("salt")
	v := dVer[0]
	got := market.VerdictCommitment(7, v.addr, 2, violates, salt)
	want := sha256.Sum256(slices.Concat([]byte{0, 0, 0, 0, 0, 0, 0, 7}, v.addr[:], []byte{0, 0, 0, 2}, []byte{2}, salt))
	if got != want {
		t.Fatalf("commitment %x, want sha256(id ‖ verifier ‖ round ‖ verdict ‖ salt) %x", got, want)
	}
	for _, other := range [][32]byte{market.VerdictCommitment(8, v.addr, 2, violates, salt), market.VerdictCommitment(7, dVer[1].addr, 2, violates, salt),
		market.VerdictCommitment(7, v.addr, 1, violates, salt), market.VerdictCommitment(7, v.addr, 2, conforms, salt)} {
		if other == got {
			t.Fatal("the commitment does not bind the order, the verifier, the round and the verdict")
		}
	}
}

func TestMajorityVerdict(t *testing.T) {
	vs := func(verdicts ...ledgerpb.ProtocolVerdict) []*ledgerpb.DrawnVerifier {
		var out []*ledgerpb.DrawnVerifier
		for _, v := range verdicts {
			out = append(out, &ledgerpb.DrawnVerifier{Verdict: v})
		}
		return out
	}
	for _, tc := range []struct {
		name string
		vs   []*ledgerpb.DrawnVerifier
		want ledgerpb.ProtocolVerdict
	}{
		{"no verifiers", nil, silent},
		{"nobody revealed", vs(silent, silent, silent), silent},
		{"unanimous violates", vs(violates, violates, violates), violates},
		{"two of three conform", vs(conforms, conforms, violates), conforms},
		{"a majority of undecidable", vs(undecidable, undecidable, conforms), undecidable},
		{"a tie", vs(violates, conforms, silent), silent},
		{"a three-way split", vs(violates, conforms, undecidable), silent},
		{"one reveal is below the quorum of 2", vs(violates, silent, silent), silent},
		{"two of two revealed", vs(violates, violates, silent), violates},
	} {
		if got := market.MajorityVerdict(tc.vs, 2); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestProtocolDisputeDecidedByVerifiers: the drawn verifiers of a
// protocol dispute decide it with a quorum majority of violates (the
// buyer wins: the provider's bid stake is forfeited, the buyer refunded)
// or conforms (the provider wins and is paid as on close); a verifier
// outvoted by that majority, or silent, loses its stake to the treasury;
// the majority shares verifier_reward_bps of the loser's forfeit. Every
// party's balance is checked before and after.
func TestProtocolDisputeDecidedByVerifiers(t *testing.T) {
	for _, tc := range []struct {
		name     string
		verdicts []ledgerpb.ProtocolVerdict
		verdict  string
		// gains from the opening of the round to its end, before fees
		buyer, provider, author int64
		verifiers               []int64 // in draw order
		slashed                 int     // verifier stakes to the treasury
		fee                     int64   // network fee to the treasury
	}{
		// Forfeit: the bid stake 70; reward 35 for two verifiers, 17
		// each; the buyer gets 70 − 34, its dispute stake 50 and the
		// refund of price + PO stake, 800.
		{"majority violates", []ledgerpb.ProtocolVerdict{violates, violates, conforms}, "buyer_won",
			36 + 50 + 800, 0, 0, []int64{17, 17, 0}, 1, 0},
		// Forfeit: PO stake 100 + dispute stake 50; reward 75 for two,
		// 37 each; the provider is paid 700 − fee 7 − royalty 17, its
		// bid stake 70 and 150 − 74.
		{"majority conforms", []ledgerpb.ProtocolVerdict{conforms, undecidable, conforms}, "provider_won",
			0, 700 - 7 - 17 + 70 + 150 - 74, 17, []int64{37, 0, 37}, 1, 7},
		{"unanimous violates, one silent", []ledgerpb.ProtocolVerdict{violates, silent, violates}, "buyer_won",
			36 + 50 + 800, 0, 0, []int64{17, 0, 17}, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := protocolDrawn(t, ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND)
			drawn := c.drawn(dvOrder)
			b := takeBook(c.chain, append([]key{mBuyer, mProv3, mAuthor}, drawn...)...)
			stakes := c.app.bank.ModuleBalance(c.st, market.VerifierAccount)
			res := c.verdicts(tc.verdicts...)
			e := findEvent(t, res.Events, "dispute_decided")
			if attr(e, "verdict") != tc.verdict || attr(e, "kind") != "protocol" || attr(e, "state") != "resolved" ||
				attr(e, "majority_verdict") != market.ProtocolVerdictName(tc.verdicts[0]) || attr(e, "majority_root") != "" {
				t.Fatalf("event %v", e)
			}
			want := map[string]int64{mBuyer.name: tc.buyer, mProv3.name: tc.provider, mAuthor.name: tc.author}
			var fees int64
			for i, v := range drawn {
				n := int64(0)
				if tc.verdicts[i] != silent {
					n = 2
				}
				want[v.name] = tc.verifiers[i] - c.fees(int(n))
				fees += c.fees(int(n))
			}
			b.check(t, want, fees+tc.fee+int64(tc.slashed)*1_000, -(800 + 70 + 50))
			if got := c.app.bank.ModuleBalance(c.st, market.VerifierAccount); got != stakes-uint64(tc.slashed)*1_000 {
				t.Fatalf("verifiers hold %d, held %d", got, stakes)
			}
			o := c.order(dvOrder)
			if o.State != ledgerpb.OrderState_ORDER_STATE_RESOLVED || o.Dispute.MajorityVerdict != tc.verdicts[0] || o.Dispute.DomainVoteHeight != 0 {
				t.Fatalf("order %v", o)
			}
			for _, dv := range o.Dispute.Verifiers {
				if v := c.app.market.Verifier(c.st, dv.NodeKey); v != nil && v.OpenDisputes != 0 {
					t.Fatalf("verifier %x still counts %d open disputes", dv.NodeKey, v.OpenDisputes)
				}
			}
			if err := c.app.market.CheckInvariants(c.st); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestProtocolDisputeGoesToDomainVote: when the verifiers reach no
// conforms or violates majority — a majority of undecidable, a tie, a
// single reveal below the quorum, or no reveal — the domain vote opens
// from the end of their round and then decides as before. Silent
// verifiers lose their stake; the others keep it (no deciding majority
// outvoted them).
func TestProtocolDisputeGoesToDomainVote(t *testing.T) {
	for _, tc := range []struct {
		name     string
		verdicts []ledgerpb.ProtocolVerdict
		majority string
	}{
		{"a majority of undecidable", []ledgerpb.ProtocolVerdict{undecidable, conforms, undecidable}, "undecidable"},
		{"a tie", []ledgerpb.ProtocolVerdict{violates, conforms, silent}, ""},
		{"one reveal, below the quorum", []ledgerpb.ProtocolVerdict{violates, silent, silent}, ""},
		{"no reveal", []ledgerpb.ProtocolVerdict{silent, silent, silent}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := protocolDrawn(t, ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND)
			drawn := c.drawn(dvOrder)
			b := takeBook(c.chain, append([]key{mBuyer, mProv3}, drawn...)...)
			res := c.verdicts(tc.verdicts...) // 35
			e := findEvent(t, res.Events, "dispute_decided")
			var slashed []string
			want := map[string]int64{mBuyer.name: 0, mProv3.name: 0}
			var fees int64
			for i, v := range drawn {
				if tc.verdicts[i] == silent {
					slashed = append(slashed, hexOf(dVNode[slices.IndexFunc(dVer, func(k key) bool { return k.addr == v.addr })].pub()))
					want[v.name] = 0
				} else {
					want[v.name] = -c.fees(2)
					fees += c.fees(2)
				}
			}
			if attr(e, "verdict") != "undecided" || attr(e, "state") != "disputed" || attr(e, "majority_verdict") != tc.majority ||
				attr(e, "slashed") != strings.Join(slashed, ",") {
				t.Fatalf("event %v", e)
			}
			if e := findEvent(t, res.Events, "domain_vote_opened"); attr(e, "commit_deadline") != "38" || attr(e, "reveal_deadline") != "41" {
				t.Fatalf("event %v", e)
			}
			b.check(t, want, fees+int64(len(slashed))*1_000, 0)
			if err := c.app.market.CheckInvariants(c.st); err != nil {
				t.Fatal(err)
			}
			// The verifiers are done: they can neither commit nor reveal
			// now, and are free to leave.
			v := drawn[0]
			checkMarketRejection(t, c.chain, c.tx(v, verdictReveal(dvOrder, v, violates)), market.ErrWindowClosed.Number, "in its domain vote", true) // 36
			for _, dv := range c.order(dvOrder).Dispute.Verifiers {
				if v := c.app.market.Verifier(c.st, dv.NodeKey); v != nil && v.OpenDisputes != 0 {
					t.Fatalf("verifier %x still counts %d open disputes", dv.NodeKey, v.OpenDisputes)
				}
			}
			// The domain vote decides as before: one heavy voter for the
			// buyer against a lighter one (commits 37, reveals 38, end 41).
			voters := takeBook(c.chain, mBuyer, mProv3)
			ballots := []ballot{{0, buyerWon, false}, {1, providerWon, false}}
			var commits, reveals [][]byte
			for _, bl := range ballots {
				v := dvVoters[bl.voter]
				commits = append(commits, c.tx(v, domainCommit(dvOrder, v, bl.vote, c.proof(v))))
			}
			c.mustBlock(commits...) // 37
			for _, bl := range ballots {
				v := dvVoters[bl.voter]
				reveals = append(reveals, c.tx(v, domainReveal(dvOrder, v, bl.vote, c.proof(v))))
			}
			c.mustBlock(reveals...) // 38
			c.emptyBlocksTo(40)
			res = c.mustBlock() // 41
			if e := findEvent(t, res.Events, "dispute_decided"); attr(e, "verdict") != "buyer_won" || attr(e, "buyer_weight") != "1448" || attr(e, "provider_weight") != "483" {
				t.Fatalf("event %v", e)
			}
			// The buyer gets its refund (800), its dispute stake (50) and
			// the bid stake (70) less the winning voter's reward (35).
			voters.check(t, map[string]int64{mBuyer.name: 800 + 50 + 35, mProv3.name: 0}, c.fees(4)+dvStake, -(800 + 70 + 50))
		})
	}
}

// TestRedTeamProtocolVerifierCopiesVerdict: a lazy verifier tries to
// reveal another's verdict without having checked the log; its own
// commitment binds it, so it must reveal what it committed, and a reveal
// of an output root, or a compute-style commitment, is refused.
func TestRedTeamProtocolVerifierCopiesVerdict(t *testing.T) {
	// committed: verifier 0 committed to violates, verifier 1 to an
	// output root as in a compute dispute (30); the reveals come at 32.
	committed := func(t testing.TB) (*domainChain, []key) {
		c := protocolDrawn(t, ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND)
		drawn := c.drawn(dvOrder)
		c.mustBlock(c.tx(drawn[0], verdictCommit(dvOrder, 1, drawn[0], violates)), c.tx(drawn[1], verifierCommitRound(dvOrder, 1, drawn[1], trueRoot))) // 30
		c.emptyBlocksTo(31)
		return c, drawn
	}
	c, drawn := committed(t)
	for _, tc := range []struct {
		name    string
		signer  key
		msg     *ledgerpb.Msg
		code    uint32
		log     string
		charged bool
	}{
		{"a reveal of another verdict than committed", drawn[0], verdictReveal(dvOrder, drawn[0], conforms), market.ErrRootMismatch.Number, "verdict and salt do not match", true},
		{"a reveal of an output root", drawn[1], verifierReveal(dvOrder, drawn[1], trueRoot), market.ErrInvalidVerdict.Number, "verdict: missing", true},
		{"a compute-style commitment revealed as a verdict", drawn[1], verdictReveal(dvOrder, drawn[1], violates), market.ErrRootMismatch.Number, "do not match", true},
		{"a reveal with both a root and a verdict", drawn[0], &ledgerpb.Msg{Sum: &ledgerpb.Msg_VerifierReveal{VerifierReveal: &ledgerpb.MsgVerifierReveal{
			OrderId: dvOrder, OutputRoot: trueRoot, Verdict: violates, Salt: verifierSalt(drawn[0])}}}, market.ErrInvalidVerdict.Number, "output_root: must be empty", false},
		{"a reveal of an unknown verdict", drawn[0], verdictReveal(dvOrder, drawn[0], 4), market.ErrInvalidVerdict.Number, "verdict 4", false},
		{"a reveal by a verifier not drawn", c.notDrawn(dvOrder), verdictReveal(dvOrder, c.notDrawn(dvOrder), violates), market.ErrNotDrawn.Number, "not a drawn verifier", true},
		{"a reveal without a commit", drawn[2], verdictReveal(dvOrder, drawn[2], violates), market.ErrCannotVote.Number, "did not commit", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := committed(t)
			checkMarketRejection(t, c.chain, c.tx(tc.signer, tc.msg), tc.code, tc.log, tc.charged)
		})
	}
	// A verdict on a compute dispute is refused too.
	d := disputed(t) // drawn at 10: commit deadline 13
	v := d.drawn(1)[0]
	d.mustBlock(d.tx(v, verdictCommit(1, 1, v, violates))) // 11
	d.emptyBlocksTo(12)
	checkMarketRejection(t, d, d.tx(v, verdictReveal(1, v, violates)), market.ErrInvalidVerdict.Number, "reveal an output root, not a verdict", true)
}

// TestRedTeamProtocolBuyerSkipsSeed: a buyer opens a protocol dispute
// and never reveals its seed, hoping to hold the provider's payment; the
// dispute is abandoned at the seed deadline and the delivery stands.
func TestRedTeamProtocolBuyerSkipsSeed(t *testing.T) {
	c := domainDeliveredWith(t, true)
	b := takeBook(c.chain, mBuyer, mProv3, mAuthor)
	c.mustBlock(c.tx(mBuyer, openDispute(dvOrder, ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND, 50))) // 28: seed deadline 30
	c.emptyBlocksTo(30)
	res := c.mustBlock() // 31
	if e := findEvent(t, res.Events, "dispute_decided"); attr(e, "verdict") != "abandoned" || attr(e, "kind") != "protocol" {
		t.Fatalf("event %v", e)
	}
	// The provider is paid as on close (700 − 7 − 17, its bid stake 70)
	// and gets the dispute stake; the buyer its PO stake (100) back.
	b.check(t, map[string]int64{mBuyer.name: 100 - 50 - c.fees(1), mProv3.name: 700 - 7 - 17 + 70 + 50, mAuthor.name: 17}, 7+c.fees(1), -(800 + 70))
}

// labOffering is setOffering of pkgID("lab") by mNode3 naming botspec.
func labOffering(botspec []byte) *ledgerpb.Msg {
	m := setOffering(mNode3, pkgID("lab"), 600, 5)
	m.GetSetOffering().BotspecId = botspec
	return m
}

// labOffered: protocolOpened; mProv3, a vendor, offers pkgID("lab") at
// 600 on its lab node with labBotSpec (height 4).
func labOffered(t testing.TB) *chain {
	t.Helper()
	c := protocolOpened(t)
	c.mustBlock(c.tx(mProv3, setProfile("Lab Three", ledgerpb.Role_ROLE_VENDOR), labOffering(labBotSpec)))
	return c
}

// TestOfferingBotSpec: an offering of a protocol package names one of
// its node's announced BotSpecs, one of a compute package none.
func TestOfferingBotSpec(t *testing.T) {
	vendor := func(t testing.TB) *chain {
		c := protocolOpened(t)
		c.mustBlock(c.tx(mProv3, setProfile("Lab Three", ledgerpb.Role_ROLE_VENDOR)), c.tx(mProv1, setProfile("Prov One", ledgerpb.Role_ROLE_VENDOR)))
		return c
	}
	computeWithSpec := setOffering(mNode1, pkgID("market"), 600, 5)
	computeWithSpec.GetSetOffering().BotspecId = labBotSpec
	reg := registry.Codespace
	for _, tc := range []struct {
		name    string
		signer  key
		msg     *ledgerpb.Msg
		code    uint32
		log     string
		charged bool
	}{
		{"protocol offering without a BotSpec", mProv3, labOffering(nil), registry.ErrOfferingBotSpec.Number, "botspec_id: missing", true},
		{"protocol offering with a BotSpec its node did not announce", mProv3, labOffering(bytes.Repeat([]byte{8}, 32)), registry.ErrOfferingBotSpec.Number, "not a BotSpec that node", true},
		{"protocol offering with a malformed BotSpec id", mProv3, labOffering(labBotSpec[:31]), registry.ErrInvalidBotSpecHash.Number, "botspec_id: must be 32 bytes", false},
		{"compute offering naming a BotSpec", mProv1, computeWithSpec, registry.ErrOfferingBotSpec.Number, "botspec_id: must be empty", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := vendor(t)
			checkHookedRejection(t, c, c.tx(tc.signer, tc.msg), reg, tc.code, tc.log, tc.charged)
		})
	}
	c := labOffered(t)
	if o := c.app.registry.Offering(c.st, mProv3.addr, pkgID("lab")); !bytes.Equal(o.GetBotspecId(), labBotSpec) {
		t.Fatalf("offering %v", o)
	}
}

// TestBuyProtocolOffering: a direct purchase of a protocol offering
// records the offering's BotSpec on its contract and in order_awarded.
func TestBuyProtocolOffering(t *testing.T) {
	c := labOffered(t)
	buy := buyOffering(mProv3, 100)
	buy.GetBuyOffering().PackageId = pkgID("lab")
	res := c.mustBlock(c.tx(mBuyer, buy)) // 5: order 3
	if e := findEvent(t, res.TxResults[0].Events, "order_awarded"); attr(e, "botspec_id") != hex.EncodeToString(labBotSpec) {
		t.Fatalf("event %v", e)
	}
	if o := c.order(3); o.State != ledgerpb.OrderState_ORDER_STATE_AWARDED || !bytes.Equal(o.Contract.BotspecId, labBotSpec) {
		t.Fatalf("order %v", o)
	}
}

// TestRedTeamOfferingBotSpecGone: a vendor's lab node stops announcing
// the BotSpec its offering names (the bot is gone) and a buyer still
// buys it: the purchase is refused, so nobody pays for a run no bot can
// do, and no funds move but the buyer's fee.
func TestRedTeamOfferingBotSpecGone(t *testing.T) {
	c := labOffered(t)
	other := announceMsg(mNode3)
	other.Architectures, other.BotspecHashes = nil, [][]byte{bytes.Repeat([]byte{9}, 32)}
	c.mustBlock(c.tx(mProv3, announceWith(other))) // 5
	c.emptyBlocksTo(6)                             // orders 1 and 2 expire
	b := takeBook(c, mBuyer, mProv3)
	buy := buyOffering(mProv3, 100)
	buy.GetBuyOffering().PackageId = pkgID("lab")
	checkMarketRejection(t, c, c.tx(mBuyer, buy), market.ErrBotSpecNotAnnounced.Number, "no longer one its node", true)
	b.check(t, map[string]int64{mBuyer.name: -c.fees(1), mProv3.name: 0}, c.fees(1), 0)
}

// FuzzVerifierRevealVerdict decodes arbitrary bytes as a
// MsgVerifierReveal and signs it by a drawn verifier of a protocol
// dispute that committed to violates, in the reveal window, so that
// inputs reach the verdict rules and the commitment check.
func FuzzVerifierRevealVerdict(f *testing.F) {
	c := protocolDrawn(f, ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND)
	v := c.drawn(dvOrder)[0]
	c.mustBlock(c.tx(v, verdictCommit(dvOrder, 1, v, violates))) // 30
	c.emptyBlocksTo(31)
	for _, seed := range []*ledgerpb.Msg{verdictReveal(dvOrder, v, violates), verdictReveal(dvOrder, v, conforms),
		verdictReveal(dvOrder, v, 9), verifierReveal(dvOrder, v, trueRoot)} {
		f.Add(mustMarshal(seed.GetVerifierReveal()))
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, raw []byte) {
		m := &ledgerpb.MsgVerifierReveal{}
		if proto.Unmarshal(raw, m) != nil {
			return
		}
		fuzzCheck(t, c.chain, signBody(t, v, c.body(v, &ledgerpb.Msg{Sum: &ledgerpb.Msg_VerifierReveal{VerifierReveal: m}})))
	})
}

package app

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/distribution"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/ledger/staking"
)

func delegateMsg(v key, amount uint64) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_Delegate{Delegate: &ledgerpb.MsgDelegate{Validator: v.addr.Bytes(), Amount: amount}}}
}

func undelegateMsg(v key, amount uint64) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_Undelegate{Undelegate: &ledgerpb.MsgUndelegate{Validator: v.addr.Bytes(), Amount: amount}}}
}

func redelegateMsg(src, dst key, amount uint64) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_Redelegate{Redelegate: &ledgerpb.MsgRedelegate{SrcValidator: src.addr.Bytes(), DstValidator: dst.addr.Bytes(), Amount: amount}}}
}

func withdrawMsg(v key) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_WithdrawRewards{WithdrawRewards: &ledgerpb.MsgWithdrawRewards{Validator: v.addr.Bytes()}}}
}

func commissionMsg(bps uint32) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_EditValidator{EditValidator: &ledgerpb.MsgEditValidator{SetCommission: true, CommissionBps: bps}}}
}

func unjailMsg() *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_Unjail{Unjail: &ledgerpb.MsgUnjail{}}}
}

// dposNet is a chain with several genesis validators and delegators,
// driven with explicit commits of the previous block.
type dposNet struct {
	*chain
	vals, cons, dels []key
	funder           key
}

func newDPoSNet(t testing.TB, nVals, nDels int, edit func(*ledgerpb.Params)) *dposNet {
	p := testParams()
	p.StakingCommissionChangeBlocks = 5
	p.StakingSignedBlocksWindow = 20
	p.StakingMinSignedBps = 5_000
	p.StakingDowntimeJailBlocks = 10
	p.StakingDowntimeSlashBps = 100
	// The mint pays part of each block's minting and of every fee into
	// "rewards" (allocated at the start of the next block).
	def := params.Default()
	p.MintInflationBps, p.MintBlockTimeMs, p.MintSupplyCeiling = 10_000, 6_000, def.MintSupplyCeiling
	p.MintRewardsBps, p.MintMinersBps, p.FeeBurnBps, p.FeeValidatorBps = 6_000, 1_000, 2_000, 5_000
	if edit != nil {
		edit(p)
	}
	n := &dposNet{funder: newKey("rewards funder")}
	g := &ledgerpb.Genesis{Params: p, Accounts: []*ledgerpb.GenesisAccount{{Address: n.funder.addr.String(), Balance: 1 << 50}}}
	for i := range nVals {
		v, c := newKey(fmt.Sprintf("dpos val %d", i)), newKey(fmt.Sprintf("dpos cons %d", i))
		n.vals, n.cons = append(n.vals, v), append(n.cons, c)
		g.Accounts = append(g.Accounts, &ledgerpb.GenesisAccount{Address: v.addr.String(), Balance: 1_000_000})
		g.Validators = append(g.Validators, &ledgerpb.GenesisValidator{Operator: v.addr.String(), ConsensusPubkey: c.pub(), SelfBond: 100_000 + 10_000*uint64(i), Moniker: fmt.Sprintf("v%d", i)})
	}
	for i := range nDels {
		d := newKey(fmt.Sprintf("dpos delegator %d", i))
		n.dels = append(n.dels, d)
		g.Accounts = append(g.Accounts, &ledgerpb.GenesisAccount{Address: d.addr.String(), Balance: 10_000_000})
	}
	n.chain = newChain(t, g)
	return n
}

// fund moves amount from the funder into the rewards account, as the
// minting and fee split of a block do.
func (n *dposNet) fund(amount uint64) {
	var ev event.Log
	if err := n.app.bank.MoveToModule(n.st, &ev, n.funder.addr, distribution.RewardsPool, amount); err != nil {
		n.t.Fatal(err)
	}
}

// commit returns the votes of the active set, signed unless missing
// says otherwise.
func (n *dposNet) commit(missing func(i int) bool) []Vote {
	var out []Vote
	for i, v := range n.vals {
		if pw := n.app.staking.LastPower(n.st, v.addr); pw > 0 {
			out = append(out, Vote{ValidatorAddress: consAddr(n.cons[i]), Power: pw, Signed: missing == nil || !missing(i)})
		}
	}
	return out
}

func (n *dposNet) finalize(votes []Vote, mis []Misbehavior, txs ...[]byte) BlockResult {
	n.t.Helper()
	n.height++
	res := n.app.FinalizeBlock(n.st, Header{ChainID: testChainID, Height: n.height, Hash: testBlockHash(n.height), LastCommit: votes}, txs, mis)
	if err := CheckInvariants(n.st); err != nil {
		n.t.Fatalf("height %d: %v", n.height, err)
	}
	return res
}

type pair struct{ val, del address.Address }

// reference is the naive distribution: every block it loops over every
// delegation of every signer and adds shares × the block's ratio
// increment to what the delegation is owed. Its only shared rule with F1
// is the rounding the package doc of distribution defines: per block and
// validator, the delegators' part becomes ⌊(part × 10^18 + carry) /
// shares⌋ per share, the remainder carried; a payment is ⌊owed / 10^18⌋.
type reference struct {
	owed        map[pair]*big.Int
	carry       map[address.Address]*big.Int
	commission  map[address.Address]uint64
	paid        map[address.Address]uint64 // delegation rewards paid, by delegator
	commPaid    map[address.Address]uint64
	outstanding uint64
}

func newReference() *reference {
	return &reference{owed: map[pair]*big.Int{}, carry: map[address.Address]*big.Int{}, commission: map[address.Address]uint64{},
		paid: map[address.Address]uint64{}, commPaid: map[address.Address]uint64{}}
}

type snapshot struct {
	vals   map[address.Address]*ledgerpb.Validator
	shares map[pair]uint64
}

func (n *dposNet) snapshot() snapshot {
	s := snapshot{vals: map[address.Address]*ledgerpb.Validator{}, shares: map[pair]uint64{}}
	for _, v := range n.app.staking.Validators(n.st) {
		op := address.Address(v.Operator)
		s.vals[op] = v
		for _, d := range n.app.staking.Delegations(n.st, op) {
			s.shares[pair{op, address.Address(d.Delegator)}] = d.Shares
		}
	}
	return s
}

func (r *reference) owedOf(p pair) *big.Int {
	if r.owed[p] == nil {
		r.owed[p] = new(big.Int)
	}
	return r.owed[p]
}

// allocate is the reference's begin block: fresh is the rewards balance
// less what it allocated and did not pay.
func (r *reference) allocate(before snapshot, rewardsBalance uint64, votes []Vote, opOf map[string]address.Address) {
	fresh := rewardsBalance - r.outstanding
	var total uint64
	for _, v := range votes {
		if v.Signed && v.Power > 0 {
			total += uint64(v.Power)
		}
	}
	if fresh == 0 || total == 0 {
		return
	}
	for _, vote := range votes {
		if !vote.Signed || vote.Power <= 0 {
			continue
		}
		op := opOf[string(vote.ValidatorAddress)]
		v := before.vals[op]
		part := new(big.Int).Div(new(big.Int).Mul(new(big.Int).SetUint64(fresh), big.NewInt(vote.Power)), new(big.Int).SetUint64(total)).Uint64()
		r.outstanding += part
		commission := part * uint64(v.CommissionBps) / 10_000
		dels := part - commission
		if v.DelegatorShares == 0 {
			commission, dels = part, 0
		}
		r.commission[op] += commission
		if dels == 0 {
			continue
		}
		if r.carry[op] == nil {
			r.carry[op] = new(big.Int)
		}
		num := new(big.Int).Add(new(big.Int).Mul(new(big.Int).SetUint64(dels), big.NewInt(distribution.RatioScale)), r.carry[op])
		inc, carry := new(big.Int).QuoRem(num, new(big.Int).SetUint64(v.DelegatorShares), new(big.Int))
		r.carry[op] = carry
		for p, shares := range before.shares { // every delegation, every block
			if p.val == op {
				o := r.owedOf(p)
				o.Add(o, new(big.Int).Mul(inc, new(big.Int).SetUint64(shares)))
			}
		}
	}
}

func (r *reference) pay(p pair) {
	o := r.owedOf(p)
	q, m := new(big.Int).QuoRem(o, big.NewInt(distribution.RatioScale), new(big.Int))
	r.owed[p] = m
	r.paid[p.del] += q.Uint64()
	r.outstanding -= q.Uint64()
}

func (r *reference) payCommission(op address.Address) {
	r.commPaid[op] += r.commission[op]
	r.outstanding -= r.commission[op]
	r.commission[op] = 0
}

// paidByEvents sums the rewards and commissions the ledger reports paid.
func paidByEvents(t testing.TB, evs []Event, paid, commPaid map[address.Address]uint64) {
	for _, e := range evs {
		switch e.Type {
		case "withdraw_rewards", "withdraw_commission":
			who := attr(e, "delegator")
			if e.Type == "withdraw_commission" {
				who = attr(e, "operator")
			}
			a, err := address.Parse(who)
			if err != nil {
				t.Fatal(err)
			}
			amt, err := strconv.ParseUint(attr(e, "amount"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			if e.Type == "withdraw_rewards" {
				paid[a] += amt
			} else {
				commPaid[a] += amt
			}
		}
	}
}

// TestRewardsEqualNaiveReference runs 1,000 random blocks of delegations,
// undelegations, redelegations, withdrawals, commission changes, downtime
// and double-sign slashes and unjails, and checks after every block that
// every delegator and operator was paid exactly what a naive per-block
// reference pays, to the ucell, and at the end that what is still owed
// agrees too.
func TestRewardsEqualNaiveReference(t *testing.T) {
	const blocks = 1_000
	n := newDPoSNet(t, 5, 30, nil)
	rng := rand.New(rand.NewPCG(14, 1))
	ref := newReference()
	opOf := map[string]address.Address{}
	for i, c := range n.cons {
		opOf[string(consAddr(c))] = n.vals[i].addr
	}
	paid, commPaid := map[address.Address]uint64{}, map[address.Address]uint64{}
	seqs := map[address.Address]uint64{}
	mkTx := func(k key, msgs ...*ledgerpb.Msg) []byte {
		b := &ledgerpb.TxBody{ChainId: testChainID, Sequence: n.app.auth.Sequence(n.st, k.addr) + seqs[k.addr], Fee: 10, Messages: withProofs(k.addr, msgs)}
		seqs[k.addr]++
		return signBody(t, k, b)
	}
	flaky := 4 // this validator misses most blocks now and then: jailed for downtime
	var stats struct{ ok, failed, slashes, downtimes, unjails int }
	for h := 1; h <= blocks; h++ {
		clear(seqs)
		n.fund(uint64(rng.IntN(100_000)))
		offline := h%200 > 150
		votes := n.commit(func(i int) bool { return (i == flaky && offline) || rng.IntN(20) == 0 })
		var mis []Misbehavior
		if h%333 == 0 {
			i := rng.IntN(len(n.vals) - 1)
			mis = append(mis, Misbehavior{ValidatorAddress: consAddr(n.cons[i]), Height: int64(h - 1 - rng.IntN(8))})
		}
		var txs [][]byte
		type intent struct {
			who      key
			withdraw *key
			commOp   bool
		}
		var intents []intent
		for _, d := range n.dels {
			if rng.IntN(10) != 0 {
				continue
			}
			v := n.vals[rng.IntN(len(n.vals))]
			w := n.vals[rng.IntN(len(n.vals))]
			ds := staking.DelegationsOf(n.st, d.addr)
			switch op := rng.IntN(4); {
			case op == 0 || len(ds) == 0:
				txs = append(txs, mkTx(d, delegateMsg(v, 1+uint64(rng.IntN(50_000)))))
				intents = append(intents, intent{who: d})
			case op == 1:
				x := ds[rng.IntN(len(ds))]
				amt := 1 + uint64(rng.Int64N(int64(x.Tokens+1)))
				txs = append(txs, mkTx(d, undelegateMsg(key{addr: x.Validator}, amt)))
				intents = append(intents, intent{who: d})
			case op == 2:
				x := ds[rng.IntN(len(ds))]
				amt := 1 + uint64(rng.Int64N(int64(x.Tokens+1)))
				txs = append(txs, mkTx(d, redelegateMsg(key{addr: x.Validator}, w, amt)))
				intents = append(intents, intent{who: d})
			default:
				x := ds[rng.IntN(len(ds))]
				vk := key{addr: x.Validator}
				txs = append(txs, mkTx(d, withdrawMsg(vk)))
				intents = append(intents, intent{who: d, withdraw: &vk})
			}
		}
		for i, v := range n.vals {
			val := n.app.staking.Validator(n.st, v.addr)
			switch {
			case val.Jailed && !val.Tombstoned && int64(h) >= val.JailedUntil:
				txs = append(txs, mkTx(v, unjailMsg()))
				intents = append(intents, intent{who: v})
			case rng.IntN(30) == 0:
				bps := int64(val.CommissionBps) + rng.Int64N(2*int64(val.MaxChangeBps)+41) - int64(val.MaxChangeBps) - 20
				txs = append(txs, mkTx(v, commissionMsg(uint32(max(0, bps)))))
				intents = append(intents, intent{who: v})
			case rng.IntN(15) == 0:
				vk := n.vals[i]
				txs = append(txs, mkTx(v, withdrawMsg(vk)))
				intents = append(intents, intent{who: v, withdraw: &vk, commOp: true})
			}
		}

		before := n.snapshot()
		ref.allocate(before, n.app.bank.ModuleBalance(n.st, distribution.RewardsPool), votes, opOf)
		res := n.finalize(votes, mis, txs...)
		after := n.snapshot()

		withdrawn := map[pair]bool{}
		for i, r := range res.TxResults {
			if r.Code != 0 {
				stats.failed++
				continue
			}
			stats.ok++
			in := intents[i]
			if in.withdraw != nil {
				withdrawn[pair{in.withdraw.addr, in.who.addr}] = true
				if in.commOp {
					ref.payCommission(in.who.addr)
				}
			}
			paidByEvents(t, r.Events, paid, commPaid)
		}
		paidByEvents(t, res.Events, paid, commPaid)
		for _, e := range res.Events {
			switch e.Type {
			case "slash":
				stats.slashes++
			case "downtime":
				stats.downtimes++
			}
		}
		for _, r := range res.TxResults {
			for _, e := range r.Events {
				if e.Type == "unjail" {
					stats.unjails++
				}
			}
		}
		// F1 pays a delegation before each change of its shares; the
		// reference pays every delegation whose shares changed.
		for p, s := range before.shares {
			if after.shares[p] != s || withdrawn[p] {
				ref.pay(p)
			}
		}
		for p := range after.shares {
			if _, ok := before.shares[p]; !ok {
				ref.pay(p)
			}
		}
		for a, want := range ref.paid {
			if paid[a] != want {
				t.Fatalf("height %d: %s paid %d ucell of rewards, reference %d", h, a, paid[a], want)
			}
		}
		for a, want := range ref.commPaid {
			if commPaid[a] != want {
				t.Fatalf("height %d: operator %s paid %d ucell of commission, reference %d", h, a, commPaid[a], want)
			}
		}
		if len(paid) != len(ref.paid) && len(paid) > 0 {
			for a := range paid {
				if _, ok := ref.paid[a]; !ok && paid[a] > 0 {
					t.Fatalf("height %d: %s paid %d ucell, reference nothing", h, a, paid[a])
				}
			}
		}
	}
	var pending uint64
	for p := range ref.owed {
		want := new(big.Int).Quo(ref.owed[p], big.NewInt(distribution.RatioScale)).Uint64()
		if got := n.app.distr.Rewards(n.st, p.val, p.del); got != want {
			t.Fatalf("pending rewards of %s at %s: %d, reference %d", p.del, p.val, got, want)
		}
		pending += want
	}
	for _, v := range n.vals {
		if got, want := distribution.Commission(n.st, v.addr), ref.commission[v.addr]; got != want {
			t.Fatalf("commission of %s: %d, reference %d", v.addr, got, want)
		}
	}
	if got := distribution.Outstanding(n.st); got != ref.outstanding {
		t.Fatalf("outstanding %d, reference %d", got, ref.outstanding)
	}
	var totalPaid uint64
	for _, v := range paid {
		totalPaid += v
	}
	t.Logf("%d blocks: %d txs ok, %d failed; %d slash events (%d for downtime), %d unjails; %d ucell of rewards paid, %d pending",
		blocks, stats.ok, stats.failed, stats.slashes, stats.downtimes, stats.unjails, totalPaid, pending)
	if stats.slashes == 0 || stats.downtimes == 0 || stats.unjails == 0 || totalPaid == 0 {
		t.Fatalf("the run did not exercise slashes, downtime, unjail and payments: %+v", stats)
	}
}

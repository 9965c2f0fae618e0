package order

import (
	"context"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/client/order/ordertest"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/node"
)

// TestProtocolRequestRefusedBeforeFunds: a protocol order whose
// parameters are missing or do not fill a valid protocol is refused with
// a *FieldError naming the parameter, or the instruction and field,
// before any transaction.
func TestProtocolRequestRefusedBeforeFunds(t *testing.T) {
	n := network(t)
	ctx := testCtx(t)
	b := buyerOf(t, n, "buyer-protocol-bad")
	before := balanceOf(t, b)
	broken := t.TempDir()
	tmpl := ordertest.ProtocolTemplate()
	for _, f := range []string{"cell.toml", "protocol.json"} {
		data, err := os.ReadFile(filepath.Join(tmpl, f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "protocol.json" {
			// An incubation without a duration.
			data = []byte(strings.Replace(string(data), `"duration"`, `"duration_missing"`, 1))
		}
		if err := os.WriteFile(filepath.Join(broken, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name, pkg string
		params    map[string]string
		field     string
	}{
		{"missing parameter", tmpl, nil, "params.ENZYME"},
		{"undeclared parameter", tmpl, map[string]string{"ENZYME": "EcoRI", "COLOR": "blue"}, "params.COLOR"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := b.Run(ctx, Request{Package: tc.pkg, Params: tc.params, MaxPrice: 400_000})
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Fatalf("Run: %v, want a *FieldError on %s", err, tc.field)
			}
		})
	}
	t.Run("protocol that does not build", func(t *testing.T) {
		_, err := b.Run(ctx, Request{Package: broken, Params: map[string]string{"ENZYME": "EcoRI"}, MaxPrice: 400_000})
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != "package" || !strings.Contains(fe.Rule, "instructions[") {
			t.Fatalf("Run: %v, want a *FieldError naming the instruction", err)
		}
	})
	if after := balanceOf(t, b); after != before {
		t.Errorf("balance %d → %d: a refused request must not move funds", before, after)
	}
}

// TestProtocolOrderOnChain orders protocol packages on the test network:
// the happy λ digest on Provider's simulated lab, closed and paid; a
// node whose bot skips a step, caught by the buyer's conformance check
// and disputed; and a protocol no bot covers, which expires with the
// unmet requirement in its reasons.
func TestProtocolOrderOnChain(t *testing.T) {
	n := network(t)

	t.Run("happy protocol order: checked, closed, provider paid, gel and label written", func(t *testing.T) {
		t.Parallel()
		ctx := testCtx(t)
		b := buyerOf(t, n, "buyer-protocol")
		pb := balanceOf(t, b)
		provider := ordertest.Address("provider")
		pp := balanceAt(t, b, provider)
		out := t.TempDir()
		var got steps
		res, err := b.Run(ctx, Request{Package: ordertest.ProtocolTemplate(), Params: map[string]string{"ENZYME": "HindIII"},
			MaxPrice: 400_000, BidWindow: bidWindow, DeliveryWindow: 60, ConfirmWindow: 40, OutDir: out, Progress: got.add})
		if err != nil {
			t.Fatalf("Run: %v (steps %v)", err, got.list)
		}
		got.need(t, StepBot, StepDelivered, StepDownloaded, StepChecked, StepWritten, StepClosed)
		if res.State != "closed" || res.Provider != provider.String() {
			t.Fatalf("state %s provider %s, want closed by %s", res.State, res.Provider, provider)
		}
		p := res.Protocol
		if p == nil || !p.Conforms || p.Violation != "" || !p.Simulated || len(p.Timeline) != p.Instructions || p.Instructions == 0 {
			t.Fatalf("protocol report %+v: want a conforming simulated run with one span per instruction", p)
		}
		if len(p.Gels) != 1 || len(p.Gels[0].Lanes) < 2 || len(p.Gels[0].Lanes[1].Bands) == 0 {
			t.Errorf("gels %+v: want the ladder and a digest lane with bands", p.Gels)
		}
		for _, f := range []string{p.LogFile, p.LabelFile, filepath.Join(res.OutputDir, "outputs", "gel.png")} {
			if st, err := os.Stat(f); err != nil || st.Size() == 0 {
				t.Errorf("%s: %v", f, err)
			}
		}
		if gain := balanceAt(t, b, provider) - pp; gain == 0 {
			t.Errorf("provider's balance did not grow")
		}
		if spent := pb - balanceOf(t, b); res.Cost == nil || spent != res.Cost.Total {
			t.Errorf("buyer spent %d, cost %+v", spent, res.Cost)
		}
	})

	t.Run("protocol no bot covers: expires with the unmet requirement", func(t *testing.T) {
		t.Parallel()
		ctx := testCtx(t)
		b := buyerOf(t, n, "buyer-protocol-uncovered")
		// A package of its own, published by the buyer.
		dir := t.TempDir()
		if err := ordertest.WriteProtocolDir(dir, "lambda-digest-uncovered", 2); err != nil {
			t.Fatal(err)
		}
		before := balanceOf(t, b)
		// NotI is a real enzyme, but the simulated lab does not stock it.
		res, err := b.Run(ctx, Request{Package: dir, Params: map[string]string{"ENZYME": "NotI"}, MaxPrice: 400_000, BidWindow: bidWindow})
		if !errors.Is(err, ErrExpired) {
			t.Fatalf("Run: %v, want ErrExpired", err)
		}
		found := false
		for _, r := range res.Reasons {
			if r.NodeKey == hexKey(n.Provider) {
				found = r.Reason == "not-covered" && strings.Contains(r.Detail, "NotI")
				if !found {
					t.Errorf("provider's reason %+v: want not-covered naming NotI", r)
				}
			}
		}
		if !found {
			t.Errorf("reasons %+v: no reason of the provider", res.Reasons)
		}
		// Publishing and creating: two transactions' fees, the rest refunded.
		if spent := before - balanceOf(t, b); spent != 2*n.Params.MinFee {
			t.Errorf("expired order cost %d ucell, want only two fees (%d)", spent, 2*n.Params.MinFee)
		}
	})
}

// TestSkipStepAttack: a provider whose bot skips a warp of the run
// (fault skip-step) and delivers anyway is caught by the buyer's
// conformance check, which names the missing warp; the buyer disputes
// with it as the claim, the drawn verifier's verdict is violates, the
// provider's bid stake is slashed and the buyer gets its price, PO stake
// and dispute stake back.
func TestSkipStepAttack(t *testing.T) {
	n := network(t)
	t.Parallel()
	{
		ctx := testCtx(t)
		b := buyerOf(t, n, "buyer-protocol-skip")
		cheat := ordertest.Address(string(node.FaultSkipStep))
		buyerBefore, cheatBefore := balanceOf(t, b), balanceAt(t, b, cheat)
		var got steps
		res, err := b.Run(ctx, Request{Package: n.PackageDir(node.FaultSkipStep), Params: map[string]string{"ENZYME": "EcoRI"},
			MaxPrice: 400_000, BidWindow: bidWindow, DeliveryWindow: 60, ConfirmWindow: 40, Progress: got.add})
		if !errors.Is(err, ErrDisputed) {
			t.Fatalf("Run: %v, want ErrDisputed (steps %v)", err, got.list)
		}
		if res.Provider != cheat.String() {
			t.Fatalf("provider %s, want the skip-step node %s", res.Provider, cheat)
		}
		p := res.Protocol
		if p == nil || p.Conforms || !strings.Contains(p.Violation, "missing-warp") {
			t.Fatalf("protocol report %+v: want a missing-warp violation", p)
		}
		d := res.Dispute
		if d == nil || d.Claim != "not-to-spec" || d.Verdict != "buyer_won" || !strings.Contains(d.Why, p.Violation) || len(d.Verifiers) == 0 {
			t.Fatalf("dispute %+v: want not-to-spec, won, with the violation as its claim", d)
		}
		for _, v := range d.Verifiers {
			if !otherNode(n, v, node.FaultSkipStep) {
				t.Errorf("verifier %s is the provider", v)
			}
		}
		// The buyer gets back the price, the PO stake and the dispute
		// stake, plus the provider's forfeited bid stake (less the
		// verifiers' reward): it pays only its transactions' fees.
		fees := uint64(res.txs) * n.Params.MinFee
		back := res.Price + n.Params.MinPoStake + d.Stake
		if d.Refund <= back {
			t.Errorf("refund %d, want more than price + PO stake + dispute stake %d (the forfeit bid stake)", d.Refund, back)
		}
		forfeit := d.Refund - back
		if after := balanceOf(t, b); after != buyerBefore-fees+forfeit {
			t.Errorf("buyer's balance %d → %d, want %d (fees %d of %d transactions, forfeit %d)", buyerBefore, after, buyerBefore-fees+forfeit, fees, res.txs, forfeit)
		}
		// The provider was not paid and lost its bid stake.
		if cheatAfter := balanceAt(t, b, cheat); cheatAfter+forfeit > cheatBefore {
			t.Errorf("skip-step provider's balance %d → %d: want it to lose at least the forfeit %d", cheatBefore, cheatAfter, forfeit)
		}
	}
}

// balanceAt returns the balance of addr in ucell.
func balanceAt(t *testing.T, b *Buyer, addr address.Address) uint64 {
	t.Helper()
	v, err := b.Chain.Balance(context.Background(), addr)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func hexKey(x *ordertest.Node) string { return hex.EncodeToString(x.NodeKey()) }

package devnet

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/client/service"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
)

// TestPrimerDesignOnDevnet: a devnet registers the example services (make
// examples); a buyer orders primer-design for 200 blocks, calls it — the
// node starts seq-index, fetched by its package id, as its child — gets
// primer pairs with amplicon sizes, stops it early, and pays the price pro
// rata of the blocks served.
func TestPrimerDesignOnDevnet(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a devnet")
	}
	t.Chdir("..") // the repository, where DefaultPackageDirs looks
	dirs := DefaultPackageDirs()
	d := startDevnetOptions(t, []NodeOptions{{}}, dirs, nil)
	ids := map[string][32]byte{}
	for _, p := range d.Packages {
		ids[p.Name] = p.ID
	}
	for _, name := range ServiceExamples {
		if _, ok := ids[name]; !ok {
			t.Fatalf("%s is not registered (make examples): packages %+v", name, d.Packages)
		}
	}
	ctx := context.Background()
	key, err := d.Key(KeyBuyer)
	if err != nil {
		t.Fatal(err)
	}
	b := &service.Buyer{Client: d.Client, Key: key, ChainID: d.ChainID}
	before, err := d.Client.Balance(ctx, b.Address())
	if err != nil {
		t.Fatal(err)
	}
	p, err := d.Client.Params(ctx)
	if err != nil {
		t.Fatal(err)
	}
	id, err := b.Start(ctx, service.Order{Package: ids["primer-design"], Blocks: 200, MaxPrice: 100_000})
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	a, err := b.WaitAccess(wctx, id, 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	idx := ids["seq-index"]
	resp, err := b.Call(ctx, a, 1, fmt.Appendf(nil, `{"start": 30000, "end": 30500, "index": "%x"}`, idx[:]))
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Pairs []struct {
			AmpliconBP int    `json:"amplicon_bp"`
			Params     string `json:"params"`
		} `json:"pairs"`
	}
	if err := json.Unmarshal(resp, &r); err != nil || len(r.Pairs) == 0 || r.Pairs[0].AmpliconBP < 501 {
		t.Fatalf("answer %s (%v)", resp, err)
	}
	t.Logf("first pair: %d bp, %s", r.Pairs[0].AmpliconBP, r.Pairs[0].Params)
	if _, err := b.Stop(ctx, id); err != nil {
		t.Fatal(err)
	}
	o := waitState(t, d, id, 90*time.Second, ledgerpb.OrderState_ORDER_STATE_CLOSED)
	served := o.GetDelivery().GetServedBlocks()
	if served == 0 || served >= 200 || o.GetDelivery().GetCalls() != 1 {
		t.Fatalf("receipt: %d of 200 blocks, %d calls", served, o.GetDelivery().GetCalls())
	}
	charged := market.ServiceCharge(o.GetContract().GetPrice(), served, o.GetServiceBlocks())
	after, err := d.Client.Balance(ctx, b.Address())
	if err != nil {
		t.Fatal(err)
	}
	if want := before - 2*p.GetMinFee() - charged; after != want {
		t.Fatalf("buyer balance %d, want %d (%d charged for %d of 200 blocks at %d)", after, want, charged, served, o.GetContract().GetPrice())
	}
}

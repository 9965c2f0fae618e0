package bench

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/chain"
	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/internal/freeport"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/params"
)

// TestScaleHome: a chain home written over a kept seeded state starts
// (CometBFT at the seeded height + 1, without InitChain), commits
// blocks, and takes a transfer signed with the funder's key; the ledger's
// invariants hold after it.
func TestScaleHome(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := RunScale(ctx, ScaleOptions{Scales: []float64{0.0002}, Repeat: 1, Work: 5, Dir: dir}); err != nil {
		t.Fatal(err)
	}
	ports, err := freeport.Take(2)
	if err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(t.TempDir(), "home")
	h, err := WriteScaleHome(ctx, dir, 0.0002, home, chain.NodeConfig{Moniker: "scale", Ports: chain.Ports{P2P: ports[0], RPC: ports[1]},
		BlockTime: 100 * time.Millisecond, Local: true})
	if err != nil {
		t.Fatal(err)
	}
	if h.Height <= 0 || h.Power <= 0 || h.Funder != newAccount(ScaleFunderKey()).addr.String() {
		t.Fatalf("home %+v", h)
	}
	if _, err := WriteScaleHome(ctx, dir, 0.0002, home, chain.NodeConfig{}); err == nil {
		t.Fatal("a second home over the same ledger: no error")
	}
	if _, err := WriteScaleHome(ctx, dir, 0.5, t.TempDir(), chain.NodeConfig{}); err == nil {
		t.Fatal("no kept state of that scale: no error")
	}
	n, err := chain.Start(ctx, home, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			n.Stop()
		}
	}()
	c, err := client.New(fmt.Sprintf("http://127.0.0.1:%d", ports[1]))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, err := c.Status(ctx)
		if err == nil && st.SyncInfo.LatestBlockHeight >= h.Height+2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no block after the seeded height %d: %v %v", h.Height, st, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	to := labelAddress("scale home test", 0)
	res, err := c.Send(ctx, ScaleFunderKey(), ScaleChainID, params.Default().MinFee,
		&ledgerpb.Msg{Sum: &ledgerpb.Msg_Send{Send: &ledgerpb.MsgSend{To: to.Bytes(), Amount: 1234}}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Height <= h.Height {
		t.Fatalf("transfer committed at %d, seeded height %d", res.Height, h.Height)
	}
	if b, err := c.Balance(ctx, to); err != nil || b != 1234 {
		t.Fatalf("balance %d, %v", b, err)
	}
	stopped = true
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := chain.CheckInvariants(home); err != nil {
		t.Fatal(err)
	}
}

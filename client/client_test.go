package client_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/internal/testchain"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/auth"
	"github.com/celltonomy/celltonomy/ledger/bank"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/ledger/query"
)

// solo is a real single-validator chain in this process (100 ms blocks)
// with one funded account, alice: its validator's operator.
type solo struct {
	rpc   string
	alice ed25519.PrivateKey
	addr  address.Address
}

// chainID is testchain's default chain id.
const chainID = "test-chain"

func startSolo(t *testing.T) solo {
	t.Helper()
	c := testchain.Start(t, testchain.Options{})
	return solo{rpc: c.RPC, alice: c.Operator, addr: c.OperatorAddress}
}

// waitHeight waits until the chain has committed block h.
func waitHeight(t *testing.T, c *client.Client, h int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		st, err := c.Status(ctx)
		if err == nil && st.SyncInfo.LatestBlockHeight >= h {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("block %d: %v", h, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// TestProvenReadsVerifyHeaders: a proven read checks its app hash against a
// header the light client verified, from the first header it saw or from
// a configured trust root; a wrong trust root fails every proven read.
func TestProvenReadsVerifyHeaders(t *testing.T) {
	s := startSolo(t)
	ctx := context.Background()
	c, err := client.New(s.rpc)
	if err != nil {
		t.Fatal(err)
	}
	waitHeight(t, c, 2)
	// Trust on first use.
	bal, _, err := c.ProvenBalance(ctx, s.addr)
	if err != nil || bal != testchain.OperatorBalance-1_000_000_000 {
		t.Fatalf("ProvenBalance = %d, %v", bal, err)
	}
	// A trust root read from block 1.
	one := int64(1)
	cm, err := c.RPC().Commit(ctx, &one)
	if err != nil {
		t.Fatal(err)
	}
	root := client.TrustRoot{Height: 1, Hash: cm.SignedHeader.Hash()}
	parsed, err := client.ParseTrustRoot(root.String())
	if err != nil || parsed.Height != 1 || !bytes.Equal(parsed.Hash, root.Hash) {
		t.Fatalf("ParseTrustRoot(%s) = %+v, %v", root, parsed, err)
	}
	trusting, _ := client.New(s.rpc)
	trusting.Trust(root)
	if _, _, err := trusting.ProvenBalance(ctx, s.addr); err != nil {
		t.Fatalf("with trust root %s: %v", root, err)
	}
	h, err := trusting.TrustedHeader(ctx, 2)
	if err != nil || h.Height != 2 {
		t.Fatalf("TrustedHeader(2) = %v, %v", h, err)
	}
	// A trust root of another chain (a wrong hash).
	wrong := root
	wrong.Hash = bytes.Repeat([]byte{7}, 32)
	fooled, _ := client.New(s.rpc)
	fooled.Trust(wrong)
	if _, _, err := fooled.ProvenBalance(ctx, s.addr); !errors.Is(err, client.ErrHeader) {
		t.Fatalf("with a wrong trust root: %v, want ErrHeader", err)
	}
}

func TestParseTrustRoot(t *testing.T) {
	for _, bad := range []string{"", "1", "0:" + string(bytes.Repeat([]byte("a"), 64)), "x:00", "1:zz", "1:" + string(bytes.Repeat([]byte("a"), 62))} {
		if _, err := client.ParseTrustRoot(bad); err == nil {
			t.Errorf("ParseTrustRoot(%q) accepted", bad)
		}
	}
}

// TestDoomedTransactionCostsNoFee: a transaction the ledger would refuse
// is refused by the client's simulation before it is broadcast, with the
// ledger's code (errors.Is), and the signer's balance and sequence do not
// move; a query refused by the ledger carries its code too.
func TestDoomedTransactionCostsNoFee(t *testing.T) {
	s := startSolo(t)
	ctx := context.Background()
	c, err := client.New(s.rpc)
	if err != nil {
		t.Fatal(err)
	}
	waitHeight(t, c, 2)
	fee := params.Default().MinFee
	before, err := c.Balance(ctx, s.addr)
	if err != nil {
		t.Fatal(err)
	}
	bob := address.Address(bytes.Repeat([]byte{2}, 20))
	// More than alice has.
	msg := &ledgerpb.Msg{Sum: &ledgerpb.Msg_Send{Send: &ledgerpb.MsgSend{To: bob.Bytes(), Amount: before + 1}}}
	res, err := c.Send(ctx, s.alice, chainID, fee, msg)
	if !errors.Is(err, client.ErrRefused) || !errors.Is(err, bank.ErrInsufficientFunds) || res.Code == 0 {
		t.Fatalf("send more than the balance: %+v, %v; want a refusal with bank.ErrInsufficientFunds", res, err)
	}
	// A fee below the minimum.
	ok := &ledgerpb.Msg{Sum: &ledgerpb.Msg_Send{Send: &ledgerpb.MsgSend{To: bob.Bytes(), Amount: 1}}}
	if _, err := c.Send(ctx, s.alice, chainID, fee-1, ok); !errors.Is(err, auth.ErrFeeTooLow) {
		t.Fatalf("fee below min_fee: %v, want auth.ErrFeeTooLow", err)
	}
	waitHeight(t, c, 4)
	after, _ := c.Balance(ctx, s.addr)
	acc, _ := c.Account(ctx, s.addr)
	if after != before || acc.GetSequence() != 0 {
		t.Fatalf("balance %d → %d, sequence %d: a refused transaction cost its fee", before, after, acc.GetSequence())
	}
	// A good one goes through and pays exactly its fee.
	if res, err := c.Send(ctx, s.alice, chainID, fee, ok); err != nil || res.Code != 0 {
		t.Fatalf("good send: %+v, %v", res, err)
	}
	if got, _ := c.Balance(ctx, s.addr); got != before-1-fee {
		t.Fatalf("balance after a good send %d, want %d", got, before-1-fee)
	}
	// The Sender simulates too, and keeps its sequence.
	snd, err := client.NewSender(c, s.alice, chainID, fee)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := snd.Send(ctx, client.WaitCommit, msg); !errors.Is(err, bank.ErrInsufficientFunds) {
		t.Fatalf("Sender: %v, want bank.ErrInsufficientFunds", err)
	}
	if _, err := snd.Send(ctx, client.WaitCommit, ok); err != nil {
		t.Fatalf("Sender after a refusal: %v", err)
	}
	// A query the ledger refuses.
	if _, err := c.Order(ctx, 999); !errors.Is(err, query.ErrNotFound) {
		t.Fatalf("order 999: %v, want query.ErrNotFound", err)
	}
}

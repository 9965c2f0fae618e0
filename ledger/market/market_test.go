package market

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"math"
	"math/big"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/reputation"
)

func TestMinBidStake(t *testing.T) {
	for _, tc := range []struct {
		price uint64
		bps   uint32
		want  uint64
	}{
		{1000, 1000, 100},
		{1001, 1000, 101}, // 100.1 rounds up
		{1, 1, 1},
		{1, 0, 0},
		{9999, 1, 1},
		{10_000, 1, 1},
		{10_001, 1, 2},
		{math.MaxUint64, 10_000, math.MaxUint64},
		{math.MaxUint64, 5_000, math.MaxUint64/2 + 1},
	} {
		if got := MinBidStake(tc.price, tc.bps); got != tc.want {
			t.Errorf("MinBidStake(%d, %d) = %d, want %d", tc.price, tc.bps, got, tc.want)
		}
	}
}

func TestShare(t *testing.T) {
	for _, tc := range []struct {
		amount uint64
		bps    uint32
		want   uint64
	}{
		{1000, 100, 10},
		{999, 100, 9}, // rounds down: the rest stays with the payee
		{1, 5_000, 0},
		{3, 5_000, 1},
		{math.MaxUint64, 10_000, math.MaxUint64},
	} {
		if got := share(tc.amount, tc.bps); got != tc.want {
			t.Errorf("share(%d, %d) = %d, want %d", tc.amount, tc.bps, got, tc.want)
		}
	}
}

func TestCommitments(t *testing.T) {
	code := []byte("0123456789abcdef")
	want := sha256.Sum256(append([]byte{0, 0, 0, 0, 0, 0, 0, 7}, code...))
	if got := CompletionCommitment(7, code); got != want {
		t.Errorf("CompletionCommitment = %x, want %x", got, want)
	}
	salt := bytes.Repeat([]byte{9}, 32)
	want = sha256.Sum256(append([]byte{0, 0, 0, 0, 0, 0, 0, 7, 4}, salt...))
	if got := RatingCommitment(7, 4, salt); got != want {
		t.Errorf("RatingCommitment = %x, want %x", got, want)
	}
	provider := address.Address{19: 1}
	node := bytes.Repeat([]byte{2}, 32)
	msg := append([]byte{0, 0, 0, 0, 0, 0, 0, 7}, provider[:]...)
	msg = append(msg, 0, 0, 0, 0, 0, 0, 0x01, 0x00)
	want = sha256.Sum256(append(msg, node...))
	if got := BidHash(7, provider, 256, node); got != want {
		t.Errorf("BidHash = %x, want %x", got, want)
	}
}

// TestEarned: the rule of market.md ("Reputation from the market"), less
// price/20 for a side that did not reveal.
func TestEarned(t *testing.T) {
	for stars := uint8(0); stars <= MaxStars; stars++ {
		if got, want := earned(1000, uint32(stars), true), reputation.RatingAmount(1000, stars); got.Cmp(want) != 0 {
			t.Errorf("earned(1000, %d, revealed) = %v, want %v", stars, got, want)
		}
	}
	if got := earned(1000, 5, false); got.Cmp(big.NewInt(1666-50)) != 0 {
		t.Errorf("earned(1000, 5, not revealed) = %v, want 1616", got)
	}
	if got := earned(1000, 0, false); got.Cmp(big.NewInt(-1666-50)) != 0 {
		t.Errorf("earned(1000, 0, not revealed) = %v, want -1716", got)
	}
}

func TestHeld(t *testing.T) {
	open := &ledgerpb.Order{State: ledgerpb.OrderState_ORDER_STATE_OPEN, MaxPrice: 1000, PoStake: 100}
	bids := []*ledgerpb.Bid{{Stake: 10}, {Stake: 20}}
	if got := Held(open, bids); got != 1130 {
		t.Errorf("open: %d, want 1130", got)
	}
	c := &ledgerpb.Contract{Price: 700, BidStake: 70}
	for _, s := range []ledgerpb.OrderState{ledgerpb.OrderState_ORDER_STATE_AWARDED, ledgerpb.OrderState_ORDER_STATE_DELIVERED} {
		if got := Held(&ledgerpb.Order{State: s, MaxPrice: 1000, PoStake: 100, Contract: c}, nil); got != 870 {
			t.Errorf("%s: %d, want 870", StateName(s), got)
		}
	}
	for _, s := range []ledgerpb.OrderState{ledgerpb.OrderState_ORDER_STATE_CLOSED, ledgerpb.OrderState_ORDER_STATE_CANCELLED,
		ledgerpb.OrderState_ORDER_STATE_EXPIRED, ledgerpb.OrderState_ORDER_STATE_FAILED} {
		if got := Held(&ledgerpb.Order{State: s, MaxPrice: 1000, PoStake: 100, Contract: c}, nil); got != 0 {
			t.Errorf("%s: %d, want 0", StateName(s), got)
		}
	}
}

func TestStateNames(t *testing.T) {
	for v := ledgerpb.OrderState_ORDER_STATE_OPEN; v <= ledgerpb.OrderState_ORDER_STATE_FAILED; v++ {
		got, err := ParseState(StateName(v))
		if err != nil || got != v {
			t.Errorf("ParseState(StateName(%v)) = %v, %v", v, got, err)
		}
	}
	if _, err := ParseState("done"); err == nil {
		t.Error("ParseState(done): no error")
	}
}

func TestValidateCreateOrder(t *testing.T) {
	p := &ledgerpb.Params{MinPoStake: 100, MinPrice: 1, MaxBidWindow: 10, MaxDeliveryWindow: 10, MaxConfirmWindow: 10}
	h := bytes.Repeat([]byte{1}, 32)
	valid := func() *ledgerpb.MsgCreateOrder {
		return &ledgerpb.MsgCreateOrder{PackageId: h, InputRoot: h, MaxPrice: 1000, PoStake: 100,
			BidWindow: 10, DeliveryWindow: 1, ConfirmWindow: 5, Replication: 1,
			Params: []*ledgerpb.OrderParam{{Key: "a", Value: "1"}, {Key: "b"}}}
	}
	if err := ValidateCreateOrder(valid(), p); err != nil {
		t.Fatalf("valid: %v", err)
	}
	for _, tc := range []struct {
		name   string
		change func(m *ledgerpb.MsgCreateOrder)
		want   error
	}{
		{"short package id", func(m *ledgerpb.MsgCreateOrder) { m.PackageId = h[:31] }, ErrInvalidHash},
		{"no input root", func(m *ledgerpb.MsgCreateOrder) { m.InputRoot = nil }, ErrInvalidHash},
		{"unsorted params", func(m *ledgerpb.MsgCreateOrder) { m.Params[0].Key = "c" }, ErrInvalidParams},
		{"repeated param", func(m *ledgerpb.MsgCreateOrder) { m.Params[1].Key = "a" }, ErrInvalidParams},
		{"empty param key", func(m *ledgerpb.MsgCreateOrder) { m.Params[0].Key = "" }, ErrInvalidParams},
		{"long param value", func(m *ledgerpb.MsgCreateOrder) { m.Params[0].Value = string(bytes.Repeat([]byte{'x'}, 257)) }, ErrInvalidParams},
		{"zero max price", func(m *ledgerpb.MsgCreateOrder) { m.MaxPrice = 0 }, ErrInvalidPrice},
		{"no stake", func(m *ledgerpb.MsgCreateOrder) { m.PoStake = 0 }, ErrStakeTooLow},
		{"stake below minimum", func(m *ledgerpb.MsgCreateOrder) { m.PoStake = 99 }, ErrStakeTooLow},
		{"overflow", func(m *ledgerpb.MsgCreateOrder) { m.MaxPrice = math.MaxUint64 }, ErrOverflow},
		{"zero bid window", func(m *ledgerpb.MsgCreateOrder) { m.BidWindow = 0 }, ErrInvalidWindow},
		{"long bid window", func(m *ledgerpb.MsgCreateOrder) { m.BidWindow = 11 }, ErrInvalidWindow},
		{"zero delivery window", func(m *ledgerpb.MsgCreateOrder) { m.DeliveryWindow = 0 }, ErrInvalidWindow},
		{"long confirm window", func(m *ledgerpb.MsgCreateOrder) { m.ConfirmWindow = 11 }, ErrInvalidWindow},
		{"replication 2", func(m *ledgerpb.MsgCreateOrder) { m.Replication = 2 }, ErrInvalidReplication},
		{"replication 0", func(m *ledgerpb.MsgCreateOrder) { m.Replication = 0 }, ErrInvalidReplication},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := valid()
			tc.change(m)
			if err := ValidateCreateOrder(m, p); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

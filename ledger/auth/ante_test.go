package auth

import (
	"crypto/ed25519"
	"errors"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/bank"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/mint"
	"github.com/celltonomy/celltonomy/ledger/store"
	"github.com/celltonomy/celltonomy/ledger/treasury"
	"github.com/celltonomy/celltonomy/ledger/tx"
)

// TestAnteFailureWritesNothing: Ante refuses a wrong sequence, a fee
// below min_fee and a fee above the balance before writing anything
// (ledger/app charges fees in the block's state itself, with no branch,
// on the strength of it) and adds nothing to the block's fees; an
// accepted transaction debits the fee, adds its split to the block's
// fees and takes the sequence.
func TestAnteFailureWritesNothing(t *testing.T) {
	priv := ed25519.NewKeyFromSeed(make([]byte, 32))
	signer, _ := address.FromPubKey(priv.Public().(ed25519.PublicKey))
	b := bank.New(treasury.ModuleName, mint.RewardsAccount, mint.MiningRewardsAccount)
	k := New(mint.New(b))
	st := store.NewMemStore()
	if err := b.InitGenesis(st, []*ledgerpb.GenesisAccount{{Address: signer.String(), Balance: 1_000}}); err != nil {
		t.Fatal(err)
	}
	p := &ledgerpb.Params{MinFee: 10, FeeBurnBps: 2_000, FeeValidatorBps: 5_000}
	txWith := func(seq, fee uint64) *tx.Tx {
		raw, err := tx.Sign(priv, &ledgerpb.TxBody{ChainId: "c", Sequence: seq, Fee: fee,
			Messages: []*ledgerpb.Msg{{Sum: &ledgerpb.Msg_Send{Send: &ledgerpb.MsgSend{To: make([]byte, 20), Amount: 1}}}}})
		if err != nil {
			t.Fatal(err)
		}
		d, err := tx.Decode(raw)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	// The fees of the "block": the accepted transaction's split (fee 10:
	// 2 burned, 5 to the validators, 3 to the treasury), to which no
	// refused one adds.
	var fees mint.BlockFees
	charged := mint.BlockFees{Burned: 2, Validators: 5, Treasury: 3}
	for _, c := range []struct {
		name     string
		seq, fee uint64
		err      error
	}{
		{"sequence already used", 0, 10, ErrWrongSequence}, // after the first accepted one
		{"sequence skipped", 2, 10, ErrWrongSequence},
		{"fee below min_fee", 1, 9, ErrFeeTooLow},
		{"fee above the balance", 1, 991, bank.ErrInsufficientFunds},
	} {
		if c.name == "sequence already used" {
			var ev event.Log
			if err := k.Ante(st, &ev, p, txWith(0, 10), &fees); err != nil {
				t.Fatal(err)
			}
			if b.Balance(st, signer) != 990 || k.Sequence(st, signer) != 1 || fees != charged {
				t.Fatalf("accepted: balance %d, sequence %d, block fees %+v", b.Balance(st, signer), k.Sequence(st, signer), fees)
			}
		}
		before := store.Digest(st)
		var ev event.Log
		if err := k.Ante(st, &ev, p, txWith(c.seq, c.fee), &fees); !errors.Is(err, c.err) {
			t.Fatalf("%s: %v, want %v", c.name, err, c.err)
		}
		if store.Digest(st) != before || len(ev.Events()) != 0 || fees != charged {
			t.Fatalf("%s: the refused transaction wrote or emitted something", c.name)
		}
	}
}

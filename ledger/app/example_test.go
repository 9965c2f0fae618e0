package app_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/app"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/ledger/query"
	"github.com/celltonomy/celltonomy/ledger/store"
	"github.com/celltonomy/celltonomy/ledger/tx"
)

// The life of a ledger as chain/ drives it: genesis, a mempool check, a
// block, a query.
func Example() {
	keyOf := func(name string) ed25519.PrivateKey {
		seed := sha256.Sum256([]byte(name))
		return ed25519.NewKeyFromSeed(seed[:])
	}
	addrOf := func(k ed25519.PrivateKey) address.Address {
		a, _ := address.FromPubKey(k.Public().(ed25519.PublicKey))
		return a
	}
	alice, bob, operator, consensus := keyOf("alice"), keyOf("bob"), keyOf("operator"), keyOf("consensus")

	genesis, _ := app.EncodeGenesis(&ledgerpb.Genesis{
		Accounts: []*ledgerpb.GenesisAccount{
			{Address: addrOf(alice).String(), Balance: 5_000_000},
			{Address: addrOf(operator).String(), Balance: 1_000_000},
		},
		Validators: []*ledgerpb.GenesisValidator{{
			Operator:        addrOf(operator).String(),
			ConsensusPubkey: consensus.Public().(ed25519.PublicKey),
			SelfBond:        1_000_000,
			Moniker:         "first",
		}},
	})
	ledger := app.New()
	state := store.NewMemStore() // chain/ passes its IAVL tree
	validators, err := ledger.InitChain(state, "demo-1", genesis)
	if err != nil {
		panic(err)
	}
	fmt.Println("initial power:", validators[0].Power)

	raw, _ := tx.Sign(alice, &ledgerpb.TxBody{
		Messages: []*ledgerpb.Msg{{Sum: &ledgerpb.Msg_Send{Send: &ledgerpb.MsgSend{To: addrOf(bob).Bytes(), Amount: 250_000}}}},
		Sequence: 0,
		Fee:      params.Default().MinFee,
		ChainId:  "demo-1",
	})
	mempool := store.NewCache(state)
	fmt.Println("CheckTx code:", ledger.CheckTx(mempool, "demo-1", raw).Code)

	res := ledger.FinalizeBlock(state, app.Header{ChainID: "demo-1", Height: 1}, [][]byte{raw}, nil)
	fmt.Println("FinalizeBlock code:", res.TxResults[0].Code)

	req, _ := proto.Marshal(&ledgerpb.AddressRequest{Address: addrOf(bob).Bytes()})
	reply, _ := ledger.Query(state, query.Balance, req)
	var bal ledgerpb.BalanceResponse
	_ = proto.Unmarshal(reply, &bal)
	fmt.Println("bob:", bal.Balance, "ucell")
	fmt.Println("invariants:", app.CheckInvariants(state))
	// Output:
	// initial power: 1
	// CheckTx code: 0
	// FinalizeBlock code: 0
	// bob: 250000 ucell
	// invariants: <nil>
}

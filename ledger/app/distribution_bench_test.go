package app

import (
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
)

// benchAccounts is the number of funded accounts of both benchmark
// states, so that they differ in their delegations, not in their size.
const benchAccounts = 100_000

// benchNet is a dposNet with benchAccounts funded accounts of which the
// first delegations delegate, spread over its validators, written through
// the bank and staking keepers (as their transactions would, without the
// signatures).
func benchNet(b *testing.B, delegations int) *dposNet {
	n := newDPoSNet(b, 4, 0, nil)
	var ev event.Log
	for i := range benchAccounts {
		h := sha256.Sum256(fmt.Appendf(nil, "bench delegator %d", i))
		del := address.Address(h[:20])
		if err := n.app.bank.HandleSend(n.st, &ev, n.funder.addr, &ledgerpb.MsgSend{To: del.Bytes(), Amount: 2_000}); err != nil {
			b.Fatal(err)
		}
		ev = event.Log{}
		if i >= delegations {
			continue
		}
		if err := n.app.staking.Delegate(n.st, &ev, del, &ledgerpb.MsgDelegate{Validator: n.vals[i%4].addr.Bytes(), Amount: 1_000 + uint64(i%500)}); err != nil {
			b.Fatal(err)
		}
		ev = event.Log{}
	}
	n.finalize(nil, nil) // the new powers reach CometBFT
	return n
}

// BenchmarkRewardBlock measures FinalizeBlock of an empty block — the
// begin-block hooks, with the allocation of fresh rewards to the four
// signers of the previous block, and the end-block hook — with 10 and
// 100,000 delegations, in states of benchAccounts accounts each. F1's
// lazy accounting makes both cost the same; what remains is the store's
// lookup cost in a larger tree (the delegations' keys).
func BenchmarkRewardBlock(b *testing.B) {
	for _, delegations := range []int{10, 100_000} {
		b.Run(fmt.Sprintf("delegations=%d", delegations), func(b *testing.B) {
			n := benchNet(b, delegations)
			votes := n.commit(nil)
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				n.fund(1_000_003)
				n.height++
				h := Header{ChainID: testChainID, Height: n.height, Hash: testBlockHash(n.height), LastCommit: votes}
				b.StartTimer()
				n.app.FinalizeBlock(n.st, h, nil, nil)
			}
		})
	}
}

package chain

import (
	"fmt"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/ledger/tx"
)

// BenchmarkVerifySignatures: the cost of a transfer's signature, alone
// and in batches of maxBatch, with and without the expanded keys of its
// 100 signers cached (the run of cell bench ledger):
//
//	go test ./chain -run '^$' -bench VerifySignatures -benchtime 200x
func BenchmarkVerifySignatures(b *testing.B) {
	fee := params.Default().MinFee
	var txs []*tx.Tx
	for i := range maxBatch {
		raw := sendTx(b, newTestKey(fmt.Sprintf("s%d", i%100)), uint64(i), fee, bob, 1)
		d, err := tx.Decode(raw)
		if err != nil {
			b.Fatal(err)
		}
		txs = append(txs, d)
	}
	warm := newKeyCache(keyCacheSize)
	verifySignatures(warm, txs)
	for _, c := range []struct {
		name string
		keys *keyCache
		n    int
	}{{"alone", nil, 1}, {"alone-cached", warm, 1}, {"batch", nil, maxBatch}, {"batch-cached", warm, maxBatch}} {
		b.Run(c.name, func(b *testing.B) {
			ok := make([]bool, c.n)
			for i := 0; b.Loop(); i++ {
				lo := i * c.n % len(txs)
				verifyChunk(c.keys, txs[lo:lo+c.n], ok)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*c.n), "µs/sig")
		})
	}
}

package bench

import (
	"context"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// BenchmarkLedger runs the ledger half of cell bench ledger: 30,000
// transfers from 100 accounts. It reports the committed rate and the
// process's CPU time per transaction (user + system, signing included),
// which a loaded machine disturbs less than the rate, and the process's
// peak resident memory. The node runs with the collector target of its
// ledger.toml (chain.ApplyGC); GOGC in the environment changes only the
// signing before it. Run it with
// -cpuprofile to see where a transfer's time goes:
//
//	go test ./devnet/bench -run '^$' -bench Ledger -benchtime 1x -cpuprofile cpu.out
func BenchmarkLedger(b *testing.B) {
	const txs = 30000
	for range b.N {
		before := cpuTime()
		r, err := runLedger(context.Background(), Options{Txs: txs, Accounts: 100, BlockTime: 100 * time.Millisecond, Timeout: 5 * time.Minute, Log: discard{}})
		if err != nil {
			b.Fatal(err)
		}
		if r.failed != 0 {
			b.Fatalf("%d transactions failed", r.failed)
		}
		b.ReportMetric(float64(txs)/r.elapsed.Seconds(), "tx/s")
		b.ReportMetric(float64((cpuTime()-before).Microseconds())/txs, "cpu-µs/tx")
		b.ReportMetric(float64(maxRSS())/(1<<20), "peak-rss-MB")
		// The node's CPU time per transaction while they were submitted
		// and committed (signing excluded), and how busy it kept the
		// processors: below 1, something other than CPU bounds the rate.
		b.ReportMetric(float64(r.cpu.Microseconds())/txs, "window-cpu-µs/tx")
		b.ReportMetric(r.cpu.Seconds()/(r.elapsed.Seconds()*float64(runtime.GOMAXPROCS(0))), "busy")
	}
}

// maxRSS returns the process's peak resident memory so far, in bytes.
func maxRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Maxrss << 10 // Linux reports KiB
}

// BenchmarkKVStore is the kvstore half of cell bench ledger, for the
// CPU the harness and CometBFT themselves spend per transaction: the
// part of BenchmarkLedger's window-cpu-µs/tx that is not the ledger's.
func BenchmarkKVStore(b *testing.B) {
	const txs = 30000
	for range b.N {
		r, err := runKVStore(context.Background(), Options{Txs: txs, Accounts: 100, BlockTime: 100 * time.Millisecond, Timeout: 5 * time.Minute, Log: discard{}})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(txs)/r.elapsed.Seconds(), "tx/s")
		b.ReportMetric(float64(r.cpu.Microseconds())/txs, "window-cpu-µs/tx")
		b.ReportMetric(r.cpu.Seconds()/(r.elapsed.Seconds()*float64(runtime.GOMAXPROCS(0))), "busy")
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

package miner

import (
	"math/big"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	ledgerrep "github.com/celltonomy/celltonomy/ledger/reputation"
	"github.com/celltonomy/celltonomy/reputation/patricia"
)

// MaxEntries bounds the entry indices a miner tries, whatever its stake.
const MaxEntries = 1 << 16

// Entries returns the number of entry indices a stake buys:
// stake / minStake, at most MaxEntries; 0 when minStake is 0.
func Entries(stake, minStake uint64) uint64 {
	if minStake == 0 {
		return 0
	}
	return min(stake/minStake, MaxEntries)
}

// SubmitFrom returns the first height at which miner rec may submit:
// its since_height + miner_min_staked_cycles × reputation_cycle_blocks
// (ledger/reputation: ErrStakedTooBriefly before it). A nil record or
// params read as zero.
func SubmitFrom(rec *ledgerpb.Miner, p *ledgerpb.Params) int64 {
	return rec.GetSinceHeight() + int64(p.GetMinerMinStakedCycles()*p.GetReputationCycleBlocks())
}

// BestEntry returns the entry index in 1 … entries whose eligibility hash
// for root (ledger/reputation.EligibilityHash: keccak256(miner ‖ uint256
// n ‖ root)) is lowest, the one that becomes eligible first as the target
// rises, and that hash; 0 when entries is 0.
func BestEntry(miner address.Address, root patricia.Hash, entries uint64) (uint64, patricia.Hash) {
	var best uint64
	var bestHash patricia.Hash
	for n := uint64(1); n <= entries; n++ {
		h := patricia.Hash(ledgerrep.EligibilityHash(miner, n, root[:]))
		if best == 0 || hashLess(h, bestHash) {
			best, bestHash = n, h
		}
	}
	return best, bestHash
}

// Eligible reports whether a submission whose eligibility hash is hash may
// enter the block at height of the submission window [start, end]: hash <
// ledger/reputation.Target(height, start, end), the target that rises
// linearly over the window (reputation.md: "Mining (on chain)").
func Eligible(hash patricia.Hash, height, start, end int64) bool {
	return new(big.Int).SetBytes(hash[:]).Cmp(ledgerrep.Target(height, start, end)) < 0
}

// EligibleAt returns the first height from from on, inside the window
// [start, end], at which a submission with eligibility hash hash is
// eligible, or 0 when there is none. The target never falls as the
// height rises, so a binary search finds it.
func EligibleAt(hash patricia.Hash, from, start, end int64) int64 {
	lo := max(from, start)
	if lo > end || !Eligible(hash, end, start, end) {
		return 0
	}
	hi := end
	for lo < hi {
		mid := lo + (hi-lo)/2
		if Eligible(hash, mid, start, end) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

func hashLess(a, b patricia.Hash) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

package mint

import (
	"encoding/binary"
	"fmt"
)

// State keys of the mint module. Every key starts with "mint/".
//
//	"mint/year"  →  the running mint year (EncodeYear), 40 bytes:
//	                start height (int64) ‖ annual amount, ucell ‖ blocks of
//	                the year ‖ inflation bps ‖ block time, ms — each 8 bytes
//	                big-endian; absent until the first block that mints
//
// The totals minted and burned are the bank's (bank.MintedKey,
// bank.BurnedKey).
const keyYear = "mint/year"

// YearKey returns the state key of the running mint year.
func YearKey() []byte { return []byte(keyYear) }

// YearState is the running mint year (see the package documentation).
type YearState struct {
	// StartHeight is the height of the year's first block.
	StartHeight int64
	// Annual is what the year mints, ucell, before the ceiling.
	Annual uint64
	// Blocks is the length of the year in blocks (BlocksPerYear).
	Blocks uint64
	// InflationBps and BlockTimeMs are the params the year was started
	// with; a change of either starts a new year.
	InflationBps uint32
	BlockTimeMs  uint64
}

const yearSize = 40

// EncodeYear returns the state value of y.
func EncodeYear(y YearState) []byte {
	b := make([]byte, yearSize)
	binary.BigEndian.PutUint64(b[0:], uint64(y.StartHeight))
	binary.BigEndian.PutUint64(b[8:], y.Annual)
	binary.BigEndian.PutUint64(b[16:], y.Blocks)
	binary.BigEndian.PutUint64(b[24:], uint64(y.InflationBps))
	binary.BigEndian.PutUint64(b[32:], y.BlockTimeMs)
	return b
}

// DecodeYear decodes the value of YearKey.
func DecodeYear(b []byte) (YearState, error) {
	if len(b) != yearSize {
		return YearState{}, fmt.Errorf("mint: year: %d bytes, want %d", len(b), yearSize)
	}
	bps := binary.BigEndian.Uint64(b[24:])
	if bps > 10_000 {
		return YearState{}, fmt.Errorf("mint: year: inflation %d bps above 10000", bps)
	}
	return YearState{
		StartHeight:  int64(binary.BigEndian.Uint64(b[0:])),
		Annual:       binary.BigEndian.Uint64(b[8:]),
		Blocks:       binary.BigEndian.Uint64(b[16:]),
		InflationBps: uint32(bps),
		BlockTimeMs:  binary.BigEndian.Uint64(b[32:]),
	}, nil
}

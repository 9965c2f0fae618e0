package mint

import (
	"encoding/hex"
	"testing"
)

// TestKeys pins the mint's key and the layout of its value.
func TestKeys(t *testing.T) {
	if got, want := hex.EncodeToString(YearKey()), hex.EncodeToString([]byte("mint/year")); got != want {
		t.Errorf("year key %s, want %s", got, want)
	}
	y := YearState{StartHeight: 1, Annual: 2, Blocks: 3, InflationBps: 4, BlockTimeMs: 5}
	want := "0000000000000001" + "0000000000000002" + "0000000000000003" + "0000000000000004" + "0000000000000005"
	if got := hex.EncodeToString(EncodeYear(y)); got != want {
		t.Errorf("year value %s, want %s", got, want)
	}
	if got, err := DecodeYear(EncodeYear(y)); err != nil || got != y {
		t.Errorf("DecodeYear = %+v, %v", got, err)
	}
	if _, err := DecodeYear(make([]byte, 39)); err == nil {
		t.Error("DecodeYear accepted 39 bytes")
	}
	bad := EncodeYear(YearState{InflationBps: 10_000})
	bad[31] = 0xff
	if _, err := DecodeYear(bad); err == nil {
		t.Error("DecodeYear accepted an inflation above 10000 bps")
	}
}

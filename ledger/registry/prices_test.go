package registry

import (
	"bytes"
	"errors"
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
)

func pkgID(b byte) []byte { return bytes.Repeat([]byte{b}, PackageIDSize) }

// naiveAskingPrice is AskingPrice in unbounded integers, with a linear
// search of the per-package bases: the reference the fast one must match.
func naiveAskingPrice(l *ledgerpb.PriceList, pkg []byte, inputBytes uint64) (*big.Int, bool) {
	base := new(big.Int).SetUint64(l.Base)
	for _, pp := range l.Packages {
		if bytes.Equal(pp.PackageId, pkg) {
			base.SetUint64(pp.Base)
		}
	}
	in := new(big.Int).SetUint64(inputBytes)
	mib := new(big.Int).Div(new(big.Int).Add(in, big.NewInt(MiB-1)), big.NewInt(MiB))
	price := new(big.Int).Add(base, new(big.Int).Mul(mib, new(big.Int).SetUint64(l.PerInputMib)))
	if m := new(big.Int).SetUint64(l.Minimum); price.Cmp(m) < 0 {
		price = m
	}
	return price, price.IsUint64()
}

// TestAskingPrice: the formula of the price list, by case, and checked
// against the naive reference.
func TestAskingPrice(t *testing.T) {
	list := &ledgerpb.PriceList{Base: 5_000, PerInputMib: 100, Minimum: 4_000,
		Packages: []*ledgerpb.PackagePrice{{PackageId: pkgID(0x10), Base: 9_000}, {PackageId: pkgID(0x20), Base: 0}}}
	for _, tc := range []struct {
		name  string
		list  *ledgerpb.PriceList
		pkg   []byte
		input uint64
		want  uint64
		err   error
	}{
		{name: "base, no inputs", list: list, pkg: pkgID(0x01), want: 5_000},
		{name: "one byte starts a MiB", list: list, pkg: pkgID(0x01), input: 1, want: 5_100},
		{name: "exactly one MiB", list: list, pkg: pkgID(0x01), input: MiB, want: 5_100},
		{name: "one MiB and a byte", list: list, pkg: pkgID(0x01), input: MiB + 1, want: 5_200},
		{name: "package override replaces the base", list: list, pkg: pkgID(0x10), input: 3 * MiB, want: 9_300},
		{name: "override below the minimum", list: list, pkg: pkgID(0x20), want: 4_000},
		{name: "override below the minimum, with inputs", list: list, pkg: pkgID(0x20), input: 50 * MiB, want: 5_000},
		{name: "input size not counted", list: &ledgerpb.PriceList{Base: 7, Minimum: 1}, pkg: pkgID(1), input: math.MaxUint64, want: 7},
		{name: "largest input", list: &ledgerpb.PriceList{Base: 0, PerInputMib: 1, Minimum: 1}, pkg: pkgID(1), input: math.MaxUint64, want: 1 << 44},
		{name: "per MiB overflows", list: &ledgerpb.PriceList{PerInputMib: 1 << 21, Minimum: 1}, pkg: pkgID(1), input: math.MaxUint64, err: ErrPriceOverflow},
		{name: "sum overflows", list: &ledgerpb.PriceList{Base: math.MaxUint64, PerInputMib: 1, Minimum: 1}, pkg: pkgID(1), input: 1, err: ErrPriceOverflow},
		{name: "largest sum", list: &ledgerpb.PriceList{Base: math.MaxUint64 - 1, PerInputMib: 1, Minimum: 1}, pkg: pkgID(1), input: 1, want: math.MaxUint64},
		{name: "no list", list: nil, pkg: pkgID(1), err: ErrNoPriceList},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := AskingPrice(tc.list, tc.pkg, tc.input)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("AskingPrice = %d, %v; want %v", got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("AskingPrice = %d, %v; want %d", got, err, tc.want)
			}
			if ref, ok := naiveAskingPrice(tc.list, tc.pkg, tc.input); !ok || ref.Uint64() != got {
				t.Fatalf("naive reference says %s", ref)
			}
		})
	}
}

// TestAskingPriceMatchesReference: over a grid of lists, packages and
// sizes around the edges, AskingPrice equals the naive reference, and
// fails exactly when the reference does not fit a uint64.
func TestAskingPriceMatchesReference(t *testing.T) {
	amounts := []uint64{0, 1, 999, 5_000, 1 << 32, math.MaxUint64 / 2, math.MaxUint64 - 1, math.MaxUint64}
	sizes := []uint64{0, 1, MiB - 1, MiB, MiB + 1, 1 << 40, math.MaxUint64 - MiB, math.MaxUint64}
	var ids [][]byte
	for b := byte(0); b < 5; b++ {
		ids = append(ids, pkgID(b*0x20))
	}
	for _, base := range amounts {
		for _, per := range amounts {
			for _, minimum := range []uint64{1, 4_000, math.MaxUint64} {
				l := &ledgerpb.PriceList{Base: base, PerInputMib: per, Minimum: minimum,
					Packages: []*ledgerpb.PackagePrice{{PackageId: ids[1], Base: base / 3}, {PackageId: ids[3], Base: per}}}
				if err := ValidatePriceList("prices", l); err != nil {
					t.Fatal(err)
				}
				for _, id := range ids {
					for _, in := range sizes {
						got, err := AskingPrice(l, id, in)
						ref, ok := naiveAskingPrice(l, id, in)
						switch {
						case ok && (err != nil || got != ref.Uint64()):
							t.Fatalf("%v %x %d: got %d, %v; want %s", l, id[:1], in, got, err, ref)
						case !ok && !errors.Is(err, ErrPriceOverflow):
							t.Fatalf("%v %x %d: got %d, %v; want an overflow (%s)", l, id[:1], in, got, err, ref)
						}
					}
				}
			}
		}
	}
}

// TestValidatePriceList: each rule of a price list is refused with
// ErrInvalidPriceList and an error naming the field.
func TestValidatePriceList(t *testing.T) {
	many := make([]*ledgerpb.PackagePrice, MaxPackagePrices+1)
	for i := range many {
		id := make([]byte, PackageIDSize)
		id[0], id[1] = byte(i>>8), byte(i)
		many[i] = &ledgerpb.PackagePrice{PackageId: id, Base: 1}
	}
	for _, tc := range []struct {
		name string
		list *ledgerpb.PriceList
		want string // "" for a valid list
	}{
		{name: "minimal", list: &ledgerpb.PriceList{Minimum: 1}},
		{name: "full", list: &ledgerpb.PriceList{Base: 5, PerInputMib: 2, Minimum: 1, Packages: many[:MaxPackagePrices]}},
		{name: "zero minimum", list: &ledgerpb.PriceList{Base: 5}, want: "prices.minimum 0: must be at least 1"},
		{name: "too many packages", list: &ledgerpb.PriceList{Minimum: 1, Packages: many}, want: "prices.packages: 65 entries: at most 64"},
		{name: "short package id", list: &ledgerpb.PriceList{Minimum: 1, Packages: []*ledgerpb.PackagePrice{{PackageId: []byte{1}}}},
			want: "prices.packages[0].package_id: must be 32 bytes, got 1"},
		{name: "out of order", list: &ledgerpb.PriceList{Minimum: 1, Packages: []*ledgerpb.PackagePrice{{PackageId: pkgID(2)}, {PackageId: pkgID(1)}}},
			want: "prices.packages[1].package_id"},
		{name: "listed twice", list: &ledgerpb.PriceList{Minimum: 1, Packages: []*ledgerpb.PackagePrice{{PackageId: pkgID(2)}, {PackageId: pkgID(2)}}},
			want: "each at most once"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidatePriceList("prices", tc.list)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidPriceList) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v; want ErrInvalidPriceList with %q", err, tc.want)
			}
		})
	}
	m := &ledgerpb.MsgAnnounceNode{NodePubkey: pkgID(9), NodeSignature: make([]byte, 64), Endpoint: "https://n.example.org",
		Architectures: []string{"wasm32-wasip1"}, Capacity: 1, Prices: &ledgerpb.PriceList{}}
	if err := ValidateAnnounceNode(m); !errors.Is(err, ErrInvalidPriceList) || !strings.Contains(err.Error(), "announce_node: prices.minimum") {
		t.Fatalf("announce with a zero minimum: %v", err)
	}
}

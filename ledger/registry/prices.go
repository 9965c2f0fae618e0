package registry

import (
	"bytes"
	"math/bits"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
)

// MiB is the unit of PriceList.per_input_mib: 2^20 bytes.
const MiB = 1 << 20

// MaxPackagePrices bounds the per-package bases of a price list.
const MaxPackagePrices = 64

// ValidatePriceList checks a node's price list without state, for the
// field named field (e.g. "announce_node: prices"): a minimum of at least
// 1 ucell, since the chain refuses a zero price; at most MaxPackagePrices
// per-package bases, each with a 32-byte package id, sorted by package id
// and each id at most once. Errors carry ErrInvalidPriceList and name the
// field and the rule.
func ValidatePriceList(field string, l *ledgerpb.PriceList) error {
	if l.GetMinimum() == 0 {
		return ErrInvalidPriceList.Errorf("%s.minimum 0: must be at least 1 ucell (the chain refuses a zero price)", field)
	}
	if n := len(l.GetPackages()); n > MaxPackagePrices {
		return ErrInvalidPriceList.Errorf("%s.packages: %d entries: at most %d", field, n, MaxPackagePrices)
	}
	for i, pp := range l.GetPackages() {
		if len(pp.GetPackageId()) != PackageIDSize {
			return ErrInvalidPriceList.Errorf("%s.packages[%d].package_id: must be %d bytes, got %d", field, i, PackageIDSize, len(pp.GetPackageId()))
		}
		if i > 0 && bytes.Compare(l.Packages[i-1].GetPackageId(), pp.GetPackageId()) >= 0 {
			return ErrInvalidPriceList.Errorf("%s.packages[%d].package_id %x: must be above the previous one: sort by package id, each at most once", field, i, pp.GetPackageId())
		}
	}
	return nil
}

// AskingPrice returns the price, in ucell per order, that a node with
// price list l asks for an order of package pkg (a package id, 32 bytes)
// whose input files total inputBytes bytes:
//
//	base(pkg) + per_input_mib × ceil(inputBytes / MiB), at least minimum,
//
// where base(pkg) is the list's base for pkg if it names one, else its
// base. This is the one pricing formula: a node bids it (node/bid) and a
// buyer reads it (the "market/prices" query, cell order quote). Errors:
// ErrNoPriceList for a nil list (the node publishes none), ErrPriceOverflow
// when the price does not fit in a uint64; the arithmetic is checked, it
// never wraps.
func AskingPrice(l *ledgerpb.PriceList, pkg []byte, inputBytes uint64) (uint64, error) {
	if l == nil {
		return 0, ErrNoPriceList.Errorf("asking price: the node publishes no price list")
	}
	base := l.Base
	if pp, ok := packagePrice(l, pkg); ok {
		base = pp
	}
	mib := inputBytes / MiB
	if inputBytes%MiB != 0 {
		mib++
	}
	hi, perInput := bits.Mul64(l.PerInputMib, mib)
	if hi != 0 {
		return 0, ErrPriceOverflow.Errorf("asking price: per_input_mib %d ucell × %d MiB: overflows", l.PerInputMib, mib)
	}
	price, carry := bits.Add64(base, perInput, 0)
	if carry != 0 {
		return 0, ErrPriceOverflow.Errorf("asking price: base %d + %d ucell of inputs: overflows", base, perInput)
	}
	return max(price, l.Minimum), nil
}

// packagePrice returns the base l names for pkg, by binary search of its
// sorted packages.
func packagePrice(l *ledgerpb.PriceList, pkg []byte) (uint64, bool) {
	ps := l.Packages
	lo, hi := 0, len(ps)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		switch c := bytes.Compare(ps[mid].GetPackageId(), pkg); {
		case c == 0:
			return ps[mid].GetBase(), true
		case c < 0:
			lo = mid + 1
		default:
			hi = mid
		}
	}
	return 0, false
}

package reputation

import (
	"math/big"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/store"
)

// MaxStars is the highest rating; ratings are 0 to MaxStars stars.
const MaxStars = 5

// RatingAmount returns the reputation earned from a rating of stars for a
// payment in ucell: payment × (2 × stars − 5) / 3, the division truncating
// toward zero (market.md: "Reputation from the market"). So 0, 1 and 2
// stars lose reputation, 3, 4 and 5 earn it; e.g. 10 ucell and 2 stars
// give 10 × (−1) / 3 = −3. It panics when stars > MaxStars: callers check
// ratings when they are revealed (AppendRating returns ErrInvalidRating).
func RatingAmount(payment uint64, stars uint8) *big.Int {
	if stars > MaxStars {
		panic("reputation: rating above 5 stars")
	}
	a := new(big.Int).SetUint64(payment)
	a.Mul(a, big.NewInt(2*int64(stars)-5))
	return a.Quo(a, big.NewInt(3))
}

// AppendRating appends the entry of a final rating: user earns (or loses)
// RatingAmount(payment, stars) in skill of colony. (The market appends
// its two entries per closed order with Append instead, because a side
// that did not reveal its own rating earns RatingAmount less a penalty;
// see package market.) As Append, it appends nothing for a zero amount (payment 0) or
// the zero address, and reports whether it appended. Errors:
// ErrInvalidRating for stars > MaxStars, ErrUnknownSkill.
func (k Keeper) AppendRating(st store.KVStore, ev *event.Log, colony, user address.Address, skill, payment uint64, stars uint8) (bool, error) {
	if stars > MaxStars {
		return false, ErrInvalidRating.Errorf("rating: %d stars: must be 0 to %d", stars, MaxStars)
	}
	return k.Append(st, ev, colony, user, skill, RatingAmount(payment, stars))
}

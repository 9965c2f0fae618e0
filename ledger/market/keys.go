package market

import (
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/store"
)

// State keys of the market module. Every key starts with "market/";
// order ids and heights are 8 bytes big-endian, addresses 20 bytes, so
// byte order is numeric order.
//
//	"market/next_id"                                  →  uint64, the id of the next order (from 1)
//	"market/order/" ‖ order id (8)                    →  ledgerpb.Order
//	"market/bid/" ‖ order id (8) ‖ provider (20)      →  ledgerpb.Bid (open orders only)
//	"market/due/" ‖ height (8) ‖ order id (8)         →  0x01; the block hook of that height visits the order
//	"market/buyer/" ‖ buyer (20) ‖ order id (8)       →  0x01; the orders of a buyer
//	"market/provider/" ‖ provider (20) ‖ order id (8) →  0x01; the contracts of a provider
//	"market/state/" ‖ state (1) ‖ order id (8)        →  0x01; the orders in a state
//	"market/verifier/" ‖ node key (32)                →  ledgerpb.Verifier
//	"market/credit/" ‖ account (20)                   →  uint64, the account's store credit in ucell (never 0)
const (
	keyNextID      = "market/next_id"
	prefixOrder    = "market/order/"
	prefixBid      = "market/bid/"
	prefixDue      = "market/due/"
	prefixBuyer    = "market/buyer/"
	prefixProvider = "market/provider/"
	prefixState    = "market/state/"
	prefixVerifier = "market/verifier/"
	prefixCredit   = "market/credit/"
)

var marker = []byte{1}

// NextIDKey returns the state key of the next order id.
func NextIDKey() []byte { return []byte(keyNextID) }

// OrderKey returns the state key of an order.
func OrderKey(id uint64) []byte { return store.Key([]byte(prefixOrder), store.Uint64(id)) }

// OrderPrefix returns the prefix shared by every order key.
func OrderPrefix() []byte { return []byte(prefixOrder) }

// BidKey returns the state key of provider's bid on an order.
func BidKey(id uint64, provider address.Address) []byte {
	return store.Key([]byte(prefixBid), store.Uint64(id), provider[:])
}

// BidPrefix returns the prefix of the bids on an order.
func BidPrefix(id uint64) []byte { return store.Key([]byte(prefixBid), store.Uint64(id)) }

// BidTablePrefix returns the prefix shared by every bid key.
func BidTablePrefix() []byte { return []byte(prefixBid) }

// DueKey returns the index key of an order due in the block hook at height.
func DueKey(height int64, id uint64) []byte {
	return store.Key([]byte(prefixDue), store.Uint64(uint64(height)), store.Uint64(id))
}

// DuePrefix returns the prefix of the orders due at height.
func DuePrefix(height int64) []byte {
	return store.Key([]byte(prefixDue), store.Uint64(uint64(height)))
}

// DueTablePrefix returns the prefix shared by every due key.
func DueTablePrefix() []byte { return []byte(prefixDue) }

// BuyerKey returns the index key of an order of buyer.
func BuyerKey(buyer address.Address, id uint64) []byte {
	return store.Key([]byte(prefixBuyer), buyer[:], store.Uint64(id))
}

// BuyerPrefix returns the prefix of the index keys of buyer's orders, or
// of every buyer's if buyer is zero.
func BuyerPrefix(buyer address.Address) []byte {
	if buyer.IsZero() {
		return []byte(prefixBuyer)
	}
	return store.Key([]byte(prefixBuyer), buyer[:])
}

// ProviderKey returns the index key of a contract of provider.
func ProviderKey(provider address.Address, id uint64) []byte {
	return store.Key([]byte(prefixProvider), provider[:], store.Uint64(id))
}

// ProviderPrefix returns the prefix of the index keys of provider's
// contracts, or of every provider's if provider is zero.
func ProviderPrefix(provider address.Address) []byte {
	if provider.IsZero() {
		return []byte(prefixProvider)
	}
	return store.Key([]byte(prefixProvider), provider[:])
}

// StateKey returns the index key of an order in a state.
func StateKey(s ledgerpb.OrderState, id uint64) []byte {
	return store.Key([]byte(prefixState), []byte{byte(s)}, store.Uint64(id))
}

// StatePrefix returns the prefix of the index keys of the orders in a
// state, or of every state's if s is ORDER_STATE_UNSPECIFIED.
func StatePrefix(s ledgerpb.OrderState) []byte {
	if s == ledgerpb.OrderState_ORDER_STATE_UNSPECIFIED {
		return []byte(prefixState)
	}
	return store.Key([]byte(prefixState), []byte{byte(s)})
}

// VerifierKey returns the state key of the verifier of a node.
func VerifierKey(nodeKey []byte) []byte { return store.Key([]byte(prefixVerifier), nodeKey) }

// VerifierPrefix returns the prefix shared by every verifier key.
func VerifierPrefix() []byte { return []byte(prefixVerifier) }

// CreditKey returns the state key of an account's store credit.
func CreditKey(account address.Address) []byte { return store.Key([]byte(prefixCredit), account[:]) }

// CreditPrefix returns the prefix shared by every credit key.
func CreditPrefix() []byte { return []byte(prefixCredit) }

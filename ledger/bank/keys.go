package bank

import (
	"fmt"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/store"
)

// State keys of the bank module. Every key starts with "bank/".
//
//	"bank/balance/" ‖ address (20 bytes)  →  balance, ucell, 8 bytes big-endian; absent = 0, never stored as 0
//	"bank/supply"                         →  total supply, ucell, 8 bytes big-endian
//	"bank/genesis_supply"                 →  supply at genesis, ucell, 8 bytes big-endian
//	"bank/minted"                         →  ucell minted since genesis, 8 bytes big-endian; absent = 0
//	"bank/burned"                         →  ucell burned since genesis, 8 bytes big-endian; absent = 0
const (
	prefixBalance    = "bank/balance/"
	keySupply        = "bank/supply"
	keyGenesisSupply = "bank/genesis_supply"
	keyMinted        = "bank/minted"
	keyBurned        = "bank/burned"
)

// BalanceKey returns the state key of addr's balance. The value, when
// present, decodes with DecodeAmount; an absent key means a zero balance.
// It allocates the key only: every fee and transfer reads and writes
// balances.
func BalanceKey(addr address.Address) []byte {
	return append(append(make([]byte, 0, len(prefixBalance)+address.Size), prefixBalance...), addr[:]...)
}

// BalancePrefix returns the prefix shared by every balance key.
func BalancePrefix() []byte { return []byte(prefixBalance) }

// SupplyKey returns the state key of the total supply (DecodeAmount).
func SupplyKey() []byte { return []byte(keySupply) }

// GenesisSupplyKey returns the state key of the supply at genesis
// (DecodeAmount).
func GenesisSupplyKey() []byte { return []byte(keyGenesisSupply) }

// MintedKey returns the state key of the total minted since genesis
// (DecodeAmount).
func MintedKey() []byte { return []byte(keyMinted) }

// BurnedKey returns the state key of the total burned since genesis
// (DecodeAmount).
func BurnedKey() []byte { return []byte(keyBurned) }

// AddressFromBalanceKey returns the address of a balance key.
func AddressFromBalanceKey(key []byte) (address.Address, error) {
	if len(key) != len(prefixBalance)+address.Size || string(key[:len(prefixBalance)]) != prefixBalance {
		return address.Address{}, fmt.Errorf("bank: %x is not a balance key", key)
	}
	return address.Address(key[len(prefixBalance):]), nil
}

// EncodeAmount returns the state value of an amount in ucell: 8 bytes,
// big-endian.
func EncodeAmount(v uint64) []byte { return store.Uint64(v) }

// DecodeAmount decodes the value of a balance or supply key, in ucell.
func DecodeAmount(value []byte) (uint64, error) {
	v, err := store.ParseUint64(value)
	if err != nil {
		return 0, fmt.Errorf("bank: amount: %w", err)
	}
	return v, nil
}

// Package treasury is the network's purse: it receives its share of every
// transaction fee and of each block's minting (ledger/mint), and the
// market's and mining's slashed stakes. Its funds are the balance of the bank module account "treasury";
// spending them comes later, with governance (ARCHITECTURE.md: "treasury").
package treasury

import (
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/bank"
	"github.com/celltonomy/celltonomy/ledger/store"
)

// ModuleName is the name of the treasury's module account.
const ModuleName = "treasury"

// Bank is what the treasury needs from the bank module.
type Bank interface {
	ModuleBalance(st store.KVStore, module string) uint64
}

// Keeper is the treasury module; it holds no state of its own.
type Keeper struct {
	bank Bank
}

// New returns the treasury module over bank, which must know the module
// account ModuleName.
func New(bank Bank) Keeper { return Keeper{bank: bank} }

// Address returns the address of the treasury's module account.
func Address() address.Address { return bank.ModuleAddress(ModuleName) }

// Balance returns the treasury's funds in ucell.
func (k Keeper) Balance(st store.KVStore) uint64 { return k.bank.ModuleBalance(st, ModuleName) }

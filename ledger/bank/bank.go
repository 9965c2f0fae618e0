// Package bank keeps balances in ucell (1 CELL = 10^6 ucell) and the total
// supply, handles MsgSend, and moves funds for the other modules.
//
// Module accounts are accounts owned by a module rather than a key, named
// ("treasury", "bonded", "unbonding") and addressed by ModuleAddress. They
// hold what the module accounts for — fees, bonded stake, unbonding stake —
// so that the supply invariant is one sum: the total supply equals the sum
// of all balances, module accounts included. The bank also keeps the
// supply's history: the supply at genesis and the totals minted and
// burned since, so that supply = genesis supply + minted − burned. Only the owning module moves
// their funds (MoveToModule, MoveFromModule, …); a MsgSend to a module
// account is refused, so a module's balance always equals its own books.
//
// Every amount is a uint64 of ucell; every addition is checked, and a
// write happens only after every check of the operation has passed.
package bank

import (
	"crypto/sha256"
	"fmt"
	"math/bits"
	"slices"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/store"
)

// ModuleAddress returns the address of the module account name:
// sha256("module/" ‖ name)[:20]. No ed25519 key has it: a key's address is
// the hash of 32 key bytes, and "module/" ‖ name is not 32 bytes long for
// the names in use.
func ModuleAddress(name string) address.Address {
	h := sha256.Sum256([]byte("module/" + name))
	return address.Address(h[:address.Size])
}

// Keeper is the bank module. It holds only configuration (the module
// accounts); all state is in the store passed to each method.
type Keeper struct {
	modules []string          // sorted
	addrs   []address.Address // addrs[i] = ModuleAddress(modules[i]), computed once
}

// New returns a Keeper that knows the given module accounts. It panics on
// an empty or repeated name (a wiring mistake, not an input).
func New(moduleAccounts ...string) Keeper {
	m := slices.Clone(moduleAccounts)
	slices.Sort(m)
	for i, name := range m {
		if name == "" || (i > 0 && m[i-1] == name) {
			panic(fmt.Sprintf("bank: module account %q empty or repeated", name))
		}
	}
	addrs := make([]address.Address, len(m))
	for i, name := range m {
		addrs[i] = ModuleAddress(name)
	}
	return Keeper{modules: m, addrs: addrs}
}

// ModuleAccounts returns the names of the module accounts, sorted.
func (k Keeper) ModuleAccounts() []string { return slices.Clone(k.modules) }

// IsModuleAccount reports whether addr is the address of a module account.
func (k Keeper) IsModuleAccount(addr address.Address) bool {
	return slices.Contains(k.addrs, addr)
}

func (k Keeper) module(name string) address.Address {
	i, ok := slices.BinarySearch(k.modules, name)
	if !ok {
		panic(fmt.Sprintf("bank: unknown module account %q", name)) // a wiring mistake
	}
	return k.addrs[i]
}

// Balance returns addr's balance in ucell.
func (k Keeper) Balance(st store.KVStore, addr address.Address) uint64 {
	return mustAmount(st.Get(BalanceKey(addr)))
}

// ModuleBalance returns the balance of the module account name, in ucell.
func (k Keeper) ModuleBalance(st store.KVStore, name string) uint64 {
	return k.Balance(st, k.module(name))
}

// Supply returns the total supply in ucell.
func (k Keeper) Supply(st store.KVStore) uint64 { return mustAmount(st.Get(SupplyKey())) }

// GenesisSupply returns the supply at genesis in ucell.
func (k Keeper) GenesisSupply(st store.KVStore) uint64 {
	return mustAmount(st.Get(GenesisSupplyKey()))
}

// Minted returns the ucell minted since genesis (Mint).
func (k Keeper) Minted(st store.KVStore) uint64 { return mustAmount(st.Get(MintedKey())) }

// Burned returns the ucell burned since genesis (Burn, BurnFromModule).
func (k Keeper) Burned(st store.KVStore) uint64 { return mustAmount(st.Get(BurnedKey())) }

func mustAmount(v []byte) uint64 {
	if v == nil {
		return 0
	}
	a, err := DecodeAmount(v)
	if err != nil {
		panic(fmt.Sprintf("bank: corrupt state: %v", err))
	}
	return a
}

func (k Keeper) setBalance(st store.KVStore, addr address.Address, v uint64) {
	if v == 0 {
		st.Delete(BalanceKey(addr))
		return
	}
	st.Set(BalanceKey(addr), EncodeAmount(v))
}

// ValidateSend checks a MsgSend without state: to is 20 bytes
// (ErrInvalidAddress) and amount is positive (ErrInvalidAmount).
func ValidateSend(m *ledgerpb.MsgSend) error {
	if len(m.To) != address.Size {
		return ErrInvalidAddress.Errorf("send: to: must be %d bytes, got %d", address.Size, len(m.To))
	}
	if m.Amount == 0 {
		return ErrInvalidAmount.Errorf("send: amount 0: must be positive")
	}
	return nil
}

// HandleSend executes a MsgSend signed by signer: ValidateSend's rules,
// then the recipient must not be a module account (ErrModuleRecipient),
// then Send's.
func (k Keeper) HandleSend(st store.KVStore, ev *event.Log, signer address.Address, m *ledgerpb.MsgSend) error {
	if err := ValidateSend(m); err != nil {
		return err
	}
	to := address.Address(m.To)
	if k.IsModuleAccount(to) {
		return ErrModuleRecipient.Errorf("send: to %s: is a module account; only its module moves its funds", to)
	}
	return k.transfer(st, ev, "send: ", signer, to, m.Amount)
}

// transfer moves amount ucell from one account to another and emits
// EventTransfer. An amount of 0 does nothing. It fails, before writing,
// with ErrInsufficientFunds or ErrOverflow, whose log starts with op.
func (k Keeper) transfer(st store.KVStore, ev *event.Log, op string, from, to address.Address, amount uint64) error {
	if amount == 0 {
		return nil
	}
	fromBal := k.Balance(st, from)
	if fromBal < amount {
		return ErrInsufficientFunds.Errorf("%sinsufficient funds: %s holds %d ucell, needs %d ucell", op, from, fromBal, amount)
	}
	if from == to {
		ev.Emit(EventTransfer{From: from, To: to, Amount: amount})
		return nil
	}
	toBal := k.Balance(st, to)
	sum, carry := bits.Add64(toBal, amount, 0)
	if carry != 0 {
		return ErrOverflow.Errorf("%sbalance of %s: %d + %d ucell overflows", op, to, toBal, amount)
	}
	k.setBalance(st, from, fromBal-amount)
	k.setBalance(st, to, sum)
	ev.Emit(EventTransfer{From: from, To: to, Amount: amount})
	return nil
}

// MoveToModule moves amount ucell from an account to the module account
// module (e.g. a fee to "treasury", stake to "bonded"). Errors:
// ErrInsufficientFunds, ErrOverflow; nothing is written on error.
func (k Keeper) MoveToModule(st store.KVStore, ev *event.Log, from address.Address, module string, amount uint64) error {
	return k.transfer(st, ev, "", from, k.module(module), amount)
}

// MoveFromModule moves amount ucell from the module account module to an
// account. Errors: ErrInsufficientFunds, ErrOverflow.
func (k Keeper) MoveFromModule(st store.KVStore, ev *event.Log, module string, to address.Address, amount uint64) error {
	return k.transfer(st, ev, "", k.module(module), to, amount)
}

// MoveBetweenModules moves amount ucell between two module accounts.
// Errors: ErrInsufficientFunds, ErrOverflow.
func (k Keeper) MoveBetweenModules(st store.KVStore, ev *event.Log, from, to string, amount uint64) error {
	return k.transfer(st, ev, "", k.module(from), k.module(to), amount)
}

// Mint creates amount ucell in to's balance and the supply, adds it to
// the total minted, and emits EventMint. Errors: ErrOverflow (of the
// supply).
func (k Keeper) Mint(st store.KVStore, ev *event.Log, to address.Address, amount uint64) error {
	if amount == 0 {
		return nil
	}
	supply, carry := bits.Add64(k.Supply(st), amount, 0)
	if carry != 0 {
		return ErrOverflow.Errorf("mint %d ucell: supply %d ucell overflows", amount, k.Supply(st))
	}
	// The supply bounds every balance, so to's balance cannot overflow.
	// Minted <= supply, so it cannot overflow either.
	st.Set(SupplyKey(), EncodeAmount(supply))
	st.Set(MintedKey(), EncodeAmount(k.Minted(st)+amount))
	k.setBalance(st, to, k.Balance(st, to)+amount)
	ev.Emit(EventMint{To: to, Amount: amount})
	return nil
}

// Burn destroys amount ucell of from's balance and of the supply, adds it
// to the total burned, and emits EventBurn. Errors: ErrInsufficientFunds.
func (k Keeper) Burn(st store.KVStore, ev *event.Log, from address.Address, amount uint64) error {
	if amount == 0 {
		return nil
	}
	bal := k.Balance(st, from)
	if bal < amount {
		return ErrInsufficientFunds.Errorf("burn: insufficient funds: %s holds %d ucell, needs %d ucell", from, bal, amount)
	}
	supply := k.Supply(st)
	if supply < amount {
		panic(fmt.Sprintf("bank: corrupt state: supply %d ucell below a balance of %d ucell", supply, bal))
	}
	burned, carry := bits.Add64(k.Burned(st), amount, 0)
	if carry != 0 {
		panic(fmt.Sprintf("bank: corrupt state: burned total %d ucell + %d overflows", k.Burned(st), amount))
	}
	k.setBalance(st, from, bal-amount)
	st.Set(SupplyKey(), EncodeAmount(supply-amount))
	st.Set(BurnedKey(), EncodeAmount(burned))
	ev.Emit(EventBurn{From: from, Amount: amount})
	return nil
}

// Share is an amount (ucell) for a module account, a part of a fee
// (PayFee).
type Share struct {
	Module string
	Amount uint64
}

// PayFee takes a fee from payer in one debit: burn ucell are burned and
// each share moves to its module account, in order. Its effect and its
// events are those of Burn(payer, burn) followed by MoveToModule(payer,
// share.Module, share.Amount) for each share — EventBurn, then an
// EventTransfer per share, none for an amount of 0 — but the payer's
// balance, the supply and the burned total are read and written once,
// not once per part (a fee is paid by every transaction: ledger/mint,
// CollectFee). Errors, before any write: ErrInsufficientFunds when payer
// holds less than the sum, ErrOverflow when a module's balance would
// overflow.
func (k Keeper) PayFee(st store.KVStore, ev *event.Log, payer address.Address, burn uint64, shares ...Share) error {
	total := burn
	for _, sh := range shares {
		var carry uint64
		if total, carry = bits.Add64(total, sh.Amount, 0); carry != 0 {
			return ErrOverflow.Errorf("fee: %d ucell burned + the shares overflow", burn)
		}
	}
	if total == 0 {
		return nil
	}
	bal := k.Balance(st, payer)
	if bal < total {
		return ErrInsufficientFunds.Errorf("insufficient funds: %s holds %d ucell, needs %d ucell", payer, bal, total)
	}
	// The modules' new balances, merged when a module has two shares;
	// a share to the payer itself moves nothing, as transfer.
	type credit struct {
		addr address.Address
		bal  uint64
	}
	credits := make([]credit, 0, len(shares))
	debit := burn
	for _, sh := range shares {
		to := k.module(sh.Module)
		if sh.Amount == 0 || to == payer {
			continue
		}
		debit += sh.Amount
		i := slices.IndexFunc(credits, func(c credit) bool { return c.addr == to })
		if i < 0 {
			credits = append(credits, credit{to, k.Balance(st, to)})
			i = len(credits) - 1
		}
		sum, carry := bits.Add64(credits[i].bal, sh.Amount, 0)
		if carry != 0 {
			return ErrOverflow.Errorf("balance of %s: %d + %d ucell overflows", to, credits[i].bal, sh.Amount)
		}
		credits[i].bal = sum
	}
	if burn > 0 {
		supply, burned := k.Supply(st), k.Burned(st)
		if supply < burn {
			panic(fmt.Sprintf("bank: corrupt state: supply %d ucell below a balance of %d ucell", supply, bal))
		}
		sum, carry := bits.Add64(burned, burn, 0)
		if carry != 0 {
			panic(fmt.Sprintf("bank: corrupt state: burned total %d ucell + %d overflows", burned, burn))
		}
		st.Set(SupplyKey(), EncodeAmount(supply-burn))
		st.Set(BurnedKey(), EncodeAmount(sum))
	}
	k.setBalance(st, payer, bal-debit)
	for _, c := range credits {
		k.setBalance(st, c.addr, c.bal)
	}
	if burn > 0 {
		ev.Emit(EventBurn{From: payer, Amount: burn})
	}
	for _, sh := range shares {
		if sh.Amount > 0 {
			ev.Emit(EventTransfer{From: payer, To: k.module(sh.Module), Amount: sh.Amount})
		}
	}
	return nil
}

// DeductFee takes amount ucell from payer's balance for a transaction fee
// whose parts are burned and credited to module accounts once per block,
// by SettleFees at the block's end (ledger/mint: "Fees"): a fee then
// costs one balance write, not one per part. Between the two the supply
// exceeds Σ balances by what was deducted; the caller settles every
// deducted ucell in the same block, before the state is committed or its
// invariants checked. It emits nothing: the caller's event names the
// payer and the split. An amount of 0 does nothing. Errors, before any
// write: ErrInsufficientFunds.
func (k Keeper) DeductFee(st store.KVStore, payer address.Address, amount uint64) error {
	if amount == 0 {
		return nil
	}
	bal := k.Balance(st, payer)
	if bal < amount {
		return ErrInsufficientFunds.Errorf("insufficient funds: %s holds %d ucell, needs %d ucell", payer, bal, amount)
	}
	k.setBalance(st, payer, bal-amount)
	return nil
}

// SettleFees ends what DeductFee began for a block's fees: burn ucell
// leave the supply (counted as burned) and each share is credited to its
// module account. The amounts add up to what DeductFee took in the
// block, so nothing can fail but a corrupt state (a panic). It emits
// nothing; the caller emits the block's settlement.
func (k Keeper) SettleFees(st store.KVStore, burn uint64, shares ...Share) {
	if burn > 0 {
		supply, burned := k.Supply(st), k.Burned(st)
		sum, carry := bits.Add64(burned, burn, 0)
		if supply < burn || carry != 0 {
			panic(fmt.Sprintf("bank: corrupt state: settling a burn of %d ucell: supply %d, burned %d ucell", burn, supply, burned))
		}
		st.Set(SupplyKey(), EncodeAmount(supply-burn))
		st.Set(BurnedKey(), EncodeAmount(sum))
	}
	for _, sh := range shares {
		if sh.Amount == 0 {
			continue
		}
		to := k.module(sh.Module)
		bal := k.Balance(st, to)
		sum, carry := bits.Add64(bal, sh.Amount, 0)
		if carry != 0 {
			panic(fmt.Sprintf("bank: corrupt state: balance of %s: %d + %d ucell overflows", to, bal, sh.Amount))
		}
		k.setBalance(st, to, sum)
	}
}

// BurnFromModule burns amount ucell of the module account module (e.g.
// slashed stake). Errors: ErrInsufficientFunds.
func (k Keeper) BurnFromModule(st store.KVStore, ev *event.Log, module string, amount uint64) error {
	return k.Burn(st, ev, k.module(module), amount)
}

// ValidateGenesis checks the genesis accounts: bech32 addresses, each
// listed once, positive balances, a total that fits in uint64. It returns
// the accounts' addresses and the total supply.
func ValidateGenesis(accounts []*ledgerpb.GenesisAccount) ([]address.Address, uint64, error) {
	addrs := make([]address.Address, len(accounts))
	var supply uint64
	for i, a := range accounts {
		addr, err := address.Parse(a.Address)
		if err != nil {
			return nil, 0, fmt.Errorf("bank: genesis: accounts[%d].address: %w", i, err)
		}
		if slices.Contains(addrs[:i], addr) {
			return nil, 0, fmt.Errorf("bank: genesis: accounts[%d].address %s: listed twice", i, addr)
		}
		if a.Balance == 0 {
			return nil, 0, fmt.Errorf("bank: genesis: accounts[%d].balance 0: must be positive", i)
		}
		var carry uint64
		supply, carry = bits.Add64(supply, a.Balance, 0)
		if carry != 0 {
			return nil, 0, fmt.Errorf("bank: genesis: accounts[%d].balance: total supply overflows 2^64-1 ucell", i)
		}
		addrs[i] = addr
	}
	return addrs, supply, nil
}

// InitGenesis validates the genesis accounts (ValidateGenesis), writes
// their balances and sets the supply and the genesis supply to their sum. A genesis account may
// not be a module account.
func (k Keeper) InitGenesis(st store.KVStore, accounts []*ledgerpb.GenesisAccount) error {
	addrs, supply, err := ValidateGenesis(accounts)
	if err != nil {
		return err
	}
	for i, addr := range addrs {
		if k.IsModuleAccount(addr) {
			return fmt.Errorf("bank: genesis: accounts[%d].address %s: is a module account", i, addr)
		}
	}
	for i, addr := range addrs {
		k.setBalance(st, addr, accounts[i].Balance)
	}
	st.Set(SupplyKey(), EncodeAmount(supply))
	st.Set(GenesisSupplyKey(), EncodeAmount(supply))
	return nil
}

// CheckInvariants returns an error unless the supply equals the sum of
// all balances (module accounts included) and genesis supply + minted −
// burned, and no balance is stored as 0.
func (k Keeper) CheckInvariants(st store.KVStore) error {
	var sum uint64
	it := st.Iterator(BalancePrefix(), store.PrefixEnd(BalancePrefix()))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		addr, err := AddressFromBalanceKey(it.Key())
		if err != nil {
			return fmt.Errorf("bank: invariant: %w", err)
		}
		v, err := DecodeAmount(it.Value())
		if err != nil {
			return fmt.Errorf("bank: invariant: balance of %s: %w", addr, err)
		}
		if v == 0 {
			return fmt.Errorf("bank: invariant: balance of %s stored as 0", addr)
		}
		var carry uint64
		sum, carry = bits.Add64(sum, v, 0)
		if carry != 0 {
			return fmt.Errorf("bank: invariant: sum of balances overflows")
		}
	}
	if supply := k.Supply(st); supply != sum {
		return fmt.Errorf("bank: invariant: supply %d ucell != sum of balances %d ucell", supply, sum)
	}
	g, minted, burned := k.GenesisSupply(st), k.Minted(st), k.Burned(st)
	created, carry := bits.Add64(g, minted, 0)
	if carry != 0 || created < burned || created-burned != sum {
		return fmt.Errorf("bank: invariant: genesis supply %d + minted %d - burned %d ucell != supply %d ucell", g, minted, burned, sum)
	}
	return nil
}

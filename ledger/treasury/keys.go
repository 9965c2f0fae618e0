package treasury

import "github.com/celltonomy/celltonomy/ledger/bank"

// The treasury has no keys of its own: its funds are the balance of its
// module account, kept by the bank module.

// BalanceKey returns the state key of the treasury's balance:
// bank.BalanceKey(Address()); the value decodes with bank.DecodeAmount.
func BalanceKey() []byte { return bank.BalanceKey(Address()) }

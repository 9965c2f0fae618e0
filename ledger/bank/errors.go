package bank

import "github.com/celltonomy/celltonomy/ledger/codes"

// Codespace is the codespace of the bank module's codes.
const Codespace = "bank"

// Codes of codespace "bank". Numbers are appended, never renumbered.
var (
	// ErrInvalidAmount: an amount is zero where it must be positive.
	ErrInvalidAmount = codes.New(Codespace, 1, "invalid amount")
	// ErrInsufficientFunds: a balance is smaller than what must leave it.
	ErrInsufficientFunds = codes.New(Codespace, 2, "insufficient funds")
	// ErrInvalidAddress: an address is not 20 bytes.
	ErrInvalidAddress = codes.New(Codespace, 3, "invalid address")
	// ErrOverflow: a balance or the supply would exceed 2^64-1 ucell.
	ErrOverflow = codes.New(Codespace, 4, "amount overflow")
	// ErrModuleRecipient: a send names a module account as recipient.
	ErrModuleRecipient = codes.New(Codespace, 5, "recipient is a module account")
)

// Codes lists the codes of codespace "bank" in number order.
func Codes() []codes.Code {
	return []codes.Code{ErrInvalidAmount, ErrInsufficientFunds, ErrInvalidAddress, ErrOverflow, ErrModuleRecipient}
}

package distribution

import "github.com/celltonomy/celltonomy/ledger/codes"

// Codespace is the codespace of the distribution module's codes.
const Codespace = "distribution"

// Codes of codespace "distribution". Numbers are appended, never
// renumbered.
var (
	// ErrInvalidAddress: an address is not 20 bytes.
	ErrInvalidAddress = codes.New(Codespace, 1, "invalid address")
	// ErrNothingToWithdraw: the signer neither delegates to the validator
	// nor operates it.
	ErrNothingToWithdraw = codes.New(Codespace, 2, "nothing to withdraw")
)

// Codes lists the codes of codespace "distribution" in number order.
func Codes() []codes.Code { return []codes.Code{ErrInvalidAddress, ErrNothingToWithdraw} }

package auth

import "github.com/celltonomy/celltonomy/ledger/codes"

// Codespace is the codespace of the auth module's codes.
const Codespace = "auth"

// Codes of codespace "auth". Numbers are appended, never renumbered.
var (
	// ErrWrongSequence: the body's sequence is not the account's next one
	// (reused: a replay; skipped: an earlier transaction is missing).
	ErrWrongSequence = codes.New(Codespace, 1, "wrong sequence")
	// ErrFeeTooLow: the fee is below the min_fee param.
	ErrFeeTooLow = codes.New(Codespace, 2, "fee too low")
)

// Codes lists the codes of codespace "auth" in number order.
func Codes() []codes.Code { return []codes.Code{ErrWrongSequence, ErrFeeTooLow} }

package tx

import "github.com/celltonomy/celltonomy/ledger/codes"

// Codespace is the codespace of transaction form errors.
const Codespace = "tx"

// Codes of codespace "tx". Numbers are appended, never renumbered.
var (
	ErrTooLarge        = codes.New(Codespace, 1, "tx too large")
	ErrDecode          = codes.New(Codespace, 2, "undecodable tx")
	ErrChainID         = codes.New(Codespace, 3, "wrong chain id")
	ErrNoMessages      = codes.New(Codespace, 4, "no messages")
	ErrTooManyMessages = codes.New(Codespace, 5, "too many messages")
	ErrMemoTooLong     = codes.New(Codespace, 6, "memo too long")
	ErrUnknownMessage  = codes.New(Codespace, 7, "unknown message type")
	ErrUnknownField    = codes.New(Codespace, 8, "unknown field")
	ErrPubKey          = codes.New(Codespace, 9, "invalid public key")
	ErrSignature       = codes.New(Codespace, 10, "bad signature")
)

// Codes lists the codes of codespace "tx" in number order.
func Codes() []codes.Code {
	return []codes.Code{ErrTooLarge, ErrDecode, ErrChainID, ErrNoMessages, ErrTooManyMessages,
		ErrMemoTooLong, ErrUnknownMessage, ErrUnknownField, ErrPubKey, ErrSignature}
}

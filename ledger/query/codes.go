package query

import "github.com/celltonomy/celltonomy/ledger/codes"

// Codespace is the codespace of the codes below: a failed query, and the
// app's own failures that no module declares. Clients have known it as
// "app" since the first queries.
const Codespace = "app"

// Codes of codespace "app". Numbers are appended, never renumbered.
var (
	// ErrUnknownPath: a query names a path the ledger does not serve.
	ErrUnknownPath = codes.New(Codespace, 1, "unknown query path")
	// ErrInvalidQuery: the query data is malformed (e.g. not the path's
	// request message, or an address that is not 20 bytes).
	ErrInvalidQuery = codes.New(Codespace, 2, "invalid query data")
	// ErrNotFound: the queried record does not exist.
	ErrNotFound = codes.New(Codespace, 3, "not found")
	// ErrNotInitialized: the state has no params: InitChain has not run.
	// A transaction can carry it too.
	ErrNotInitialized = codes.New(Codespace, 4, "chain not initialized")
	// ErrInternal: a failure that carries no code; a bug, or storage that
	// failed. A transaction can carry it too.
	ErrInternal = codes.New(Codespace, 5, "internal error")
	// ErrHeight: the query names a height that is not committed, or no
	// longer stored.
	ErrHeight = codes.New(Codespace, 6, "height not available")
)

// Codes lists the codes of codespace "app" in number order.
func Codes() []codes.Code {
	return []codes.Code{ErrUnknownPath, ErrInvalidQuery, ErrNotFound, ErrNotInitialized, ErrInternal, ErrHeight}
}

// Package codes defines how the ledger reports a refused transaction: a
// Code (a module's codespace and a number) and a log that names the field
// and the rule it breaks, e.g. "bank: send: amount 0: must be positive".
//
// Each module declares its codes in its errors.go with explicit numbers,
// appended and never renumbered or reused, because clients and indexers
// keep them. Code 0 in every codespace means success and is never
// declared. ledger/schema lists every code in one table (schema.Codes).
package codes

import (
	"errors"
	"fmt"
)

// Code is a registered kind of failure. It is comparable and is itself an
// error, so errors.Is(err, bank.ErrInsufficientFunds) tells whether err
// carries that code.
type Code struct {
	// Codespace names the module, e.g. "bank".
	Codespace string
	// Number is the code within the codespace, never 0.
	Number uint32
	// Name is a short lowercase description, e.g. "insufficient funds".
	Name string
}

// New declares a code. It panics on Number 0, which means success.
func New(codespace string, number uint32, name string) Code {
	if number == 0 {
		panic("codes: code 0 means success")
	}
	return Code{Codespace: codespace, Number: number, Name: name}
}

// Error returns "<codespace>: <name>", e.g. "bank: insufficient funds".
func (c Code) Error() string { return c.Codespace + ": " + c.Name }

// Errorf returns an *Error with this code and the log
// "<codespace>: " + fmt.Sprintf(format, args...).
func (c Code) Errorf(format string, args ...any) error {
	return &Error{Code: c, Log: c.Codespace + ": " + fmt.Sprintf(format, args...)}
}

// Error is a refused transaction or message: its code and a log naming the
// field and the rule.
type Error struct {
	Code Code
	Log  string
}

// Error returns the log.
func (e *Error) Error() string { return e.Log }

// Is reports whether target is e's Code: the same codespace and number
// (a client that decodes a result may not know a newer code's name).
func (e *Error) Is(target error) bool {
	c, ok := target.(Code)
	return ok && c.Codespace == e.Code.Codespace && c.Number == e.Code.Number
}

// Of returns the Code carried by err (unwrapping), and false if it carries
// none.
func Of(err error) (Code, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e.Code, true
	}
	return Code{}, false
}

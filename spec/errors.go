package spec

import (
	"errors"
	"fmt"
)

// FieldError is one validation failure: the field, written as a path such
// as "container.init.entry_path[0]", and the rule it breaks.
type FieldError struct {
	Field string
	Rule  string
}

// Error implements error: "field: rule".
func (e *FieldError) Error() string { return e.Field + ": " + e.Rule }

// ErrInvalid is matched by errors.Is for every *FieldError, so callers can
// tell bad input from I/O failures.
var ErrInvalid = errors.New("invalid package")

// Is makes errors.Is(err, ErrInvalid) true for a *FieldError.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

// problems collects FieldErrors and joins them.
type problems []error

func (p *problems) add(field, format string, args ...any) {
	*p = append(*p, &FieldError{Field: field, Rule: fmt.Sprintf(format, args...)})
}

func (p problems) err() error { return errors.Join(p...) }

package event

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
)

// Registry maps event types to the structs that declare them, for
// decoding. It is immutable once made.
type Registry struct {
	types map[string]reflect.Type
	names []string // sorted
}

// NewRegistry returns the registry of the given events, each given as a
// value (usually the zero value) of its struct. It returns an error when
// an event is not a struct, its tags break the rules of Encode, or two
// events have the same type.
func NewRegistry(events ...Typed) (*Registry, error) {
	r := &Registry{types: make(map[string]reflect.Type, len(events))}
	for _, e := range events {
		t := reflect.TypeOf(e)
		if _, err := fieldsOf(t); err != nil {
			return nil, err
		}
		name := e.EventType()
		if prev, ok := r.types[name]; ok {
			return nil, fmt.Errorf("event: type %q declared by both %s and %s", name, prev, t)
		}
		r.types[name] = t
		r.names = append(r.names, name)
	}
	slices.Sort(r.names)
	return r, nil
}

// Types returns every registered event type, sorted.
func (r *Registry) Types() []string {
	return slices.Clone(r.names)
}

// Zero returns the zero value of the struct that declares typ, and false
// if typ is not registered.
func (r *Registry) Zero(typ string) (Typed, bool) {
	t, ok := r.types[typ]
	if !ok {
		return nil, false
	}
	return reflect.Zero(t).Interface().(Typed), true
}

// ErrUnknownType is wrapped by Registry.Decode's error for an event whose
// type is not registered.
var ErrUnknownType = errors.New("unknown event type")

// Decode returns ev as a value (not a pointer) of the struct registered
// for its type, so that a type switch names the struct:
//
//	switch e := e.(type) { case bank.EventTransfer: … }
//
// Errors: ErrUnknownType, and those of Decode (ErrMalformed).
func (r *Registry) Decode(ev Event) (Typed, error) {
	t, ok := r.types[ev.Type]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownType, ev.Type)
	}
	p := reflect.New(t)
	if err := Decode(ev, p.Interface().(Typed)); err != nil {
		return nil, err
	}
	return p.Elem().Interface().(Typed), nil
}

package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
)

// Limits on a protocol document: it is untrusted input from an order.
const (
	// MaxProtocolBytes bounds a protocol document (and a template, before
	// and after filling), in bytes: room for MaxInstructions instructions.
	MaxProtocolBytes = 4 << 20
	// MaxInstructions bounds the instructions of one protocol.
	MaxInstructions = 10_000
	// MaxRefs bounds the refs of one protocol.
	MaxRefs = 1_000
	// MaxTimeConstraints bounds the time constraints of one protocol.
	MaxTimeConstraints = 1_000
)

// ErrInvalid is wrapped by every error of Parse, Validate and Fill, so
// callers can tell a bad protocol from other failures with errors.Is.
var ErrInvalid = errors.New("invalid protocol")

// FieldError is a problem with one field of a protocol. Path is the
// field's JSON path ("instructions[3].duration", "refs.plate.new").
type FieldError struct {
	Path string
	Err  error
}

// Error returns "path: problem".
func (e *FieldError) Error() string { return e.Path + ": " + e.Err.Error() }

// Unwrap returns Err.
func (e *FieldError) Unwrap() error { return e.Err }

// Is makes every FieldError match ErrInvalid.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

func fieldErr(path, format string, args ...any) error {
	return &FieldError{Path: path, Err: fmt.Errorf(format, args...)}
}

// Protocol is a parsed Autoprotocol document of the version-1 subset.
type Protocol struct {
	// Refs are the containers in document order; names are unique.
	Refs Refs `json:"refs"`
	// Instructions are executed in order.
	Instructions []Instruction `json:"instructions"`
	// TimeConstraints bound the time between instruction or ref events.
	TimeConstraints []TimeConstraint `json:"time_constraints,omitempty"`
}

// Refs is the refs object, kept in document order (a Go map would lose
// it); a duplicate name is refused when decoding.
type Refs []NamedRef

// NamedRef is one entry of the refs object.
type NamedRef struct {
	Name string
	Ref
}

// Lookup returns the ref named name.
func (rs Refs) Lookup(name string) (Ref, bool) {
	for _, r := range rs {
		if r.Name == name {
			return r.Ref, true
		}
	}
	return Ref{}, false
}

// UnmarshalJSON decodes a JSON object of refs exactly (unknown fields
// refused), in order, refusing duplicate names and more than MaxRefs. Its
// errors are *FieldError.
func (rs *Refs) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fieldErr("refs", "want a JSON object")
	}
	out := Refs{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return fieldErr("refs", "%v", err)
		}
		name, _ := t.(string)
		if out.has(name) {
			return fieldErr("refs", "duplicate ref %q", name)
		}
		if len(out) == MaxRefs {
			return fieldErr("refs", "over the limit of %d refs", MaxRefs)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fieldErr("refs."+name, "%v", err)
		}
		var r Ref
		if err := decodeStrict(raw, &r); err != nil {
			return fieldErr("refs."+name, "%v", err)
		}
		out = append(out, NamedRef{Name: name, Ref: r})
	}
	*rs = out
	return nil
}

func (rs Refs) has(name string) bool {
	_, ok := rs.Lookup(name)
	return ok
}

// MarshalJSON writes the refs object in order.
func (rs Refs) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, r := range rs {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(r.Name)
		v, err := json.Marshal(r.Ref)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Ref is a container: a new one of a container type, or an existing one
// (a sample or stocked resource) named by id; exactly one destiny.
type Ref struct {
	// New is the container type of a new container.
	New string `json:"new,omitempty"`
	// ID names an existing container.
	ID string `json:"id,omitempty"`
	// Type is the container type of an ID ref (our addition: needed to
	// range-check its wells); empty for a New ref.
	Type string `json:"type,omitempty"`
	// Store ships the container to the buyer, stored at Store.Where.
	Store *Store `json:"store,omitempty"`
	// Discard throws the container away after the run.
	Discard bool `json:"discard,omitempty"`
	// Cover is the container's initial lid or seal ("" = open).
	Cover string `json:"cover,omitempty"`
}

// ContainerType returns the ref's container type name (New, else Type).
func (r Ref) ContainerType() string {
	if r.New != "" {
		return r.New
	}
	return r.Type
}

// Store is the storage condition of a stored ref.
type Store struct {
	Where string `json:"where"`
}

// Storage conditions (Autoprotocol "where" values), sorted.
var storageConditions = []string{"ambient", "cold_20", "cold_4", "cold_80", "warm_30", "warm_37"}

// StorageTemperature returns the temperature of a storage condition in
// m°C (ambient is taken as 22 °C).
func StorageTemperature(where string) (int64, bool) {
	switch where {
	case "cold_80":
		return -80_000, true
	case "cold_20":
		return -20_000, true
	case "cold_4":
		return 4_000, true
	case "ambient":
		return 22_000, true
	case "warm_30":
		return 30_000, true
	case "warm_37":
		return 37_000, true
	}
	return 0, false
}

// TimeConstraint bounds the time from one event to another; at least one of
// LessThan and MoreThan is set.
type TimeConstraint struct {
	From     TimePoint `json:"from"`
	To       TimePoint `json:"to"`
	LessThan *Quantity `json:"less_than,omitempty"`
	MoreThan *Quantity `json:"more_than,omitempty"`
}

// TimePoint is one end of a time constraint: exactly one field is set.
type TimePoint struct {
	RefStart         *string `json:"ref_start,omitempty"`
	RefEnd           *string `json:"ref_end,omitempty"`
	InstructionStart *int    `json:"instruction_start,omitempty"`
	InstructionEnd   *int    `json:"instruction_end,omitempty"`
}

// Instruction is one instruction: Op names it and Args holds its fields,
// one of the op types of this package (*Provision for "provision", …).
type Instruction struct {
	Op   string
	Args any
}

// MarshalJSON writes {"op": Op, …Args' fields}.
func (in Instruction) MarshalJSON() ([]byte, error) {
	body, err := json.Marshal(in.Args)
	if err != nil {
		return nil, err
	}
	op, _ := json.Marshal(in.Op)
	if len(body) <= 2 {
		return []byte(`{"op":` + string(op) + `}`), nil
	}
	return slices.Concat([]byte(`{"op":`), op, []byte(","), body[1:]), nil
}

// newArgs returns a new argument value of op and the value to decode the
// whole instruction object into (the argument type with the "op" field
// beside its own), or nils for an unknown op.
func newArgs(op string) (args, whole any) {
	type opField struct {
		Op string `json:"op"`
	}
	switch op {
	case "provision":
		a := new(Provision)
		return a, &struct {
			opField
			*Provision
		}{Provision: a}
	case "dispense":
		a := new(Dispense)
		return a, &struct {
			opField
			*Dispense
		}{Dispense: a}
	case "liquid_handle":
		a := new(LiquidHandle)
		return a, &struct {
			opField
			*LiquidHandle
		}{LiquidHandle: a}
	case "oligosynthesize":
		a := new(Oligosynthesize)
		return a, &struct {
			opField
			*Oligosynthesize
		}{Oligosynthesize: a}
	case "seal":
		a := new(Seal)
		return a, &struct {
			opField
			*Seal
		}{Seal: a}
	case "unseal":
		a := new(Unseal)
		return a, &struct {
			opField
			*Unseal
		}{Unseal: a}
	case "cover":
		a := new(Cover)
		return a, &struct {
			opField
			*Cover
		}{Cover: a}
	case "uncover":
		a := new(Uncover)
		return a, &struct {
			opField
			*Uncover
		}{Uncover: a}
	case "incubate":
		a := new(Incubate)
		return a, &struct {
			opField
			*Incubate
		}{Incubate: a}
	case "thermocycle":
		a := new(Thermocycle)
		return a, &struct {
			opField
			*Thermocycle
		}{Thermocycle: a}
	case "spin":
		a := new(Spin)
		return a, &struct {
			opField
			*Spin
		}{Spin: a}
	case "spectrophotometry":
		a := new(Spectrophotometry)
		return a, &struct {
			opField
			*Spectrophotometry
		}{Spectrophotometry: a}
	case "gel_separate":
		a := new(GelSeparate)
		return a, &struct {
			opField
			*GelSeparate
		}{GelSeparate: a}
	}
	return nil, nil
}

// Ops returns the ops of version 1, sorted.
func Ops() []string {
	return []string{"cover", "dispense", "gel_separate", "incubate", "liquid_handle", "oligosynthesize",
		"provision", "seal", "spectrophotometry", "spin", "thermocycle", "uncover", "unseal"}
}

// decodeStrict decodes exactly one JSON value from data into v, refusing
// unknown fields and trailing data.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

// Parse decodes a protocol document exactly: unknown top-level fields,
// unknown ops and unknown fields of an op are refused, every quantity is
// converted to its base unit and required fields must be present. It does
// not check the protocol's meaning (refs, wells, volumes, covers): call
// Validate. Errors are *FieldError (matching ErrInvalid) naming the field,
// e.g. "instructions[3].duration: …"; a document over MaxProtocolBytes is
// refused before decoding.
func Parse(data []byte) (*Protocol, error) {
	if len(data) > MaxProtocolBytes {
		return nil, fieldErr("protocol", "%d bytes, over the limit of %d", len(data), MaxProtocolBytes)
	}
	var top struct {
		Refs            Refs              `json:"refs"`
		Instructions    []json.RawMessage `json:"instructions"`
		TimeConstraints []TimeConstraint  `json:"time_constraints"`
	}
	if err := decodeStrict(data, &top); err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			return nil, fe // from Refs.UnmarshalJSON, with its path
		}
		return nil, fieldErr("protocol", "%v", err)
	}
	switch {
	case top.Refs == nil:
		return nil, fieldErr("refs", "required")
	case len(top.Instructions) == 0:
		return nil, fieldErr("instructions", "required, at least one")
	case len(top.Instructions) > MaxInstructions:
		return nil, fieldErr("instructions", "%d instructions, over the limit of %d", len(top.Instructions), MaxInstructions)
	case len(top.TimeConstraints) > MaxTimeConstraints:
		return nil, fieldErr("time_constraints", "%d constraints, over the limit of %d", len(top.TimeConstraints), MaxTimeConstraints)
	}
	p := &Protocol{Refs: top.Refs, TimeConstraints: top.TimeConstraints}
	for i, raw := range top.Instructions {
		in, err := parseInstruction(i, raw)
		if err != nil {
			return nil, err
		}
		p.Instructions = append(p.Instructions, in)
	}
	for i := range p.TimeConstraints {
		tc := &p.TimeConstraints[i]
		path := fmt.Sprintf("time_constraints[%d]", i)
		if tc.LessThan == nil && tc.MoreThan == nil {
			return nil, fieldErr(path, "needs less_than or more_than")
		}
		w := &walker{}
		if tc.LessThan != nil {
			w.quantity(path+".less_than", tc.LessThan, Time, false)
		}
		if tc.MoreThan != nil {
			w.quantity(path+".more_than", tc.MoreThan, Time, false)
		}
		if w.err != nil {
			return nil, w.err
		}
	}
	return p, nil
}

func parseInstruction(i int, raw json.RawMessage) (Instruction, error) {
	path := fmt.Sprintf("instructions[%d]", i)
	var head struct {
		Op *string `json:"op"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return Instruction{}, fieldErr(path, "want a JSON object with a string op: %v", err)
	}
	if head.Op == nil || *head.Op == "" {
		return Instruction{}, fieldErr(path+".op", "required, a string")
	}
	op := *head.Op
	args, whole := newArgs(op)
	if args == nil {
		return Instruction{}, fieldErr(path+".op", "unknown op %q (version 1 has %v)", op, Ops())
	}
	if err := decodeStrict(raw, whole); err != nil {
		return Instruction{}, fieldErr(path, "%s: %v", op, err)
	}
	w := &walker{}
	args.(interface{ check(*walker, string) }).check(w, path)
	if w.err != nil {
		return Instruction{}, w.err
	}
	return Instruction{Op: op, Args: args}, nil
}

// walker records the first problem found while checking an op's fields.
type walker struct{ err error }

func (w *walker) fail(path, format string, args ...any) {
	if w.err == nil {
		w.err = fieldErr(path, format, args...)
	}
}

func (w *walker) quantity(path string, q *Quantity, dim Dimension, signed bool) {
	if w.err != nil {
		return
	}
	if q.notString != "" {
		w.fail(path, "want a string \"VALUE:UNIT\", got %s", q.notString)
		return
	}
	if q.Text == "" {
		w.fail(path, "required, a %s \"VALUE:UNIT\"", dim)
		return
	}
	v, err := ParseQuantity(q.Text, dim)
	if err != nil {
		w.fail(path, "%v", err)
		return
	}
	if !signed && v <= 0 && dim != Temperature {
		w.fail(path, "%s must be positive", q.Text)
		return
	}
	q.Value = v
}

func (w *walker) required(path, s string) {
	if s == "" {
		w.fail(path, "required")
	}
}

func (w *walker) nonEmpty(path string, n int) {
	if n == 0 {
		w.fail(path, "required, at least one")
	}
}

// Load fills a protocol template with params (Fill), parses the result
// (Parse) and validates it (Validate): what a protocol package's
// protocol.json and an order's parameters become before anything runs. It
// returns the first error of the three, matching ErrInvalid.
func Load(template []byte, params map[string]string) (*Protocol, error) {
	doc, err := Fill(template, params)
	if err != nil {
		return nil, err
	}
	p, err := Parse(doc)
	if err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

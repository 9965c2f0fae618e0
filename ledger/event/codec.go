package event

import (
	"encoding"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// tagName is the struct tag that maps a field to an attribute.
const tagName = "event"

// form is how a value renders.
type form uint8

const (
	formText   form = iota + 1 // MarshalText / UnmarshalText
	formHex                    // bytes or a byte array, in lowercase hex
	formString                 // as it is
	formBool                   // "true" or "false"
	formInt                    // decimal
	formUint                   // decimal
	formList                   // a slice: its elements joined with commas
	formArray                  // an array: one attribute per element
)

// field is one tagged field of an event struct, or of a struct it inlines.
type field struct {
	index []int  // path of field indexes from the event struct
	name  string // the Go field's name
	key   string // attribute key; for an array, the prefix of key0, key1, …
	form  form
	elem  form  // the elements' form, for formList and formArray
	flag  []int // index path of the bool that says whether it is set; nil: always
}

// plans caches the result of fields by type. A plan is a function of the
// type alone, so the cache changes no output; it only spares Encode the
// walk over the struct tags.
var plans sync.Map // reflect.Type → plan

type plan struct {
	fields []field
	err    error
}

// fields returns the attribute plan of an event struct type: its tagged
// fields in declaration order, inlined structs expanded. It returns an
// error naming the field when a tag breaks the rules of Encode.
func fieldsOf(t reflect.Type) ([]field, error) {
	if p, ok := plans.Load(t); ok {
		return p.(plan).fields, p.(plan).err
	}
	var p plan
	if t.Kind() != reflect.Struct {
		p.err = fmt.Errorf("event: %s is not a struct", t)
	} else {
		p.fields, p.err = structFields(t, nil)
	}
	plans.Store(t, p)
	return p.fields, p.err
}

func structFields(t reflect.Type, prefix []int) ([]field, error) {
	var out []field
	for i := range t.NumField() {
		sf := t.Field(i)
		tag, ok := sf.Tag.Lookup(tagName)
		if !sf.IsExported() {
			if ok {
				return nil, fmt.Errorf("event: %s.%s: unexported field is tagged", t, sf.Name)
			}
			continue
		}
		if !ok {
			return nil, fmt.Errorf("event: %s.%s: exported field has no %q tag (use \"-\" to leave it out)", t, sf.Name, tagName)
		}
		if tag == "-" {
			continue
		}
		index := append(append([]int(nil), prefix...), i)
		key, opts, _ := strings.Cut(tag, ",")
		if opts == "inline" {
			if sf.Type.Kind() != reflect.Struct || key != "" {
				return nil, fmt.Errorf("event: %s.%s: inline needs a struct field and no key", t, sf.Name)
			}
			inner, err := structFields(sf.Type, index)
			if err != nil {
				return nil, err
			}
			out = append(out, inner...)
			continue
		}
		if key == "" {
			return nil, fmt.Errorf("event: %s.%s: empty attribute key", t, sf.Name)
		}
		f := field{index: index, name: sf.Name, key: key}
		hexOpt := false
		for opts != "" {
			var opt string
			opt, opts, _ = strings.Cut(opts, ",")
			switch {
			case opt == "hex":
				hexOpt = true
			case strings.HasPrefix(opt, "if="):
				flag, ok := t.FieldByName(strings.TrimPrefix(opt, "if="))
				if !ok || flag.Type.Kind() != reflect.Bool || flag.Tag.Get(tagName) != "-" {
					return nil, fmt.Errorf("event: %s.%s: %s: want a bool field tagged \"-\"", t, sf.Name, opt)
				}
				f.flag = append(append([]int(nil), prefix...), flag.Index...)
			default:
				return nil, fmt.Errorf("event: %s.%s: unknown option %q", t, sf.Name, opt)
			}
		}
		var err error
		if f.form, f.elem, err = formOf(sf.Type, hexOpt); err != nil {
			return nil, fmt.Errorf("event: %s.%s: %w", t, sf.Name, err)
		}
		out = append(out, f)
	}
	return out, nil
}

var (
	textMarshaler   = reflect.TypeFor[encoding.TextMarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// formOf returns how a field of type t renders, and its elements for a
// list or an array.
func formOf(t reflect.Type, hexOpt bool) (form, form, error) {
	isBytes := (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) && t.Elem().Kind() == reflect.Uint8
	switch {
	case hexOpt:
		if !isBytes {
			return 0, 0, fmt.Errorf("hex needs bytes or a byte array, not %s", t)
		}
		return formHex, 0, nil
	case t.Kind() == reflect.Array && !isText(t):
		elem, err := scalarForm(t.Elem())
		return formArray, elem, err
	case t.Kind() == reflect.Slice && !isBytes:
		elem, err := scalarForm(t.Elem())
		return formList, elem, err
	}
	f, err := scalarForm(t)
	return f, 0, err
}

func scalarForm(t reflect.Type) (form, error) {
	switch {
	case isText(t):
		return formText, nil
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		return formHex, nil
	}
	switch t.Kind() {
	case reflect.String:
		return formString, nil
	case reflect.Bool:
		return formBool, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return formInt, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return formUint, nil
	}
	return 0, fmt.Errorf("type %s cannot be an attribute", t)
}

// isText reports whether values of t render through their text methods.
func isText(t reflect.Type) bool {
	if t.Implements(textMarshaler) && reflect.PointerTo(t).Implements(textUnmarshaler) {
		return true
	}
	return t.Kind() == reflect.Pointer && t.Implements(textMarshaler) && t.Implements(textUnmarshaler)
}

// Encode renders a typed event as an ABCI event: the type e.EventType()
// and one attribute per tagged field, in declaration order. A field's tag
// is its attribute key, with options after commas:
//
//	Field T    `event:"key"`         one attribute
//	Field T    `event:"key,hex"`     bytes (or a byte array) in lowercase hex
//	Field T    `event:"key,if=Flag"` empty when the bool field Flag is false
//	Field [N]T `event:"key"`         N attributes: key0, key1, …
//	Field S    `event:",inline"`     the tagged fields of the struct S
//	Field T    `event:"-"`           no attribute
//
// Values render as they always have in the ledger's events: a type with
// text methods (an address: bech32; a *big.Int: decimal) by MarshalText,
// bytes in lowercase hex, integers in decimal, booleans as "true" or
// "false", strings as they are, and a slice of any of these as its
// elements joined with commas. Every exported field must be tagged; a
// map cannot be an attribute (its order is random).
//
// Encode panics when e's type breaks these rules: a bug of its
// declaration, caught by NewRegistry and the ledger's tests.
//
// A Raw event renders as it is.
func Encode(e Typed) Event { return encode(e, nil) }

// encode is Encode, rendering text values through names.
func encode(e Typed, names *Names) Event {
	if r, ok := e.(Raw); ok {
		return Event(r)
	}
	v := reflect.ValueOf(e)
	fs, err := fieldsOf(v.Type())
	if err != nil {
		panic(err)
	}
	ev := Event{Type: e.EventType(), Attributes: make([]Attribute, 0, len(fs))}
	for _, f := range fs {
		ev.Attributes = appendField(ev.Attributes, v, f, names)
	}
	return ev
}

// appendField appends the attributes of field f of the event struct v.
func appendField(attrs []Attribute, v reflect.Value, f field, names *Names) []Attribute {
	fv := v.FieldByIndex(f.index)
	switch {
	case f.flag != nil && !v.FieldByIndex(f.flag).Bool():
		return append(attrs, Attribute{Key: f.key})
	case f.form == formArray:
		for i := range fv.Len() {
			attrs = append(attrs, Attribute{Key: f.key + strconv.Itoa(i), Value: encodeValue(fv.Index(i), f.elem, names)})
		}
		return attrs
	case f.form == formList:
		parts := make([]string, fv.Len())
		for i := range parts {
			parts[i] = encodeValue(fv.Index(i), f.elem, names)
		}
		return append(attrs, Attribute{Key: f.key, Value: strings.Join(parts, ",")})
	}
	return append(attrs, Attribute{Key: f.key, Value: encodeValue(fv, f.form, names)})
}

// Select returns the attributes, rendered as Encode renders them, of the
// fields of e named in fields (their Go names, e.g. "Buyer"), in
// declaration order; with no name, of every field that is not zero. It
// is how a client asks for the events that match e (client.Match). It
// returns an error for a name that is no attribute field of e, or for a
// Raw event.
func Select(e Typed, fields ...string) ([]Attribute, error) {
	if _, ok := e.(Raw); ok {
		return nil, fmt.Errorf("event: select on a raw %q event", e.EventType())
	}
	v := reflect.ValueOf(e)
	fs, err := fieldsOf(v.Type())
	if err != nil {
		return nil, err
	}
	var out []Attribute
	found := map[string]bool{}
	for _, f := range fs {
		want := len(fields) == 0 && !v.FieldByIndex(f.index).IsZero()
		for _, name := range fields {
			if name == f.name {
				want, found[name] = true, true
			}
		}
		if want {
			out = appendField(out, v, f, nil)
		}
	}
	for _, name := range fields {
		if !found[name] {
			return nil, fmt.Errorf("event: %s has no attribute field %q", v.Type(), name)
		}
	}
	return out, nil
}

func encodeValue(v reflect.Value, f form, names *Names) string {
	switch f {
	case formText:
		if names == nil || v.Kind() != reflect.Array || !v.Type().Comparable() {
			return marshalText(v)
		}
		key := v.Interface()
		if s, ok := names.text[key]; ok {
			return s
		}
		s := marshalText(v)
		if len(names.text) < names.limit {
			names.text[key] = s
		}
		return s
	case formHex:
		if v.Kind() == reflect.Array {
			b := make([]byte, v.Len())
			reflect.Copy(reflect.ValueOf(b), v)
			return hex.EncodeToString(b)
		}
		return hex.EncodeToString(v.Bytes())
	case formString:
		return v.String()
	case formBool:
		return strconv.FormatBool(v.Bool())
	case formInt:
		return strconv.FormatInt(v.Int(), 10)
	case formUint:
		return strconv.FormatUint(v.Uint(), 10)
	}
	panic(fmt.Sprintf("event: type %s cannot be an attribute", v.Type()))
}

func marshalText(v reflect.Value) string {
	b, err := v.Interface().(encoding.TextMarshaler).MarshalText()
	if err != nil {
		panic(fmt.Sprintf("event: %s: %v", v.Type(), err))
	}
	return string(b)
}

// ErrMalformed is wrapped by the errors of Decode: an attribute is
// missing or its value does not parse as its field's type.
var ErrMalformed = errors.New("malformed event")

// Decode is the inverse of Encode: it parses ev's attributes into the
// event struct that into points to, which must be of ev's type. An
// attribute that appears twice counts once, its first time; attributes no
// field names are ignored. An empty list or empty bytes decode as nil.
// Errors wrap ErrMalformed.
func Decode(ev Event, into Typed) error {
	p := reflect.ValueOf(into)
	if p.Kind() != reflect.Pointer || p.IsNil() || p.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("event: decode into %T: want a pointer to an event struct", into)
	}
	v := p.Elem()
	if typ := into.EventType(); ev.Type != typ {
		return fmt.Errorf("%w: type %q, want %q", ErrMalformed, ev.Type, typ)
	}
	fs, err := fieldsOf(v.Type())
	if err != nil {
		return err
	}
	attrs := make(map[string]string, len(ev.Attributes))
	for _, a := range ev.Attributes {
		if _, ok := attrs[a.Key]; !ok {
			attrs[a.Key] = a.Value
		}
	}
	get := func(key string) (string, error) {
		s, ok := attrs[key]
		if !ok {
			return "", fmt.Errorf("%w: %s: no attribute %q", ErrMalformed, ev.Type, key)
		}
		return s, nil
	}
	for _, f := range fs {
		fv := v.FieldByIndex(f.index)
		if f.form == formArray {
			for i := range fv.Len() {
				key := f.key + strconv.Itoa(i)
				s, err := get(key)
				if err != nil {
					return err
				}
				if err := decodeValue(fv.Index(i), f.elem, s); err != nil {
					return fmt.Errorf("%w: %s.%s %q: %v", ErrMalformed, ev.Type, key, s, err)
				}
			}
			continue
		}
		s, err := get(f.key)
		if err != nil {
			return err
		}
		if f.flag != nil {
			set := s != ""
			v.FieldByIndex(f.flag).SetBool(set)
			if !set {
				fv.SetZero()
				continue
			}
		}
		if err := decodeField(fv, f, s); err != nil {
			return fmt.Errorf("%w: %s.%s %q: %v", ErrMalformed, ev.Type, f.key, s, err)
		}
	}
	return nil
}

func decodeField(v reflect.Value, f field, s string) error {
	if f.form != formList {
		return decodeValue(v, f.form, s)
	}
	if s == "" {
		v.SetZero()
		return nil
	}
	parts := strings.Split(s, ",")
	out := reflect.MakeSlice(v.Type(), len(parts), len(parts))
	for i, part := range parts {
		if err := decodeValue(out.Index(i), f.elem, part); err != nil {
			return err
		}
	}
	v.Set(out)
	return nil
}

func decodeValue(v reflect.Value, f form, s string) error {
	t := v.Type()
	switch f {
	case formText:
		if t.Kind() == reflect.Pointer {
			n := reflect.New(t.Elem())
			if err := n.Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
				return err
			}
			v.Set(n)
			return nil
		}
		return v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s))
	case formHex:
		b, err := hex.DecodeString(s)
		if err != nil {
			return err
		}
		if t.Kind() == reflect.Array {
			if len(b) != v.Len() {
				return fmt.Errorf("want %d bytes, got %d", v.Len(), len(b))
			}
			reflect.Copy(v, reflect.ValueOf(b))
			return nil
		}
		if len(b) == 0 {
			b = nil
		}
		v.SetBytes(b)
	case formString:
		v.SetString(s)
	case formBool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return err
		}
		v.SetBool(b)
	case formInt:
		n, err := strconv.ParseInt(s, 10, t.Bits())
		if err != nil {
			return err
		}
		v.SetInt(n)
	case formUint:
		n, err := strconv.ParseUint(s, 10, t.Bits())
		if err != nil {
			return err
		}
		v.SetUint(n)
	default:
		return fmt.Errorf("type %s cannot be an attribute", t)
	}
	return nil
}

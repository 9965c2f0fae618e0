package protocol

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// Dimension is the physical dimension of a quantity; each has one integer
// base unit (see the package comment).
type Dimension int

// The dimensions of version 1 and their base units.
const (
	Volume        Dimension = iota + 1 // nL
	Mass                               // ng
	Time                               // ms
	Temperature                        // m°C (millidegrees Celsius)
	Length                             // nm
	Acceleration                       // g (standard gravity)
	Concentration                      // nM
)

// String returns the dimension's lowercase name ("volume", …).
func (d Dimension) String() string {
	switch d {
	case Volume:
		return "volume"
	case Mass:
		return "mass"
	case Time:
		return "time"
	case Temperature:
		return "temperature"
	case Length:
		return "length"
	case Acceleration:
		return "acceleration"
	case Concentration:
		return "concentration"
	}
	return fmt.Sprintf("dimension(%d)", int(d))
}

// BaseUnit returns the symbol of the dimension's base unit ("nL", …).
func (d Dimension) BaseUnit() string {
	return [...]string{"?", "nL", "ng", "ms", "m°C", "nm", "g", "nM"}[min(max(int(d), 0), 7)]
}

// unit is one accepted unit spelling: its dimension and the power of ten
// that converts it to the base unit.
type unit struct {
	dim Dimension
	exp int
}

// units are the spellings Autoprotocol uses (ASC-001 "Units"), keyed by
// dimension first because "g" is gram for a mass and standard gravity for
// an acceleration.
var units = []struct {
	names []string
	u     unit
}{
	{[]string{"nanoliter", "nl", "nL"}, unit{Volume, 0}},
	{[]string{"microliter", "ul", "uL", "µL", "μL"}, unit{Volume, 3}},
	{[]string{"milliliter", "ml", "mL"}, unit{Volume, 6}},
	{[]string{"liter", "l", "L"}, unit{Volume, 9}},
	{[]string{"nanogram", "ng"}, unit{Mass, 0}},
	{[]string{"microgram", "ug", "µg", "μg"}, unit{Mass, 3}},
	{[]string{"milligram", "mg"}, unit{Mass, 6}},
	{[]string{"gram", "g"}, unit{Mass, 9}},
	{[]string{"millisecond", "ms"}, unit{Time, 0}},
	{[]string{"second", "s", "sec"}, unit{Time, 3}},
	{[]string{"celsius", "degC", "°C"}, unit{Temperature, 3}},
	{[]string{"nanometer", "nm"}, unit{Length, 0}},
	{[]string{"micrometer", "um", "µm", "μm"}, unit{Length, 3}},
	{[]string{"millimeter", "mm"}, unit{Length, 6}},
	{[]string{"centimeter", "cm"}, unit{Length, 7}},
	{[]string{"g", "g_force"}, unit{Acceleration, 0}},
	{[]string{"nanomolar", "nM"}, unit{Concentration, 0}},
	{[]string{"micromolar", "uM", "µM", "μM"}, unit{Concentration, 3}},
	{[]string{"millimolar", "mM"}, unit{Concentration, 6}},
	{[]string{"molar", "M"}, unit{Concentration, 9}},
}

// minutes and hours are not powers of ten of a millisecond.
// They are written as a multiplier times a power of ten (60 000 ms = 6·10^4).
var timeMultiples = map[string]unit{"minute": {Time, 4}, "min": {Time, 4}, "hour": {Time, 5}, "h": {Time, 5}, "hr": {Time, 5}}

var timeMultipliers = map[string]int64{"minute": 6, "min": 6, "hour": 36, "h": 36, "hr": 36}

func lookupUnit(name string, dim Dimension) (mult int64, exp int, found Dimension) {
	if dim == Time {
		if u, ok := timeMultiples[name]; ok {
			return timeMultipliers[name], u.exp, Time
		}
	}
	for _, e := range units {
		for _, n := range e.names {
			if n == name {
				if e.u.dim == dim {
					return 1, e.u.exp, dim
				}
				found = e.u.dim
			}
		}
	}
	if _, ok := timeMultiples[name]; ok && found == 0 {
		found = Time
	}
	return 0, 0, found
}

// MaxQuantityBytes bounds the text of one quantity.
const MaxQuantityBytes = 64

// ParseQuantity parses "VALUE:UNIT" (e.g. "10.5:microliter", "37:celsius",
// "1000:g") to an integer in the base unit of dim. VALUE is a plain decimal
// (optional sign, digits, optional fraction; no exponent). It returns an
// error when the text is malformed, the unit is unknown or of another
// dimension, the value is not a whole number of base units ("0.5:nanoliter")
// or it does not fit in an int64.
func ParseQuantity(s string, dim Dimension) (int64, error) {
	if len(s) > MaxQuantityBytes {
		return 0, fmt.Errorf("quantity longer than %d bytes", MaxQuantityBytes)
	}
	val, name, ok := strings.Cut(s, ":")
	if !ok {
		return 0, fmt.Errorf("quantity %q: want VALUE:UNIT", s)
	}
	mult, exp, found := lookupUnit(name, dim)
	if mult == 0 {
		if found != 0 {
			return 0, fmt.Errorf("quantity %q: unit %q is a %s, want a %s", s, name, found, dim)
		}
		return 0, fmt.Errorf("quantity %q: unknown %s unit %q", s, dim, name)
	}
	neg := false
	switch {
	case strings.HasPrefix(val, "-"):
		neg, val = true, val[1:]
	case strings.HasPrefix(val, "+"):
		val = val[1:]
	}
	whole, frac, _ := strings.Cut(val, ".")
	if whole == "" || !allDigits(whole) || !allDigits(frac) || (strings.Contains(val, ".") && frac == "") {
		return 0, fmt.Errorf("quantity %q: value %q is not a decimal number", s, val)
	}
	// value·mult·10^exp = (whole‖frac)·mult·10^(exp−len(frac)): scale up
	// when exp ≥ len(frac), else divide exactly.
	frac = strings.TrimRight(frac, "0")
	whole = strings.TrimLeft(whole, "0")
	digits := whole + frac
	shift := exp - len(frac)
	if shift > 0 {
		digits += strings.Repeat("0", shift)
	}
	var n int64
	for _, c := range []byte(digits) {
		d := int64(c - '0')
		if n > (math.MaxInt64-d)/10 {
			return 0, fmt.Errorf("quantity %q: out of range", s)
		}
		n = n*10 + d
	}
	if n > math.MaxInt64/mult {
		return 0, fmt.Errorf("quantity %q: out of range", s)
	}
	n *= mult
	for ; shift < 0; shift++ {
		if n%10 != 0 {
			return 0, fmt.Errorf("quantity %q: not a whole number of %s", s, dim.BaseUnit())
		}
		n /= 10
	}
	if neg {
		n = -n
	}
	return n, nil
}

func allDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Quantity is a "VALUE:UNIT" field of an instruction. Text is the document's
// spelling (kept so a filled protocol re-encodes to the same text); Value is
// Text in the base unit of the field's dimension, set by Parse.
type Quantity struct {
	Text  string
	Value int64
	// notString keeps a non-string JSON value, reported by Parse with the
	// field's path.
	notString string
}

// UnmarshalJSON takes a JSON string; Parse converts it, knowing the
// field's dimension, and reports any other JSON value with the field's path.
func (q *Quantity) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &q.Text); err != nil {
		q.notString = truncate(b)
	}
	return nil
}

// MarshalJSON writes Text.
func (q Quantity) MarshalJSON() ([]byte, error) { return json.Marshal(q.Text) }

func truncate(b []byte) string {
	if len(b) > 32 {
		return string(b[:32]) + "…"
	}
	return string(b)
}

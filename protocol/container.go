package protocol

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Capabilities a container type may have (Autoprotocol's container list
// names them; an op needs the one opCapability gives).
const (
	CapLiquidHandle = "liquid_handle"
	CapDispense     = "dispense"
	CapAbsorbance   = "absorbance"
	CapThermocycle  = "thermocycle"
	CapIncubate     = "incubate"
	CapSpin         = "spin"
	CapCover        = "cover"
	CapSeal         = "seal"
	CapGelSeparate  = "gel_separate"
)

// ContainerType is one row of the container table.
type ContainerType struct {
	// Name is the Autoprotocol shortname ("96-pcr").
	Name string
	// Wells is the number of wells; Cols the number of columns (wells are
	// numbered row-major from 0: A1=0, A2=1, …, B1=Cols).
	Wells, Cols int
	// CapacityNL is one well's volume in nL.
	CapacityNL int64
	// Capabilities lists what may be done with the container, sorted.
	Capabilities []string
	// Capped is true for tubes closed by their own cap: they count as
	// closed for spin and incubate and are opened by the liquid handler
	// for liquid ops, so cover and seal do not apply to them.
	Capped bool
}

// containerTypes is the table, from Autoprotocol's container list
// (autoprotocol-python container_type.py), sorted by name.
var containerTypes = []ContainerType{
	{Name: "96-deep", Wells: 96, Cols: 12, CapacityNL: 2_000_000,
		Capabilities: []string{CapCover, CapDispense, CapGelSeparate, CapIncubate, CapLiquidHandle, CapSeal}},
	{Name: "96-flat", Wells: 96, Cols: 12, CapacityNL: 340_000,
		Capabilities: []string{CapAbsorbance, CapCover, CapDispense, CapGelSeparate, CapIncubate, CapLiquidHandle, CapSeal, CapSpin}},
	{Name: "96-pcr", Wells: 96, Cols: 12, CapacityNL: 160_000,
		Capabilities: []string{CapDispense, CapGelSeparate, CapIncubate, CapLiquidHandle, CapSeal, CapSpin, CapThermocycle}},
	{Name: "micro-1.5", Wells: 1, Cols: 1, CapacityNL: 1_500_000, Capped: true,
		Capabilities: []string{CapGelSeparate, CapIncubate, CapLiquidHandle, CapSpin}},
	{Name: "micro-2.0", Wells: 1, Cols: 1, CapacityNL: 2_000_000, Capped: true,
		Capabilities: []string{CapGelSeparate, CapIncubate, CapLiquidHandle, CapSpin}},
}

// LookupContainerType returns the container type named name.
func LookupContainerType(name string) (ContainerType, bool) {
	i, ok := slices.BinarySearchFunc(containerTypes, name, func(c ContainerType, n string) int { return strings.Compare(c.Name, n) })
	if !ok {
		return ContainerType{}, false
	}
	return containerTypes[i], true
}

// ContainerTypes returns the names of all known container types, sorted.
func ContainerTypes() []string {
	out := make([]string, len(containerTypes))
	for i, c := range containerTypes {
		out[i] = c.Name
	}
	return out
}

// Has reports whether the container type has capability c.
func (t ContainerType) Has(c string) bool { return slices.Contains(t.Capabilities, c) }

// WellIndex resolves a well written as a 0-based index ("13") or as row
// letter and 1-based column ("B2") to its 0-based index. It returns an
// error when the well is malformed or out of range of the type.
func (t ContainerType) WellIndex(w string) (int, error) {
	if w == "" {
		return 0, fmt.Errorf("empty well")
	}
	if allDigits(w) {
		if len(w) > 6 {
			return 0, fmt.Errorf("well %q out of range of %s (%d wells)", w, t.Name, t.Wells)
		}
		i, _ := strconv.Atoi(w)
		if i >= t.Wells {
			return 0, fmt.Errorf("well %q out of range of %s (%d wells)", w, t.Name, t.Wells)
		}
		return i, nil
	}
	r := w[0]
	if r >= 'a' && r <= 'z' {
		r -= 'a' - 'A'
	}
	col := w[1:]
	if r < 'A' || r > 'Z' || col == "" || !allDigits(col) || len(col) > 3 || col[0] == '0' {
		return 0, fmt.Errorf("well %q: want an index or a row letter and column (A1)", w)
	}
	c, _ := strconv.Atoi(col)
	row := int(r - 'A')
	rows := t.Wells / t.Cols
	if row >= rows || c > t.Cols {
		return 0, fmt.Errorf("well %q out of range of %s (%d rows × %d columns)", w, t.Name, rows, t.Cols)
	}
	return row*t.Cols + c - 1, nil
}

// Aliquot is one well of a ref, written "ref/INDEX" or "ref/A1".
type Aliquot struct {
	Ref  string
	Well string
}

// ParseAliquot splits "ref/WELL" at its last "/". It does not resolve the
// well: that needs the ref's container type (ContainerType.WellIndex).
func ParseAliquot(s string) (Aliquot, error) {
	i := strings.LastIndexByte(s, '/')
	if i <= 0 || i == len(s)-1 {
		return Aliquot{}, fmt.Errorf("aliquot %q: want ref/INDEX or ref/A1", s)
	}
	return Aliquot{Ref: s[:i], Well: s[i+1:]}, nil
}

// String returns "ref/well".
func (a Aliquot) String() string { return a.Ref + "/" + a.Well }

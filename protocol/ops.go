package protocol

import "fmt"

// The argument types of the ops of version 1. Field names and JSON keys are
// Autoprotocol's (ASC-002…); aliquot fields hold "ref/INDEX" or "ref/A1",
// object fields a ref name, and Quantity fields are converted by Parse to
// the base unit of the dimension given in their comment.

// Provision puts a stocked resource into wells.
type Provision struct {
	ResourceID string        `json:"resource_id"`
	To         []ProvisionTo `json:"to"`
}

// ProvisionTo is one destination of a provision.
type ProvisionTo struct {
	Well   string   `json:"well"`   // aliquot
	Volume Quantity `json:"volume"` // volume, > 0
}

func (o *Provision) check(w *walker, p string) {
	w.required(p+".resource_id", o.ResourceID)
	w.nonEmpty(p+".to", len(o.To))
	for i := range o.To {
		q := fmt.Sprintf("%s.to[%d]", p, i)
		w.required(q+".well", o.To[i].Well)
		w.quantity(q+".volume", &o.To[i].Volume, Volume, false)
	}
}

// Dispense fills whole columns of a plate with a resource.
type Dispense struct {
	Object     string           `json:"object"`
	ResourceID string           `json:"resource_id"`
	Columns    []DispenseColumn `json:"columns"`
}

// DispenseColumn is one column (0-based) and the volume put in each of its wells.
type DispenseColumn struct {
	Column int      `json:"column"`
	Volume Quantity `json:"volume"` // volume, > 0
}

func (o *Dispense) check(w *walker, p string) {
	w.required(p+".object", o.Object)
	w.required(p+".resource_id", o.ResourceID)
	w.nonEmpty(p+".columns", len(o.Columns))
	for i := range o.Columns {
		w.quantity(fmt.Sprintf("%s.columns[%d].volume", p, i), &o.Columns[i].Volume, Volume, false)
	}
}

// LiquidHandle moves liquid: a negative transport volume aspirates from
// its location, a positive one dispenses into it; the whole list balances.
type LiquidHandle struct {
	Locations []Location `json:"locations"`
	Mode      string     `json:"mode,omitempty"`
}

// Location is one well and the transports at it.
type Location struct {
	Location   string      `json:"location"` // aliquot
	Transports []Transport `json:"transports"`
}

// Transport is one aspirate (negative) or dispense (positive).
type Transport struct {
	Volume Quantity `json:"volume"` // volume, signed, not zero
}

func (o *LiquidHandle) check(w *walker, p string) {
	w.nonEmpty(p+".locations", len(o.Locations))
	for i := range o.Locations {
		l := &o.Locations[i]
		q := fmt.Sprintf("%s.locations[%d]", p, i)
		w.required(q+".location", l.Location)
		w.nonEmpty(q+".transports", len(l.Transports))
		for j := range l.Transports {
			tp := fmt.Sprintf("%s.transports[%d].volume", q, j)
			w.quantity(tp, &l.Transports[j].Volume, Volume, true)
			if w.err == nil && l.Transports[j].Volume.Value == 0 {
				w.fail(tp, "must not be zero")
			}
		}
	}
	switch o.Mode {
	case "", "air_displacement", "positive_displacement":
	default:
		w.fail(p+".mode", "unknown mode %q (air_displacement, positive_displacement)", o.Mode)
	}
}

// Oligosynthesize synthesizes DNA oligos into wells.
type Oligosynthesize struct {
	Oligos []Oligo `json:"oligos"`
}

// Oligo is one oligo: its destination well, sequence (5'→3', ACGT), scale
// and purification.
type Oligo struct {
	Destination  string `json:"destination"` // aliquot
	Sequence     string `json:"sequence"`
	Scale        string `json:"scale"`        // 25nm | 100nm | 250nm | 1um
	Purification string `json:"purification"` // standard | page | hplc
}

// MaxOligoLength bounds an oligo's sequence, in nucleotides.
const MaxOligoLength = 200

func (o *Oligosynthesize) check(w *walker, p string) {
	w.nonEmpty(p+".oligos", len(o.Oligos))
	for i, ol := range o.Oligos {
		q := fmt.Sprintf("%s.oligos[%d]", p, i)
		w.required(q+".destination", ol.Destination)
		w.required(q+".sequence", ol.Sequence)
		if len(ol.Sequence) > MaxOligoLength {
			w.fail(q+".sequence", "%d nt, over the limit of %d", len(ol.Sequence), MaxOligoLength)
		}
		for k, c := range []byte(ol.Sequence) {
			if c != 'A' && c != 'C' && c != 'G' && c != 'T' {
				w.fail(q+".sequence", "base %d is %q, want A, C, G or T", k, c)
				break
			}
		}
		w.oneOf(q+".scale", ol.Scale, "25nm", "100nm", "250nm", "1um")
		w.oneOf(q+".purification", ol.Purification, "standard", "page", "hplc")
	}
}

// Seal seals a plate.
type Seal struct {
	Object string `json:"object"`
	Type   string `json:"type"` // ultra-clear | foil | breathable
}

func (o *Seal) check(w *walker, p string) {
	w.required(p+".object", o.Object)
	w.oneOf(p+".type", o.Type, sealTypes...)
}

// Unseal removes a plate's seal.
type Unseal struct {
	Object string `json:"object"`
}

func (o *Unseal) check(w *walker, p string) { w.required(p+".object", o.Object) }

// Cover puts a lid on a plate.
type Cover struct {
	Object string `json:"object"`
	Lid    string `json:"lid"` // standard | universal | low_evaporation
}

func (o *Cover) check(w *walker, p string) {
	w.required(p+".object", o.Object)
	w.oneOf(p+".lid", o.Lid, lidTypes...)
}

// Uncover removes a plate's lid.
type Uncover struct {
	Object string `json:"object"`
}

func (o *Uncover) check(w *walker, p string) { w.required(p+".object", o.Object) }

// Incubate holds a container at a storage condition for a duration.
type Incubate struct {
	Object     string   `json:"object"`
	Where      string   `json:"where"`    // a storage condition
	Duration   Quantity `json:"duration"` // time, > 0
	Shaking    bool     `json:"shaking"`
	CO2Percent *int     `json:"co2_percent,omitempty"` // whole percent, 0–100
}

func (o *Incubate) check(w *walker, p string) {
	w.required(p+".object", o.Object)
	w.oneOf(p+".where", o.Where, storageConditions...)
	w.quantity(p+".duration", &o.Duration, Time, false)
	if o.CO2Percent != nil && (*o.CO2Percent < 0 || *o.CO2Percent > 100) {
		w.fail(p+".co2_percent", "%d, want 0–100", *o.CO2Percent)
	}
}

// Thermocycle runs groups of temperature steps on a plate.
type Thermocycle struct {
	Object string             `json:"object"`
	Groups []ThermocycleGroup `json:"groups"`
	Volume Quantity           `json:"volume"` // volume per well, > 0
}

// ThermocycleGroup is a list of steps repeated Cycles times.
type ThermocycleGroup struct {
	Cycles int               `json:"cycles"`
	Steps  []ThermocycleStep `json:"steps"`
}

// ThermocycleStep holds a temperature for a duration.
type ThermocycleStep struct {
	Temperature Quantity `json:"temperature"` // temperature, 0–100 °C
	Duration    Quantity `json:"duration"`    // time, > 0
}

// MaxCycles bounds the cycles of one thermocycle group.
const MaxCycles = 100

func (o *Thermocycle) check(w *walker, p string) {
	w.required(p+".object", o.Object)
	w.nonEmpty(p+".groups", len(o.Groups))
	for i := range o.Groups {
		g := &o.Groups[i]
		q := fmt.Sprintf("%s.groups[%d]", p, i)
		if g.Cycles < 1 || g.Cycles > MaxCycles {
			w.fail(q+".cycles", "%d, want 1–%d", g.Cycles, MaxCycles)
		}
		w.nonEmpty(q+".steps", len(g.Steps))
		for j := range g.Steps {
			s := fmt.Sprintf("%s.steps[%d]", q, j)
			w.quantity(s+".temperature", &g.Steps[j].Temperature, Temperature, false)
			if w.err == nil && (g.Steps[j].Temperature.Value < 0 || g.Steps[j].Temperature.Value > 100_000) {
				w.fail(s+".temperature", "%s, want 0–100 °C", g.Steps[j].Temperature.Text)
			}
			w.quantity(s+".duration", &g.Steps[j].Duration, Time, false)
		}
	}
	w.quantity(p+".volume", &o.Volume, Volume, false)
}

// Spin centrifuges a container.
type Spin struct {
	Object       string   `json:"object"`
	Acceleration Quantity `json:"acceleration"` // acceleration, > 0
	Duration     Quantity `json:"duration"`     // time, > 0
}

func (o *Spin) check(w *walker, p string) {
	w.required(p+".object", o.Object)
	w.quantity(p+".acceleration", &o.Acceleration, Acceleration, false)
	w.quantity(p+".duration", &o.Duration, Time, false)
}

// Spectrophotometry reads a plate; version 1 has the absorbance mode only.
type Spectrophotometry struct {
	Object  string                   `json:"object"`
	Dataref string                   `json:"dataref"`
	Groups  []SpectrophotometryGroup `json:"groups"`
}

// SpectrophotometryGroup is one read.
type SpectrophotometryGroup struct {
	Mode       string          `json:"mode"` // absorbance
	ModeParams AbsorbanceParam `json:"mode_params"`
}

// AbsorbanceParam are the parameters of an absorbance read.
type AbsorbanceParam struct {
	Wells      []string   `json:"wells"`      // aliquots of Object
	Wavelength []Quantity `json:"wavelength"` // length, > 0
	NumFlashes int        `json:"num_flashes"`
}

func (o *Spectrophotometry) check(w *walker, p string) {
	w.required(p+".object", o.Object)
	w.required(p+".dataref", o.Dataref)
	w.nonEmpty(p+".groups", len(o.Groups))
	for i := range o.Groups {
		g := &o.Groups[i]
		q := fmt.Sprintf("%s.groups[%d]", p, i)
		w.oneOf(q+".mode", g.Mode, "absorbance")
		w.nonEmpty(q+".mode_params.wells", len(g.ModeParams.Wells))
		w.nonEmpty(q+".mode_params.wavelength", len(g.ModeParams.Wavelength))
		for j := range g.ModeParams.Wavelength {
			w.quantity(fmt.Sprintf("%s.mode_params.wavelength[%d]", q, j), &g.ModeParams.Wavelength[j], Length, false)
		}
		if g.ModeParams.NumFlashes < 1 || g.ModeParams.NumFlashes > 100 {
			w.fail(q+".mode_params.num_flashes", "%d, want 1–100", g.ModeParams.NumFlashes)
		}
	}
}

// GelSeparate runs samples of wells on a gel next to a ladder.
type GelSeparate struct {
	Objects  []string `json:"objects"` // aliquots, one lane each
	Volume   Quantity `json:"volume"`  // volume taken from each, > 0
	Matrix   string   `json:"matrix"`  // e.g. "agarose(10,0.8%)"
	Ladder   string   `json:"ladder"`  // a resource id
	Duration Quantity `json:"duration"`
	Dataref  string   `json:"dataref"`
}

func (o *GelSeparate) check(w *walker, p string) {
	w.nonEmpty(p+".objects", len(o.Objects))
	w.quantity(p+".volume", &o.Volume, Volume, false)
	w.required(p+".matrix", o.Matrix)
	w.required(p+".ladder", o.Ladder)
	w.quantity(p+".duration", &o.Duration, Time, false)
	w.required(p+".dataref", o.Dataref)
}

var (
	sealTypes = []string{"ultra-clear", "foil", "breathable"}
	lidTypes  = []string{"standard", "universal", "low_evaporation"}
)

func (w *walker) oneOf(path, v string, allowed ...string) {
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	if v == "" {
		w.fail(path, "required, one of %v", allowed)
		return
	}
	w.fail(path, "%q, want one of %v", v, allowed)
}

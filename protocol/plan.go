package protocol

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Param is one parameter of a warp: Key is a lowercase name, Value its
// canonical text (integers in base units as decimal, names as given, lists
// comma-joined). Neither holds a line break or Key an '=', so a warp's
// parameters can be written as "key=value" lines (runtime/botlog).
type Param struct{ Key, Value string }

// PlannedWarp is one device command an instruction expands into
// (fabrication.md, "Execution and the event log").
type PlannedWarp struct {
	// Instruction is the index of the instruction in the protocol.
	Instruction int
	// Op is the instruction's op ("incubate").
	Op string
	// Warp is the device command: device kind + "." + verb ("incubator.hold").
	Warp string
	// Device is the id of the BotSpec device that runs it: the first
	// device, in BotSpec order, whose kind owns the warp and whose ops
	// include Op.
	Device string
	// Params are the warp's parameters, sorted by Key, without duplicates.
	Params []Param
	// Duration is the time the warp takes, in ms: the device's nominal_ms,
	// or the protocol's own duration when Fixed.
	Duration int64
	// Fixed is true when Duration is the protocol's (incubator.hold,
	// thermocycler.run, centrifuge.spin, gel_imager.run): the conformance
	// check accepts it within 1 %. When false the check accepts the
	// BotSpec timing's [min_ms, max_ms].
	Fixed bool
	// Dataref is the op's dataref for a warp that produces a dataset, else "".
	Dataref string
	// Dataset is the file name of that dataset ("gel.png", "gel.json",
	// "od600.json"), else "".
	Dataset string
}

// Param returns the value of the parameter key and whether it is set.
func (w PlannedWarp) Param(key string) (string, bool) {
	for _, p := range w.Params {
		if p.Key == key {
			return p.Value, true
		}
	}
	return "", false
}

// MaxPlanWarps bounds the warps of one plan: a protocol expanding into
// more is refused by Plan (a run log of more events would be unwieldy).
const MaxPlanWarps = 1_000_000

// MaxFixedMillis bounds the protocol-given duration of one warp, in ms
// (100 days): durations are summed into a makespan, which must not
// overflow.
const MaxFixedMillis = 100 * 24 * 3_600_000

// ErrPlan is matched (errors.Is) by the errors of Plan that are about the
// protocol rather than the BotSpec: a parameter value Plan cannot write
// (a line break), too many warps, a fixed duration over MaxFixedMillis.
var ErrPlan = fmt.Errorf("%w: cannot plan", ErrInvalid)

// Plan expands the instructions of a parsed and validated protocol p into
// the warps a bot described by the validated BotSpec s runs, in order
// (see PlannedWarp). The expansion of each op:
//
//   - provision → liquid_handler.provision per "to" entry (resource, well, volume_nl)
//   - dispense → dispenser.dispense per column (object, resource, column, volume_nl)
//   - liquid_handle → liquid_handler.aspirate (negative volume) or
//     liquid_handler.dispense (positive) per transport (location, volume_nl
//     as an absolute value, mode when given)
//   - oligosynthesize → oligo_synthesizer.synthesize per oligo
//     (destination, sequence, scale, purification)
//   - seal, unseal, cover, uncover → sealer.seal, sealer.unseal,
//     sealer.cover, sealer.uncover (object, and type or lid)
//   - incubate → incubator.load, incubator.hold (Fixed: the duration;
//     where, duration_ms, shaking, co2_percent when given), incubator.unload
//   - thermocycle → thermocycler.load, thermocycler.run (Fixed: the sum
//     over groups of cycles × the sum of step durations; program,
//     volume_nl), thermocycler.unload; the program text is the groups
//     joined by "+", each "CYCLESx(TEMP_MC@DURATION_MS/…)"
//   - spin → centrifuge.load, centrifuge.spin (Fixed; acceleration_g,
//     duration_ms), centrifuge.unload
//   - spectrophotometry → plate_reader.read_absorbance per group (wells,
//     wavelengths_nm, num_flashes; Dataset DATAREF.json)
//   - gel_separate → gel_imager.load (objects, volume_nl, ladder, matrix),
//     gel_imager.run (Fixed: the duration), gel_imager.image (Dataset
//     DATAREF.png), gel_imager.analyze (Dataset DATAREF.json)
//
// Load and unload warps name the object. A warp with no device, or a
// non-Fixed warp whose device has no timing for it, is an *UnmetError
// (matching ErrNotCovered) naming "warp KIND.VERB"; a protocol Plan cannot
// expand is an error matching ErrPlan.
func Plan(p *Protocol, s *BotSpec) ([]PlannedWarp, error) {
	pl := &planner{s: s}
	for i, in := range p.Instructions {
		pl.instruction(i, in)
		if pl.err != nil {
			return nil, pl.err
		}
	}
	return pl.out, nil
}

// Makespan returns the time the warps take run one after another, in ms:
// the sum of their durations.
func Makespan(ws []PlannedWarp) int64 {
	var t int64
	for _, w := range ws {
		t += w.Duration
	}
	return t
}

type planner struct {
	s   *BotSpec
	out []PlannedWarp
	err error
}

// kv builds params from key, value pairs; it sorts them by key.
func kv(pairs ...string) []Param {
	ps := make([]Param, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		ps = append(ps, Param{Key: pairs[i], Value: pairs[i+1]})
	}
	slices.SortFunc(ps, func(a, b Param) int { return strings.Compare(a.Key, b.Key) })
	return ps
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// add appends one warp; fixed < 0 means the BotSpec timing applies,
// otherwise fixed is the protocol's duration.
func (pl *planner) add(i int, op, warp string, params []Param, fixed int64, dataref, dataset string) {
	if pl.err != nil {
		return
	}
	if len(pl.out) == MaxPlanWarps {
		pl.err = fmt.Errorf("%w: instructions[%d]: the protocol expands into over %d warps", ErrPlan, i, MaxPlanWarps)
		return
	}
	for _, p := range params {
		if strings.ContainsAny(p.Value, "\r\n") {
			pl.err = fmt.Errorf("%w: instructions[%d] (%s): parameter %s holds a line break", ErrPlan, i, warp, p.Key)
			return
		}
	}
	kind, _, _ := strings.Cut(warp, ".")
	var dev *Device
	for d := range pl.s.Devices {
		if pl.s.Devices[d].Kind == kind && slices.Contains(pl.s.Devices[d].Ops, op) {
			dev = &pl.s.Devices[d]
			break
		}
	}
	if dev == nil {
		pl.err = unmet("warp "+warp, "instruction %d (%s): no %s device of the bot runs %s", i, op, kind, op)
		return
	}
	w := PlannedWarp{Instruction: i, Op: op, Warp: warp, Device: dev.ID, Params: params, Dataref: dataref, Dataset: dataset}
	if fixed >= 0 {
		if fixed > MaxFixedMillis {
			pl.err = fmt.Errorf("%w: instructions[%d] (%s): %d ms, over the limit of %d ms", ErrPlan, i, warp, fixed, int64(MaxFixedMillis))
			return
		}
		w.Duration, w.Fixed = fixed, true
	} else {
		t, ok := dev.Timings.Lookup(warp)
		if !ok {
			pl.err = unmet("warp "+warp, "instruction %d (%s): device %s has no timing for it", i, op, dev.ID)
			return
		}
		w.Duration = t.NominalMS
	}
	pl.out = append(pl.out, w)
}

func (pl *planner) instruction(i int, in Instruction) {
	op := in.Op
	const timed = -1
	switch a := in.Args.(type) {
	case *Provision:
		for _, to := range a.To {
			pl.add(i, op, "liquid_handler.provision", kv("resource", a.ResourceID, "well", to.Well, "volume_nl", itoa(to.Volume.Value)), timed, "", "")
		}
	case *Dispense:
		for _, c := range a.Columns {
			pl.add(i, op, "dispenser.dispense", kv("object", a.Object, "resource", a.ResourceID, "column", strconv.Itoa(c.Column), "volume_nl", itoa(c.Volume.Value)), timed, "", "")
		}
	case *LiquidHandle:
		for _, l := range a.Locations {
			for _, t := range l.Transports {
				warp, v := "liquid_handler.dispense", t.Volume.Value
				if v < 0 {
					warp, v = "liquid_handler.aspirate", -v
				}
				ps := []string{"location", l.Location, "volume_nl", itoa(v)}
				if a.Mode != "" {
					ps = append(ps, "mode", a.Mode)
				}
				pl.add(i, op, warp, kv(ps...), timed, "", "")
			}
		}
	case *Oligosynthesize:
		for _, o := range a.Oligos {
			pl.add(i, op, "oligo_synthesizer.synthesize", kv("destination", o.Destination, "sequence", o.Sequence, "scale", o.Scale, "purification", o.Purification), timed, "", "")
		}
	case *Seal:
		pl.add(i, op, "sealer.seal", kv("object", a.Object, "type", a.Type), timed, "", "")
	case *Unseal:
		pl.add(i, op, "sealer.unseal", kv("object", a.Object), timed, "", "")
	case *Cover:
		pl.add(i, op, "sealer.cover", kv("object", a.Object, "lid", a.Lid), timed, "", "")
	case *Uncover:
		pl.add(i, op, "sealer.uncover", kv("object", a.Object), timed, "", "")
	case *Incubate:
		ps := []string{"object", a.Object, "where", a.Where, "duration_ms", itoa(a.Duration.Value), "shaking", strconv.FormatBool(a.Shaking)}
		if a.CO2Percent != nil {
			ps = append(ps, "co2_percent", strconv.Itoa(*a.CO2Percent))
		}
		pl.add(i, op, "incubator.load", kv("object", a.Object), timed, "", "")
		pl.add(i, op, "incubator.hold", kv(ps...), a.Duration.Value, "", "")
		pl.add(i, op, "incubator.unload", kv("object", a.Object), timed, "", "")
	case *Thermocycle:
		prog, total := thermocycleProgram(a.Groups)
		pl.add(i, op, "thermocycler.load", kv("object", a.Object), timed, "", "")
		pl.add(i, op, "thermocycler.run", kv("object", a.Object, "program", prog, "volume_nl", itoa(a.Volume.Value)), total, "", "")
		pl.add(i, op, "thermocycler.unload", kv("object", a.Object), timed, "", "")
	case *Spin:
		pl.add(i, op, "centrifuge.load", kv("object", a.Object), timed, "", "")
		pl.add(i, op, "centrifuge.spin", kv("object", a.Object, "acceleration_g", itoa(a.Acceleration.Value), "duration_ms", itoa(a.Duration.Value)), a.Duration.Value, "", "")
		pl.add(i, op, "centrifuge.unload", kv("object", a.Object), timed, "", "")
	case *Spectrophotometry:
		for _, g := range a.Groups {
			wl := make([]string, len(g.ModeParams.Wavelength))
			for k, q := range g.ModeParams.Wavelength {
				wl[k] = itoa(q.Value)
			}
			pl.add(i, op, "plate_reader.read_absorbance", kv("object", a.Object, "mode", g.Mode, "wells", strings.Join(g.ModeParams.Wells, ","),
				"wavelengths_nm", strings.Join(wl, ","), "num_flashes", strconv.Itoa(g.ModeParams.NumFlashes)), timed, a.Dataref, a.Dataref+".json")
		}
	case *GelSeparate:
		objs := strings.Join(a.Objects, ",")
		pl.add(i, op, "gel_imager.load", kv("objects", objs, "volume_nl", itoa(a.Volume.Value), "ladder", a.Ladder, "matrix", a.Matrix), timed, "", "")
		pl.add(i, op, "gel_imager.run", kv("matrix", a.Matrix, "duration_ms", itoa(a.Duration.Value)), a.Duration.Value, "", "")
		pl.add(i, op, "gel_imager.image", kv("dataref", a.Dataref), timed, a.Dataref, a.Dataref+".png")
		pl.add(i, op, "gel_imager.analyze", kv("dataref", a.Dataref), timed, a.Dataref, a.Dataref+".json")
	default:
		pl.err = fmt.Errorf("%w: instructions[%d]: op %q has no expansion into warps", ErrPlan, i, op)
	}
}

// thermocycleProgram returns the program text of groups and its total
// duration in ms (math.MaxInt64 on overflow, which add then refuses).
func thermocycleProgram(groups []ThermocycleGroup) (string, int64) {
	var b strings.Builder
	var total int64
	for gi, g := range groups {
		if gi > 0 {
			b.WriteByte('+')
		}
		b.WriteString(strconv.Itoa(g.Cycles))
		b.WriteString("x(")
		var cycle int64
		for si, st := range g.Steps {
			if si > 0 {
				b.WriteByte('/')
			}
			b.WriteString(itoa(st.Temperature.Value))
			b.WriteByte('@')
			b.WriteString(itoa(st.Duration.Value))
			cycle = satAdd(cycle, st.Duration.Value)
		}
		b.WriteByte(')')
		total = satAdd(total, satMul(cycle, int64(g.Cycles)))
	}
	return b.String(), total
}

func satAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

func satMul(a, b int64) int64 {
	if b != 0 && a > math.MaxInt64/b {
		return math.MaxInt64
	}
	return a * b
}

// ContainerCount is a number of new containers of one type.
type ContainerCount struct {
	Type  string
	Count int
}

// Consumables returns the new containers a run of p uses (refs with
// "new"), counted by container type, sorted by type.
func Consumables(p *Protocol) []ContainerCount {
	var out []ContainerCount
	for _, r := range p.Refs {
		if r.New == "" {
			continue
		}
		i, ok := slices.BinarySearchFunc(out, r.New, func(c ContainerCount, t string) int { return strings.Compare(c.Type, t) })
		if ok {
			out[i].Count++
			continue
		}
		out = slices.Insert(out, i, ContainerCount{Type: r.New, Count: 1})
	}
	return out
}

// Reagent is the amount of one inventory resource a run of a protocol
// takes: VolumeNL provisioned and dispensed (dispense: the column volume
// times the wells of a column), in nL, and Uses, the number of gels run
// with it as their ladder.
type Reagent struct {
	ResourceID string
	VolumeNL   int64
	Uses       int
}

// Reagents returns what a run of the parsed and validated protocol p takes
// of each resource, sorted by resource id. Volumes saturate at
// math.MaxInt64 rather than overflow.
func Reagents(p *Protocol) []Reagent {
	var out []Reagent
	at := func(id string) *Reagent {
		i, ok := slices.BinarySearchFunc(out, id, func(r Reagent, id string) int { return strings.Compare(r.ResourceID, id) })
		if !ok {
			out = slices.Insert(out, i, Reagent{ResourceID: id})
		}
		return &out[i]
	}
	for _, in := range p.Instructions {
		switch a := in.Args.(type) {
		case *Provision:
			r := at(a.ResourceID)
			for _, to := range a.To {
				r.VolumeNL = satAdd(r.VolumeNL, to.Volume.Value)
			}
		case *Dispense:
			rows := int64(1)
			if ref, ok := p.Refs.Lookup(a.Object); ok {
				if t, ok := LookupContainerType(ref.ContainerType()); ok && t.Cols > 0 {
					rows = int64(t.Wells / t.Cols)
				}
			}
			r := at(a.ResourceID)
			for _, c := range a.Columns {
				r.VolumeNL = satAdd(r.VolumeNL, satMul(c.Volume.Value, rows))
			}
		case *GelSeparate:
			at(a.Ladder).Uses++
		}
	}
	return out
}

// PriceLine is the estimated price of one reagent of a run.
type PriceLine struct {
	Reagent
	// UnitPriceUcell is the inventory item's unit_price_ucell: the price
	// of 1 µL (1000 nL) provisioned, or of one use, in ucell.
	UnitPriceUcell int64
	// PriceUcell is UnitPriceUcell × (VolumeNL in µL, rounded up, plus
	// Uses), in ucell.
	PriceUcell int64
}

// PriceEstimate is the estimated price of the reagents of a run.
type PriceEstimate struct {
	// Lines are per reagent, sorted by resource id.
	Lines []PriceLine
	// TotalUcell is the sum of the lines' prices, in ucell.
	TotalUcell int64
}

// EstimatePrice prices the Reagents of p at the BotSpec's inventory
// prices: each started µL provisioned or dispensed, and each use (a gel
// ladder), costs the item's unit_price_ucell. Containers, device time and
// the operator's margin are not priced: the estimate is a floor for a
// bid, not a bid. A resource missing from the inventory is an *UnmetError
// (matching ErrNotCovered); a price overflowing int64 is an error.
func EstimatePrice(p *Protocol, s *BotSpec) (PriceEstimate, error) {
	var est PriceEstimate
	for _, r := range Reagents(p) {
		k := slices.IndexFunc(s.Inventory, func(it InventoryItem) bool { return it.ResourceID == r.ResourceID })
		if k < 0 {
			return PriceEstimate{}, unmet("resource "+r.ResourceID, "not in the bot's inventory")
		}
		unit := s.Inventory[k].UnitPriceUcell
		units := satAdd(r.VolumeNL/1000, int64(r.Uses))
		if r.VolumeNL%1000 != 0 {
			units = satAdd(units, 1)
		}
		price := satMul(unit, units)
		total := satAdd(est.TotalUcell, price)
		if price == math.MaxInt64 || total == math.MaxInt64 {
			return PriceEstimate{}, fmt.Errorf("price of %s overflows int64 ucell", r.ResourceID)
		}
		est.Lines = append(est.Lines, PriceLine{Reagent: r, UnitPriceUcell: unit, PriceUcell: price})
		est.TotalUcell = total
	}
	return est, nil
}

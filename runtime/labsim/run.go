package labsim

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/celltonomy/celltonomy/protocol"
	"github.com/celltonomy/celltonomy/runtime/botlog"
)

// Faults a simulated bot can be told to commit, for tests of the
// conformance check and of disputes.
const (
	// FaultSkipStep skips one warp: the bot neither runs nor logs it. The
	// warp is chosen from the seed among the incubator holds, thermocycler
	// runs and centrifuge spins, whose absence breaks no later warp; when
	// there is none, the last warp is skipped.
	FaultSkipStep = "skip-step"
)

// Limits on what one run writes: a protocol comes with an order, so its
// datasets are bounded like any untrusted input.
const (
	// MaxDatasetBytes bounds the datasets of one run, in bytes, all
	// together.
	MaxDatasetBytes = 64 << 20
	// MaxGelLanes bounds the lanes of one gel, the ladder aside.
	MaxGelLanes = 96
	// MaxReadsPerDataref bounds the absorbance reads written to one
	// dataset (a read every 5 min for 24 h).
	MaxReadsPerDataref = 288
	// MaxScanBytes bounds the sequence the digest and PCR models scan in
	// one run, in bytes: a budget, like the fuel of a compute run, that
	// every node counts the same, so a protocol that would keep a node
	// busy for long fails the same way everywhere. A λ digest scans
	// 48,502 bytes per well.
	MaxScanBytes = 1 << 31
)

// Shipment timing and names of the simulated lab.
const (
	// PackMS is the time packing takes after the last warp, ms.
	PackMS = 5 * 60_000
	// HandoverMS is the time from packing to the carrier's pick-up, ms.
	HandoverMS = 15 * 60_000
	// Carrier is the carrier the simulated lab hands shipments to.
	Carrier = "labsim-courier"
)

// Material is a DNA stock of the bot's inventory whose sequence the
// simulator knows.
type Material struct {
	// ResourceID is its inventory resource id ("lambda-dna").
	ResourceID string
	// Sequence is its top strand, canonical IUPAC codes (as
	// restriction.ReadFASTA returns them); it is not modified.
	Sequence []byte
	// NgPerUL is its concentration, ng/µL; 0 means DefaultNgPerUL.
	NgPerUL int64
}

// DefaultNgPerUL is the concentration of a Material that gives none, ng/µL.
const DefaultNgPerUL = 500

// Input is what Run needs: a filled and validated protocol, the BotSpec of
// the simulated bot, the seed and the stock.
type Input struct {
	// Protocol is the filled, parsed and validated protocol;
	// ProtocolHash is the SHA-256 of its filled bytes, recorded in the log.
	Protocol     *protocol.Protocol
	ProtocolHash [32]byte
	// BotSpec describes the simulated bot (validated).
	BotSpec *protocol.BotSpec
	// Seed is the run's seed, SeedFor(order id, package id, BotSpec id).
	Seed [32]byte
	// Stock are the sequences of the DNA resources of the inventory
	// (SimlabStock for the simulated lab).
	Stock []Material
	// Label is the label id recorded in ship.pack; "" derives one from
	// the seed.
	Label string
	// Fault is "" or FaultSkipStep.
	Fault string
}

// Dataset is one output file of a run.
type Dataset struct {
	Name string
	Data []byte
}

// Result is what Run returns: the run as its log records it, the
// datasets (sorted by Name, each named by a warp of the log) and the same
// data as values.
type Result struct {
	// Run is the log's content; botlog's Run.Steps gives its events.
	Run *botlog.Run
	// Datasets are the files, sorted by Name.
	Datasets []Dataset
	// Gels are the gels run, one per gel_separate, in order (the
	// contents of their DATAREF.json).
	Gels []Gel
	// Absorbance are the plate-reader datasets, one per dataref, in order
	// of their first read (the contents of DATAREF.json).
	Absorbance []Absorbance
	// Notes say, per instruction, what a model decided that the log does
	// not show: "no PCR product: …", "digest with EcoRI", "no digest: …".
	Notes []Note
}

// Note is a remark of a model on one instruction.
type Note struct {
	Instruction int
	Text        string
}

// Absorbance is the dataset of the absorbance reads of one dataref.
type Absorbance struct {
	Dataref string           `json:"dataref"`
	Reads   []AbsorbanceRead `json:"reads"`
}

// AbsorbanceRead is one read of a plate: the OD of each well at each
// wavelength, ×1000 (mOD), as integers.
type AbsorbanceRead struct {
	// Instruction is the index of the spectrophotometry instruction.
	Instruction int `json:"instruction"`
	// TimeMS is the bot clock at the end of the read, ms.
	TimeMS int64 `json:"time_ms"`
	// WavelengthsNM are the wavelengths read, nm.
	WavelengthsNM []int64 `json:"wavelengths_nm"`
	// Wells are the aliquots read, as the protocol names them.
	Wells []string `json:"wells"`
	// MOD holds, per well, the OD per wavelength in mOD.
	MOD [][]int64 `json:"od_milli"`
}

// ErrRefused is matched (errors.Is) by every *StepError: the simulated bot
// refuses an instruction that its state forbids.
var ErrRefused = errors.New("the simulated bot refuses the instruction")

// StepError is an instruction the simulated bot cannot carry out in the
// state it is in (a liquid op on a sealed plate, an overfilled well, a
// resource it does not stock, …).
type StepError struct {
	Instruction int
	Op          string
	Err         error
}

// Error returns "instruction I (OP): problem".
func (e *StepError) Error() string {
	return fmt.Sprintf("instruction %d (%s): %v", e.Instruction, e.Op, e.Err)
}

// Unwrap returns Err.
func (e *StepError) Unwrap() error { return e.Err }

// Is makes every StepError match ErrRefused.
func (e *StepError) Is(target error) bool { return target == ErrRefused }

// SeedFor returns the seed of an order's run:
// SHA-256(u64be(orderID) ‖ pkg ‖ spec) (fabrication.md, "The simulator").
func SeedFor(orderID uint64, pkg [32]byte, spec protocol.BotSpecID) [32]byte {
	var b [8 + 32 + 32]byte
	binary.BigEndian.PutUint64(b[:8], orderID)
	copy(b[8:], pkg[:])
	copy(b[40:], spec[:])
	return sha256.Sum256(b[:])
}

// Run executes in.Protocol on the simulated bot in.BotSpec: it plans the
// warps (protocol.Plan), runs them one after another on a virtual clock
// from 0 ms, each taking its planned Duration, over a state of
// containers, wells, volumes, contents, covers and seals, applies the
// models, and records every warp, the datasets and, when a ref is stored,
// the shipment. It returns an error matching protocol.ErrNotCovered or
// protocol.ErrPlan when the protocol cannot be planned on the BotSpec, a
// *StepError (ErrRefused) naming the instruction when the state forbids
// it, and a plain error for a missing protocol or BotSpec or an unknown
// Fault. Run is deterministic: the same Input gives the same Result,
// byte for byte.
func Run(in Input) (*Result, error) {
	if in.Protocol == nil || in.BotSpec == nil {
		return nil, errors.New("labsim: Run needs a protocol and a BotSpec")
	}
	if in.Fault != "" && in.Fault != FaultSkipStep {
		return nil, fmt.Errorf("labsim: unknown fault %q (known: %s)", in.Fault, FaultSkipStep)
	}
	plan, err := protocol.Plan(in.Protocol, in.BotSpec)
	if err != nil {
		return nil, err
	}
	specID, err := in.BotSpec.ID()
	if err != nil {
		return nil, err
	}
	b, err := newBot(in)
	if err != nil {
		return nil, err
	}
	skip := -1
	if in.Fault == FaultSkipStep && len(plan) > 0 {
		skip = skipIndex(in.Seed, plan)
	}
	run := &botlog.Run{Start: botlog.Start{
		BotSpec:      specID,
		Protocol:     in.ProtocolHash,
		Seed:         in.Seed,
		Instructions: len(in.Protocol.Instructions),
		Warps:        len(plan),
		Simulated:    in.BotSpec.Simulated,
	}}
	var clock int64
	sub := 0 // index of the warp within its instruction
	for i, pw := range plan {
		if i > 0 && plan[i-1].Instruction != pw.Instruction {
			sub = 0
		}
		if i == skip {
			sub++
			continue
		}
		b.clock = clock + pw.Duration
		b.hash = [32]byte{}
		if err := b.warp(pw, sub); err != nil {
			return nil, &StepError{Instruction: pw.Instruction, Op: pw.Op, Err: err}
		}
		run.Warps = append(run.Warps, botlog.Warp{
			Instruction: pw.Instruction, Op: pw.Op, Warp: pw.Warp, Device: pw.Device,
			Params: slices.Clone(pw.Params), Start: clock, End: clock + pw.Duration,
			Outcome: botlog.OutcomeOK, Dataref: pw.Dataref, Dataset: pw.Dataset, SHA256: b.hash,
		})
		clock += pw.Duration
		sub++
	}
	res := &Result{Run: run, Gels: b.gels, Absorbance: b.abs, Notes: b.notes}
	res.Datasets, err = b.datasets()
	if err != nil {
		return nil, err
	}
	run.Pack, run.Handover = b.shipment(in, clock)
	return res, nil
}

// skipIndex picks the warp FaultSkipStep skips: u64be(SHA-256(seed ‖
// "skip-step")) modulo the number of candidates (see FaultSkipStep).
func skipIndex(seed [32]byte, plan []protocol.PlannedWarp) int {
	var cand []int
	for i, w := range plan {
		switch w.Warp {
		case "incubator.hold", "thermocycler.run", "centrifuge.spin":
			cand = append(cand, i)
		}
	}
	if len(cand) == 0 {
		return len(plan) - 1
	}
	h := sha256.Sum256(append(seed[:], FaultSkipStep...))
	return cand[binary.BigEndian.Uint64(h[:8])%uint64(len(cand))]
}

// container is the state of one ref.
type container struct {
	name            string
	ref             protocol.Ref
	typ             protocol.ContainerType
	covered, sealed bool
	// tracked is false for an id ref, whose volumes are unknown.
	tracked bool
	wells   []well
}

func (c *container) closed() bool { return c.covered || c.sealed || c.typ.Capped }

// pendingGel is a gel between its load and its analysis.
type pendingGel struct {
	gel    *Gel
	ladder Ladder
	loaded [][]Species
}

// bot is the simulated bot's state during a run.
type bot struct {
	in         Input
	clock      int64 // the end of the current warp, ms
	containers []*container
	byName     map[string]*container
	tip        *well // the liquid handler's tip within one liquid_handle
	transports []transport
	pending    *pendingGel
	gels       []Gel
	abs        []Absorbance
	noise      *stream
	notes      []Note
	instr      int
	hash       [32]byte   // SHA-256 of the dataset the current warp wrote
	written    int        // bytes of the datasets so far
	scanned    int64      // bytes of sequence the models scanned so far
	absSizes   []int      // current size of each absorbance dataset
	absEnc     [][][]byte // the encoded reads of each absorbance dataset
}

func newBot(in Input) (*bot, error) {
	b := &bot{in: in, byName: map[string]*container{}, noise: newStream(in.Seed, "absorbance")}
	for _, r := range in.Protocol.Refs {
		t, ok := protocol.LookupContainerType(r.ContainerType())
		if !ok {
			return nil, fmt.Errorf("labsim: ref %s: unknown container type %q", r.Name, r.ContainerType())
		}
		c := &container{name: r.Name, ref: r.Ref, typ: t, tracked: r.New != "", wells: make([]well, t.Wells)}
		switch {
		case slices.Contains([]string{"ultra-clear", "foil", "breathable"}, r.Cover):
			c.sealed = true
		case r.Cover != "":
			c.covered = true
		}
		b.containers = append(b.containers, c)
		b.byName[r.Name] = c
	}
	return b, nil
}

func (b *bot) note(format string, args ...any) {
	b.notes = append(b.notes, Note{Instruction: b.instr, Text: fmt.Sprintf(format, args...)})
}

func (b *bot) object(name string) (*container, error) {
	c, ok := b.byName[name]
	if !ok {
		return nil, fmt.Errorf("no ref named %q", name)
	}
	return c, nil
}

// aliquot resolves "ref/well"; liquid asks for an open container.
func (b *bot) aliquot(s string, liquid bool) (*container, *well, error) {
	a, err := protocol.ParseAliquot(s)
	if err != nil {
		return nil, nil, err
	}
	c, err := b.object(a.Ref)
	if err != nil {
		return nil, nil, err
	}
	i, err := c.typ.WellIndex(a.Well)
	if err != nil {
		return nil, nil, fmt.Errorf("aliquot %q: %v", s, err)
	}
	if liquid {
		if err := open(c); err != nil {
			return nil, nil, err
		}
	}
	return c, &c.wells[i], nil
}

func open(c *container) error {
	switch {
	case c.sealed:
		return fmt.Errorf("%q is sealed: a liquid op needs it unsealed", c.name)
	case c.covered:
		return fmt.Errorf("%q is covered: a liquid op needs it uncovered", c.name)
	}
	return nil
}

func closed(c *container, what string) error {
	if !c.closed() {
		return fmt.Errorf("%q is open: %s needs it covered or sealed", c.name, what)
	}
	return nil
}

// fill checks that nl more fit in the well of c.
func fill(c *container, w *well, nl int64, s string) error {
	if c.tracked && w.nl+nl > c.typ.CapacityNL {
		return fmt.Errorf("%s overfills: %d nL above the %s capacity of %d nL", s, w.nl+nl, c.typ.Name, c.typ.CapacityNL)
	}
	return nil
}

// draw checks that nl can be taken from the well of c.
func draw(c *container, w *well, nl int64, s string) error {
	if c.tracked && w.nl < nl {
		return fmt.Errorf("%s: %d nL taken from a well holding %d nL", s, nl, w.nl)
	}
	return nil
}

// inventory returns the BotSpec's item of resource id.
func (b *bot) inventory(id string) (protocol.InventoryItem, error) {
	for _, it := range b.in.BotSpec.Inventory {
		if it.ResourceID == id {
			return it, nil
		}
	}
	return protocol.InventoryItem{}, fmt.Errorf("resource %q is not in the bot's inventory", id)
}

// provide puts nl of an inventory resource into a well: a DNA stock
// brings its sequence as a species of the mass its concentration gives.
func (b *bot) provide(w *well, id string, nl int64) error {
	it, err := b.inventory(id)
	if err != nil {
		return err
	}
	w.add(id, nl)
	if it.Kind != "dna" {
		return nil
	}
	for _, m := range b.in.Stock {
		if m.ResourceID == id {
			conc := m.NgPerUL
			if conc == 0 {
				conc = DefaultNgPerUL
			}
			w.addDNA(Species{BP: len(m.Sequence), PG: nl * conc, Origin: id, seq: m.Sequence, stock: id})
			return nil
		}
	}
	return fmt.Errorf("DNA resource %q has no sequence in the simulator's stock", id)
}

// warp applies the effect of one planned warp, the sub-th of its
// instruction.
func (b *bot) warp(pw protocol.PlannedWarp, sub int) error {
	b.instr = pw.Instruction
	in := b.in.Protocol.Instructions[pw.Instruction]
	switch o := in.Args.(type) {
	case *protocol.Provision:
		to := o.To[sub]
		c, w, err := b.aliquot(to.Well, true)
		if err != nil {
			return err
		}
		if err := fill(c, w, to.Volume.Value, "provision of "+to.Well); err != nil {
			return err
		}
		return b.provide(w, o.ResourceID, to.Volume.Value)
	case *protocol.Dispense:
		c, err := b.object(o.Object)
		if err != nil {
			return err
		}
		if err := open(c); err != nil {
			return err
		}
		col := o.Columns[sub]
		if col.Column < 0 || col.Column >= c.typ.Cols {
			return fmt.Errorf("column %d out of range of %s", col.Column, c.typ.Name)
		}
		for i := col.Column; i < c.typ.Wells; i += c.typ.Cols {
			if err := fill(c, &c.wells[i], col.Volume.Value, fmt.Sprintf("dispense into well %d", i)); err != nil {
				return err
			}
			if err := b.provide(&c.wells[i], o.ResourceID, col.Volume.Value); err != nil {
				return err
			}
		}
	case *protocol.LiquidHandle:
		return b.liquidHandle(o, sub)
	case *protocol.Oligosynthesize:
		ol := o.Oligos[sub]
		_, w, err := b.aliquot(ol.Destination, true)
		if err != nil {
			return err
		}
		w.addOligo([]byte(ol.Sequence))
	case *protocol.Seal:
		c, err := b.object(o.Object)
		if err != nil {
			return err
		}
		if c.sealed || c.covered || c.typ.Capped {
			return fmt.Errorf("%q cannot be sealed: it is sealed, covered or a capped tube", o.Object)
		}
		c.sealed = true
	case *protocol.Unseal:
		c, err := b.object(o.Object)
		if err != nil {
			return err
		}
		if !c.sealed {
			return fmt.Errorf("%q is not sealed", o.Object)
		}
		c.sealed = false
	case *protocol.Cover:
		c, err := b.object(o.Object)
		if err != nil {
			return err
		}
		if c.sealed || c.covered || c.typ.Capped {
			return fmt.Errorf("%q cannot be covered: it is sealed, covered or a capped tube", o.Object)
		}
		c.covered = true
	case *protocol.Uncover:
		c, err := b.object(o.Object)
		if err != nil {
			return err
		}
		if !c.covered {
			return fmt.Errorf("%q is not covered", o.Object)
		}
		c.covered = false
	case *protocol.Incubate:
		return b.incubate(o, pw)
	case *protocol.Thermocycle:
		return b.thermocycle(o, pw)
	case *protocol.Spin:
		c, err := b.object(o.Object)
		if err != nil {
			return err
		}
		return closed(c, "spin")
	case *protocol.Spectrophotometry:
		return b.read(o, sub)
	case *protocol.GelSeparate:
		return b.gel(o, pw)
	default:
		return fmt.Errorf("op %q has no simulation", in.Op)
	}
	return nil
}

// liquidHandle runs the sub-th transport of a liquid_handle, counting
// transports over its locations in order: an aspirate moves liquid from
// the location into the tip, a dispense from the tip into the location.
func (b *bot) liquidHandle(o *protocol.LiquidHandle, sub int) error {
	if sub == 0 {
		b.tip = &well{}
		b.transports = b.transports[:0]
		for _, l := range o.Locations {
			for _, t := range l.Transports {
				b.transports = append(b.transports, transport{l.Location, t.Volume.Value})
			}
		}
	}
	if sub >= len(b.transports) {
		return fmt.Errorf("transport %d does not exist", sub)
	}
	t := b.transports[sub]
	c, w, err := b.aliquot(t.location, true)
	if err != nil {
		return err
	}
	if v := t.nl; v < 0 {
		if err := draw(c, w, -v, "aspirate from "+t.location); err != nil {
			return err
		}
		b.tip.mix(w.take(min(-v, w.nl)))
		return nil
	}
	if err := fill(c, w, t.nl, "dispense into "+t.location); err != nil {
		return err
	}
	if b.tip.nl < t.nl {
		return fmt.Errorf("dispense of %d nL into %s: the tip holds %d nL", t.nl, t.location, b.tip.nl)
	}
	w.mix(b.tip.take(t.nl))
	return nil
}

// transport is one aspirate (negative nL) or dispense of a liquid_handle.
type transport struct {
	location string
	nl       int64
}

func (b *bot) incubate(o *protocol.Incubate, pw protocol.PlannedWarp) error {
	c, err := b.object(o.Object)
	if err != nil {
		return err
	}
	if o.Shaking {
		if err := closed(c, "incubate with shaking"); err != nil {
			return err
		}
	}
	if pw.Warp != "incubator.hold" {
		return nil
	}
	mc, ok := protocol.StorageTemperature(o.Where)
	if !ok {
		return fmt.Errorf("unknown storage condition %q", o.Where)
	}
	ms := o.Duration.Value
	for i := range c.wells {
		w := &c.wells[i]
		if w.nl == 0 {
			continue
		}
		if enz := activeEnzymes(w, mc, ms); len(enz) > 0 {
			key := enzymeKey(enz)
			if w.digested != key {
				if err := b.scan(digestScanBytes(w)); err != nil {
					return err
				}
				before := len(w.dna)
				w.dna = digest(w.dna, enz)
				w.digested = key
				b.note("%s/%d: digest with %s: %d species → %d", c.name, i, key, before, len(w.dna))
			}
		} else if hasEnzyme(w) {
			b.note("%s/%d: no digest at %d m°C for %d ms: no enzyme with its buffer at its temperature for %d ms", c.name, i, mc, ms, DigestMinMS)
		}
		grow(w, mc, ms)
		inactivate(w, mc, ms)
	}
	return nil
}

func hasEnzyme(w *well) bool {
	for _, e := range enzymeConditions {
		if w.has(e.Name) > 0 {
			return true
		}
	}
	return false
}

func (b *bot) thermocycle(o *protocol.Thermocycle, pw protocol.PlannedWarp) error {
	c, err := b.object(o.Object)
	if err != nil {
		return err
	}
	if err := closed(c, "thermocycle"); err != nil {
		return err
	}
	if pw.Warp != "thermocycler.run" {
		return nil
	}
	for i := range c.wells {
		w := &c.wells[i]
		if w.nl == 0 {
			continue
		}
		if hasPolymerase(w) {
			if err := b.scan(pcrScanBytes(w)); err != nil {
				return err
			}
			products, why := pcr(w, o)
			if len(products) == 0 {
				b.note("%s/%d: no PCR product: %s", c.name, i, why)
			} else {
				for _, p := range products {
					b.note("%s/%d: PCR product %s, %d bp, %d pg", c.name, i, p.Origin, p.BP, p.PG)
				}
				w.addDNA(products...)
			}
		}
		for _, g := range o.Groups {
			for _, s := range g.Steps {
				inactivate(w, s.Temperature.Value, s.Duration.Value*int64(g.Cycles))
			}
		}
	}
	return nil
}

func hasPolymerase(w *well) bool {
	for _, id := range polymerases {
		if w.has(id) > 0 {
			return true
		}
	}
	return false
}

// read runs one absorbance read (group sub) and appends it to the
// dataref's dataset. The OD of a well is BlankMOD plus, at 600 nm, the
// growth model's culture OD, at 260 nm the DNA (an OD of 1 is 50 ng/µL of
// double-stranded DNA) and at 280 nm that over 1.8 (pure DNA), plus noise
// of ± (2 + 1 %) mOD from the seed's stream.
func (b *bot) read(o *protocol.Spectrophotometry, sub int) error {
	if _, err := b.object(o.Object); err != nil {
		return err
	}
	g := o.Groups[sub]
	rd := AbsorbanceRead{Instruction: b.instr, TimeMS: b.clock, Wells: slices.Clone(g.ModeParams.Wells)}
	for _, q := range g.ModeParams.Wavelength {
		rd.WavelengthsNM = append(rd.WavelengthsNM, q.Value)
	}
	for _, s := range g.ModeParams.Wells {
		_, w, err := b.aliquot(s, false)
		if err != nil {
			return err
		}
		ods := make([]int64, len(rd.WavelengthsNM))
		for k, nm := range rd.WavelengthsNM {
			v := int64(BlankMOD)
			var dna int64
			for _, d := range w.dna {
				dna += d.PG
			}
			switch nm {
			case 600:
				v += cultureMOD(w)
			case 260, 280:
				if w.nl > 0 {
					a260 := dna * 20 / w.nl // pg/nL = ng/µL; ×1000/50
					if nm == 280 {
						a260 = a260 * 10 / 18
					}
					v += a260
				}
			}
			ods[k] = max(v+b.noise.within(2+v/100), 0)
		}
		rd.MOD = append(rd.MOD, ods)
	}
	i := slices.IndexFunc(b.abs, func(a Absorbance) bool { return a.Dataref == o.Dataref })
	if i < 0 {
		i = len(b.abs)
		b.abs = append(b.abs, Absorbance{Dataref: o.Dataref})
	}
	if len(b.abs[i].Reads) == MaxReadsPerDataref {
		return fmt.Errorf("dataref %q: over the limit of %d reads in one dataset", o.Dataref, MaxReadsPerDataref)
	}
	b.abs[i].Reads = append(b.abs[i].Reads, rd)
	enc, err := json.Marshal(&rd)
	if err != nil {
		return err
	}
	for len(b.absEnc) <= i {
		b.absEnc = append(b.absEnc, nil)
		b.absSizes = append(b.absSizes, 0)
	}
	b.absEnc[i] = append(b.absEnc[i], enc)
	// the dataset as it stands now, hashed without assembling it
	h := sha256.New()
	n := writeAbsorbance(h, o.Dataref, b.absEnc[i])
	if err := b.account(n - b.absSizes[i]); err != nil {
		return err
	}
	b.absSizes[i] = n
	copy(b.hash[:], h.Sum(nil))
	return nil
}

// writeAbsorbance writes the dataset DATAREF.json of encoded reads to w,
// one read per line, and returns its size in bytes.
func writeAbsorbance(w io.Writer, dataref string, reads [][]byte) int {
	ref, _ := json.Marshal(dataref)
	n := 0
	put := func(b []byte) {
		w.Write(b)
		n += len(b)
	}
	put([]byte(`{"dataref":`))
	put(ref)
	put([]byte(`,"reads":[`))
	for i, r := range reads {
		if i > 0 {
			put([]byte(","))
		}
		put([]byte("\n"))
		put(r)
	}
	put([]byte("\n]}\n"))
	return n
}

// scan counts n bytes of sequence a model is about to scan and refuses a
// run over MaxScanBytes.
func (b *bot) scan(n int64) error {
	b.scanned += n
	if b.scanned > MaxScanBytes {
		return fmt.Errorf("the simulation scans over %d bytes of sequence, the limit of one run", int64(MaxScanBytes))
	}
	return nil
}

// account adds n bytes to the run's datasets and refuses a run over
// MaxDatasetBytes.
func (b *bot) account(n int) error {
	b.written += n
	if b.written > MaxDatasetBytes {
		return fmt.Errorf("the datasets take over %d bytes, the limit of one run", MaxDatasetBytes)
	}
	return nil
}

// gel runs the warps of a gel_separate: load takes the volume from each
// object into a lane, run separates, image and analyze record the gel.
func (b *bot) gel(o *protocol.GelSeparate, pw protocol.PlannedWarp) error {
	switch pw.Warp {
	case "gel_imager.load":
		var lad Ladder
		found := false
		for _, l := range ladders {
			if l.ResourceID == o.Ladder {
				lad, found = l, true
			}
		}
		if !found {
			return fmt.Errorf("ladder %q is unknown to the gel model (known: %s)", o.Ladder, ladders[0].ResourceID)
		}
		if _, err := b.inventory(o.Ladder); err != nil {
			return err
		}
		if len(o.Objects) > MaxGelLanes {
			return fmt.Errorf("%d lanes, over the limit of %d on one gel", len(o.Objects), MaxGelLanes)
		}
		p := &pendingGel{ladder: lad, gel: &Gel{Dataref: o.Dataref, Instruction: b.instr, Matrix: o.Matrix, Ladder: o.Ladder, RunMS: o.Duration.Value}}
		for _, s := range o.Objects {
			c, w, err := b.aliquot(s, true)
			if err != nil {
				return err
			}
			if err := draw(c, w, o.Volume.Value, "gel lane "+s); err != nil {
				return err
			}
			lane := w.take(min(o.Volume.Value, w.nl))
			p.loaded = append(p.loaded, lane.dna)
		}
		b.pending = p
	case "gel_imager.run":
		if b.pending == nil {
			return errors.New("no gel loaded")
		}
		runGel(b.pending.gel, b.pending.ladder, b.pending.loaded, o.Objects)
	case "gel_imager.image":
		if b.pending == nil || len(b.pending.gel.Lanes) == 0 {
			return errors.New("no gel run")
		}
		img := b.pending.gel.PNG()
		if err := b.account(len(img)); err != nil {
			return err
		}
		b.hash = sha256.Sum256(img)
	case "gel_imager.analyze":
		if b.pending == nil || len(b.pending.gel.Lanes) == 0 {
			return errors.New("no gel run")
		}
		for _, g := range b.gels {
			if g.Dataref == o.Dataref {
				return fmt.Errorf("dataref %q is already a gel of instruction %d", o.Dataref, g.Instruction)
			}
		}
		data, err := b.pending.gel.JSON()
		if err != nil {
			return err
		}
		if err := b.account(len(data)); err != nil {
			return err
		}
		b.hash = sha256.Sum256(data)
		b.gels = append(b.gels, *b.pending.gel)
	}
	return nil
}

// JSON returns the dataset DATAREF.json of the gel: indented JSON and a
// final newline.
func (g *Gel) JSON() ([]byte, error) {
	j, err := json.MarshalIndent(g, "", "  ")
	return append(j, '\n'), err
}

// JSON returns the dataset DATAREF.json of the reads: a JSON object with
// one read per line, and a final newline.
func (a *Absorbance) JSON() ([]byte, error) {
	reads := make([][]byte, len(a.Reads))
	for i := range a.Reads {
		var err error
		if reads[i], err = json.Marshal(&a.Reads[i]); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	writeAbsorbance(&buf, a.Dataref, reads)
	return buf.Bytes(), nil
}

// datasets encodes the gels (DATAREF.json, DATAREF.png) and the
// absorbance reads (DATAREF.json), sorted by name; two datasets of one
// name are an error.
func (b *bot) datasets() ([]Dataset, error) {
	var out []Dataset
	for i := range b.gels {
		g := &b.gels[i]
		j, err := g.JSON()
		if err != nil {
			return nil, err
		}
		out = append(out, Dataset{g.Dataref + ".json", j}, Dataset{g.Dataref + ".png", g.PNG()})
	}
	for i := range b.abs {
		j, err := b.abs[i].JSON()
		if err != nil {
			return nil, err
		}
		out = append(out, Dataset{b.abs[i].Dataref + ".json", j})
	}
	slices.SortStableFunc(out, func(a, b Dataset) int { return strings.Compare(a.Name, b.Name) })
	for i := 1; i < len(out); i++ {
		if out[i].Name == out[i-1].Name {
			return nil, fmt.Errorf("labsim: two datasets named %s (a dataref used by a gel and a read)", out[i].Name)
		}
	}
	return out, nil
}

// shipment records packing and hand-over of the stored refs after the
// last warp: containers sorted by name, where comma-joined in that order
// when the conditions differ, the label (Input.Label or "LBL-" and 16 hex
// digits of SHA-256(seed ‖ "label")) and a tracking id ("SIM-" and 16
// hex digits of SHA-256(seed ‖ "tracking")).
func (b *bot) shipment(in Input, end int64) (*botlog.Pack, *botlog.Handover) {
	var stored []*container
	for _, c := range b.containers {
		if c.ref.Store != nil {
			stored = append(stored, c)
		}
	}
	if len(stored) == 0 {
		return nil, nil
	}
	slices.SortFunc(stored, func(x, y *container) int { return strings.Compare(x.name, y.name) })
	names := make([]string, len(stored))
	wheres := make([]string, len(stored))
	for i, c := range stored {
		names[i], wheres[i] = c.name, c.ref.Store.Where
	}
	where := wheres[0]
	for _, w := range wheres {
		if w != where {
			where = strings.Join(wheres, ",")
			break
		}
	}
	label := in.Label
	if label == "" {
		label = "LBL-" + seedHex(in.Seed, "label")
	}
	pack := &botlog.Pack{Containers: names, Where: where, Label: label, Time: end + PackMS}
	return pack, &botlog.Handover{Carrier: Carrier, Tracking: "SIM-" + seedHex(in.Seed, "tracking"), Time: pack.Time + HandoverMS}
}

func seedHex(seed [32]byte, tag string) string {
	h := sha256.Sum256(append(seed[:], tag...))
	return strings.ToUpper(hex.EncodeToString(h[:8]))
}

// Replay runs in again and compares the result with a delivered run and
// its datasets (by file name): for a simulated bot the log and datasets
// must be reproduced byte for byte (fabrication.md, "The conformance
// check"). It returns nil when they are, a *botlog.Violation with Rule
// botlog.RuleReplay naming the first difference (the start event, a warp in log
// order, a dataset, the shipment), or the error of Run when in cannot be
// run at all.
func Replay(in Input, got *botlog.Run, datasets map[string][]byte) error {
	want, err := Run(in)
	if err != nil {
		return err
	}
	return compare(want, got, datasets)
}

func violation(instr int, warp, format string, args ...any) error {
	return &botlog.Violation{Instruction: instr, Warp: warp, Rule: botlog.RuleReplay, Detail: fmt.Sprintf(format, args...)}
}

func compare(want *Result, got *botlog.Run, datasets map[string][]byte) error {
	if got == nil {
		return violation(-1, "", "no run delivered")
	}
	if want.Run.Start != got.Start {
		return violation(-1, "", "run.start differs: the simulation gives %+v, the log %+v", want.Run.Start, got.Start)
	}
	for i, w := range want.Run.Warps {
		if i >= len(got.Warps) {
			return violation(w.Instruction, w.Warp, "the log ends after %d warps; the simulation runs this one next", len(got.Warps))
		}
		if d := warpDiff(w, got.Warps[i]); d != "" {
			return violation(w.Instruction, w.Warp, "warp %d: %s", i, d)
		}
	}
	if len(got.Warps) > len(want.Run.Warps) {
		g := got.Warps[len(want.Run.Warps)]
		return violation(g.Instruction, g.Warp, "the log has %d warps, the simulation %d", len(got.Warps), len(want.Run.Warps))
	}
	for _, d := range want.Datasets {
		data, ok := datasets[d.Name]
		if !ok {
			return violation(-1, "", "dataset %s is not delivered", d.Name)
		}
		if !bytes.Equal(data, d.Data) {
			return violation(-1, "", "dataset %s differs from the simulation's (%d bytes, the simulation %d)", d.Name, len(data), len(d.Data))
		}
	}
	if len(datasets) != len(want.Datasets) {
		return violation(-1, "", "%d datasets delivered, the simulation writes %d", len(datasets), len(want.Datasets))
	}
	if !packEqual(want.Run.Pack, got.Pack) || !handoverEqual(want.Run.Handover, got.Handover) {
		return violation(-1, "", "the shipment differs from the simulation's")
	}
	return nil
}

func warpDiff(a, b botlog.Warp) string {
	switch {
	case a.Instruction != b.Instruction || a.Op != b.Op || a.Warp != b.Warp:
		return fmt.Sprintf("the log has instruction %d %s, the simulation instruction %d %s", b.Instruction, b.Warp, a.Instruction, a.Warp)
	case a.Device != b.Device:
		return fmt.Sprintf("device %s, the simulation %s", b.Device, a.Device)
	case !slices.Equal(a.Params, b.Params):
		return fmt.Sprintf("params %q, the simulation %q", botlog.FormatParams(b.Params), botlog.FormatParams(a.Params))
	case a.Start != b.Start || a.End != b.End:
		return fmt.Sprintf("ran %d–%d ms, the simulation %d–%d ms", b.Start, b.End, a.Start, a.End)
	case a.Outcome != b.Outcome:
		return fmt.Sprintf("outcome %q, the simulation %q", b.Outcome, a.Outcome)
	case a.Dataref != b.Dataref || a.Dataset != b.Dataset || a.SHA256 != b.SHA256:
		return fmt.Sprintf("dataset %s %x, the simulation %s %x", b.Dataset, b.SHA256[:8], a.Dataset, a.SHA256[:8])
	}
	return ""
}

func packEqual(a, b *botlog.Pack) bool {
	if a == nil || b == nil {
		return a == b
	}
	return slices.Equal(a.Containers, b.Containers) && a.Where == b.Where && a.Label == b.Label && a.Time == b.Time
}

func handoverEqual(a, b *botlog.Handover) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

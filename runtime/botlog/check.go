package botlog

import (
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/celltonomy/celltonomy/protocol"
	"github.com/celltonomy/celltonomy/runtime/eventlog"
)

// The rules of the conformance check, in the order Check applies them
// (fabrication.md, "The conformance check").
const (
	// RuleSignature: the chain of the log holds, the last event is signed
	// by the node key (which, through the chain, signs every event), and
	// the head equals the delivered head.
	RuleSignature = "signature"
	// RuleSchema: the log follows the bot-run schema (Decode).
	RuleSchema = "schema"
	// RuleStart: run.start names the BotSpec and the filled protocol's
	// hash given to the check, and the plan's instruction and warp counts.
	RuleStart = "start"
	// RuleMissingWarp: a warp of the plan is not in the log.
	RuleMissingWarp = "missing-warp"
	// RuleOrder: a warp of the plan is in the log but out of its place, or
	// the log has a warp the plan does not.
	RuleOrder = "order"
	// RuleParams: a warp's op or parameters differ from the plan's.
	RuleParams = "params"
	// RuleOutcome: a warp did not complete (its outcome is not "ok").
	RuleOutcome = "outcome"
	// RuleDevice: a warp ran on a device the BotSpec does not have, or one
	// whose kind does not own the warp, that does not run the op, or that
	// has no timing for a warp the BotSpec times.
	RuleDevice = "device"
	// RuleDuration: a warp took outside the BotSpec's [min_ms, max_ms] on
	// its device, or outside 1 % of the protocol's own duration.
	RuleDuration = "duration"
	// RuleTimeConstraint: a time constraint of the protocol does not hold.
	RuleTimeConstraint = "time-constraint"
	// RuleClock: warps overlap or the clock goes backwards (a shipment
	// event before the last warp's end, a hand-over before the packing).
	RuleClock = "clock"
	// RuleDataset: a data warp names another dataset than the plan, or its
	// dataset is not delivered, or the delivered file's hash is not the one
	// the last warp naming it logged (a file several warps write, such as
	// the reads of one plate, grows: earlier warps log it as it was then).
	RuleDataset = "dataset"
	// RuleShipment: the containers to store are not packed as the
	// protocol says, or something is shipped that should not be.
	RuleShipment = "shipment"
	// RuleReplay: a simulated bot's run or datasets differ from those
	// of replaying the simulation (runtime/labsim); Check does not apply
	// it.
	RuleReplay = "replay"
)

// ErrViolation is matched (errors.Is) by every *Violation.
var ErrViolation = errors.New("not executed to spec")

// Violation is the first rule a delivered run breaks.
type Violation struct {
	// Instruction is the index of the instruction concerned, -1 when none.
	Instruction int
	// Warp is the warp concerned ("incubator.hold"), or the shipment event
	// (KindPack, KindHandover), "" when none.
	Warp string
	// Rule is one of the Rule constants.
	Rule string
	// Detail says what differs, with figures.
	Detail string
}

// Error returns e.g. "instruction 5 (incubator.hold): duration: 1800000 ms,
// the protocol says 3600000 ms ± 1 %", "ship.pack: shipment: …" for an
// event that is not a warp, or "rule: detail" when neither is concerned.
func (v *Violation) Error() string {
	switch {
	case v.Instruction >= 0 && v.Warp != "":
		return fmt.Sprintf("instruction %d (%s): %s: %s", v.Instruction, v.Warp, v.Rule, v.Detail)
	case v.Instruction >= 0:
		return fmt.Sprintf("instruction %d: %s: %s", v.Instruction, v.Rule, v.Detail)
	case v.Warp != "":
		return fmt.Sprintf("%s: %s: %s", v.Warp, v.Rule, v.Detail)
	}
	return v.Rule + ": " + v.Detail
}

// Is makes every Violation match ErrViolation.
func (v *Violation) Is(target error) bool { return target == ErrViolation }

func violation(instr int, warp, rule, format string, args ...any) *Violation {
	return &Violation{Instruction: instr, Warp: warp, Rule: rule, Detail: fmt.Sprintf(format, args...)}
}

// CheckInput is what the conformance check needs: the delivered log and
// head, the node's key, the filled protocol and its hash, the BotSpec the
// bid named, and the delivered datasets.
type CheckInput struct {
	// Log is the delivered event log (eventlog.Read of the file).
	Log *eventlog.Log
	// NodeKey is the public key of the provider's node.
	NodeKey ed25519.PublicKey
	// Head is the event-log head of the delivery.
	Head [32]byte
	// Protocol is the filled, parsed and validated protocol.
	Protocol *protocol.Protocol
	// ProtocolHash is the SHA-256 of the filled protocol's bytes.
	ProtocolHash [32]byte
	// BotSpec is the BotSpec the bid named (validated).
	BotSpec *protocol.BotSpec
	// Datasets are the delivered files by name; every dataset a warp
	// names must be among them.
	Datasets map[string][]byte
}

// Check runs the conformance check of fabrication.md: it returns nil when
// the log shows the protocol executed to spec on the BotSpec's bot, or the
// first *Violation (matching ErrViolation). Rules apply in the order of
// the Rule constants, each to the whole log before the next: signature,
// schema, start, missing-warp / order / params (walking the log against
// protocol.Plan), outcome, device, duration, time-constraint, clock,
// dataset, shipment. Any other error (a nil Protocol or BotSpec, a BotSpec
// without an id) means the check could not run: a verifier's verdict is
// then undecidable, not a violation.
func Check(in CheckInput) error {
	if in.Log == nil || in.Protocol == nil || in.BotSpec == nil {
		return errors.New("botlog: check needs a log, a protocol and a BotSpec")
	}
	specID, err := in.BotSpec.ID()
	if err != nil {
		return fmt.Errorf("botlog: BotSpec id: %w", err)
	}
	// signature
	if err := eventlog.VerifyChain(in.Log, in.NodeKey); err != nil {
		return violation(-1, "", RuleSignature, "%v", err)
	}
	if err := eventlog.VerifyHead(in.Log, in.Head); err != nil {
		return violation(-1, "", RuleSignature, "%v", err)
	}
	// schema
	run, err := Decode(in.Log)
	if err != nil {
		return violation(-1, "", RuleSchema, "%v", err)
	}
	// start
	if run.Start.BotSpec != specID {
		return violation(-1, "", RuleStart, "BotSpec %s, the bid names %s", run.Start.BotSpec, specID)
	}
	if run.Start.Protocol != in.ProtocolHash {
		return violation(-1, "", RuleStart, "protocol hash %x, the order's filled protocol hashes to %x", run.Start.Protocol, in.ProtocolHash)
	}
	plan, err := protocol.Plan(in.Protocol, in.BotSpec)
	if err != nil {
		var ue *protocol.UnmetError
		if errors.As(err, &ue) {
			return violation(-1, "", RuleDevice, "the BotSpec cannot run the protocol: %v", err)
		}
		return fmt.Errorf("botlog: plan: %w", err)
	}
	c := &checker{in: in, run: run, plan: plan}
	for _, rule := range []func() *Violation{
		c.walk, c.counts, c.outcome, c.device, c.duration, c.timeConstraints, c.clock, c.datasets, c.shipment,
	} {
		if v := rule(); v != nil {
			return v
		}
	}
	return nil
}

type checker struct {
	in   CheckInput
	run  *Run
	plan []protocol.PlannedWarp
}

// walk pairs the log's warps with the plan's, one for one, in order.
func (c *checker) walk() *Violation {
	ws := c.run.Warps
	for j, p := range c.plan {
		if j >= len(ws) {
			return violation(p.Instruction, p.Warp, RuleMissingWarp, "warp %d of the plan (%s) is not in the log, which ends after %d warps", j, p.Op, len(ws))
		}
		w := &ws[j]
		if w.Instruction != p.Instruction || w.Warp != p.Warp {
			later := slices.IndexFunc(ws[j+1:], func(o Warp) bool { return o.Instruction == p.Instruction && o.Warp == p.Warp })
			if later < 0 {
				return violation(p.Instruction, p.Warp, RuleMissingWarp, "warp %d of the plan (%s) is not in the log; warp %d of the log is instruction %d (%s)", j, p.Op, j, w.Instruction, w.Warp)
			}
			return violation(p.Instruction, p.Warp, RuleOrder, "warp %d of the plan is warp %d of the log; warp %d of the log is instruction %d (%s)", j, j+1+later, j, w.Instruction, w.Warp)
		}
		if w.Op != p.Op {
			return violation(p.Instruction, p.Warp, RuleParams, "op %q, the protocol says %q", w.Op, p.Op)
		}
		if d := paramsDiff(w.Params, p.Params); d != "" {
			return violation(p.Instruction, p.Warp, RuleParams, "%s", d)
		}
	}
	if len(ws) > len(c.plan) {
		w := &ws[len(c.plan)]
		return violation(w.Instruction, w.Warp, RuleOrder, "the log has %d warps, the plan %d: warp %d is not in the plan", len(ws), len(c.plan), len(c.plan))
	}
	return nil
}

// paramsDiff describes the first difference of got from want, or "".
func paramsDiff(got, want []protocol.Param) string {
	for i := 0; i < len(got) || i < len(want); i++ {
		switch {
		case i >= len(got):
			return fmt.Sprintf("parameter %s missing, the protocol says %q", want[i].Key, want[i].Value)
		case i >= len(want) || got[i].Key < want[i].Key:
			return fmt.Sprintf("parameter %s=%q is not in the protocol", got[i].Key, got[i].Value)
		case got[i].Key > want[i].Key:
			return fmt.Sprintf("parameter %s missing, the protocol says %q", want[i].Key, want[i].Value)
		case got[i].Value != want[i].Value:
			return fmt.Sprintf("%s is %q, the protocol says %q", got[i].Key, got[i].Value, want[i].Value)
		}
	}
	return ""
}

// counts checks run.start's counts against the protocol and its plan (the
// warps themselves matched: a log that lost a warp is a missing-warp).
func (c *checker) counts() *Violation {
	s := c.run.Start
	if s.Instructions != len(c.in.Protocol.Instructions) || s.Warps != len(c.plan) {
		return violation(-1, "", RuleStart, "run.start counts %d instructions and %d warps, the plan has %d and %d",
			s.Instructions, s.Warps, len(c.in.Protocol.Instructions), len(c.plan))
	}
	return nil
}

func (c *checker) outcome() *Violation {
	for i := range c.run.Warps {
		if w := &c.run.Warps[i]; w.Outcome != OutcomeOK {
			return violation(w.Instruction, w.Warp, RuleOutcome, "outcome %q", w.Outcome)
		}
	}
	return nil
}

// devices indexes the BotSpec's devices by id.
func (c *checker) deviceOf(id string) *protocol.Device {
	for i := range c.in.BotSpec.Devices {
		if c.in.BotSpec.Devices[i].ID == id {
			return &c.in.BotSpec.Devices[i]
		}
	}
	return nil
}

func (c *checker) device() *Violation {
	for j := range c.run.Warps {
		w, p := &c.run.Warps[j], &c.plan[j]
		d := c.deviceOf(w.Device)
		kind, _, _ := strings.Cut(w.Warp, ".")
		switch {
		case d == nil:
			return violation(w.Instruction, w.Warp, RuleDevice, "device %q is not in the BotSpec", w.Device)
		case d.Kind != kind:
			return violation(w.Instruction, w.Warp, RuleDevice, "device %s is a %s, the warp needs a %s", d.ID, d.Kind, kind)
		case !slices.Contains(d.Ops, w.Op):
			return violation(w.Instruction, w.Warp, RuleDevice, "device %s does not run %s (its ops: %s)", d.ID, w.Op, strings.Join(d.Ops, ", "))
		}
		if _, ok := d.Timings.Lookup(w.Warp); !ok && !p.Fixed {
			return violation(w.Instruction, w.Warp, RuleDevice, "device %s has no timing for %s", d.ID, w.Warp)
		}
	}
	return nil
}

func (c *checker) duration() *Violation {
	for j := range c.run.Warps {
		w, p := &c.run.Warps[j], &c.plan[j]
		took := w.End - w.Start
		if p.Fixed {
			// |took − planned| ≤ 1 % of planned, in integers.
			diff := took - p.Duration
			if diff < 0 {
				diff = -diff
			}
			if diff*100 > p.Duration {
				return violation(w.Instruction, w.Warp, RuleDuration, "%d ms, the protocol says %d ms ± 1 %%", took, p.Duration)
			}
			continue
		}
		t, _ := c.deviceOf(w.Device).Timings.Lookup(w.Warp)
		if took < t.MinMS || took > t.MaxMS {
			return violation(w.Instruction, w.Warp, RuleDuration, "%d ms, the BotSpec allows %d to %d ms on %s", took, t.MinMS, t.MaxMS, w.Device)
		}
	}
	return nil
}

// instrTimes returns each instruction's first start and last end on the
// log's clock (the walk has matched the log to the plan, which has at
// least one warp per instruction).
func (c *checker) instrTimes() (start, end []int64) {
	n := len(c.in.Protocol.Instructions)
	start, end = make([]int64, n), make([]int64, n)
	seen := make([]bool, n)
	for i := range c.run.Warps {
		w := &c.run.Warps[i]
		if !seen[w.Instruction] {
			seen[w.Instruction], start[w.Instruction] = true, w.Start
		}
		end[w.Instruction] = w.End
	}
	return start, end
}

// refTimes returns the start of the first and the end of the last
// instruction using ref, and false when no instruction uses it.
func (c *checker) refTimes(ref string, start, end []int64) (int64, int64, bool) {
	first, last := -1, -1
	for i, in := range c.in.Protocol.Instructions {
		if slices.Contains(instructionRefs(in), ref) {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return 0, 0, false
	}
	return start[first], end[last], true
}

// instructionRefs returns the refs an instruction uses.
func instructionRefs(in protocol.Instruction) []string {
	var out []string
	obj := func(s string) { out = append(out, s) }
	aq := func(s string) {
		if a, err := protocol.ParseAliquot(s); err == nil {
			out = append(out, a.Ref)
		}
	}
	switch a := in.Args.(type) {
	case *protocol.Provision:
		for _, t := range a.To {
			aq(t.Well)
		}
	case *protocol.Dispense:
		obj(a.Object)
	case *protocol.LiquidHandle:
		for _, l := range a.Locations {
			aq(l.Location)
		}
	case *protocol.Oligosynthesize:
		for _, o := range a.Oligos {
			aq(o.Destination)
		}
	case *protocol.Seal:
		obj(a.Object)
	case *protocol.Unseal:
		obj(a.Object)
	case *protocol.Cover:
		obj(a.Object)
	case *protocol.Uncover:
		obj(a.Object)
	case *protocol.Incubate:
		obj(a.Object)
	case *protocol.Thermocycle:
		obj(a.Object)
	case *protocol.Spin:
		obj(a.Object)
	case *protocol.Spectrophotometry:
		obj(a.Object)
	case *protocol.GelSeparate:
		for _, o := range a.Objects {
			aq(o)
		}
	}
	return out
}

func (c *checker) timeConstraints() *Violation {
	tcs := c.in.Protocol.TimeConstraints
	if len(tcs) == 0 {
		return nil
	}
	start, end := c.instrTimes()
	at := func(tp protocol.TimePoint) (int64, string, bool) {
		switch {
		case tp.InstructionStart != nil:
			return start[*tp.InstructionStart], fmt.Sprintf("instruction_start %d", *tp.InstructionStart), true
		case tp.InstructionEnd != nil:
			return end[*tp.InstructionEnd], fmt.Sprintf("instruction_end %d", *tp.InstructionEnd), true
		case tp.RefStart != nil:
			s, _, ok := c.refTimes(*tp.RefStart, start, end)
			return s, "ref_start " + *tp.RefStart, ok
		case tp.RefEnd != nil:
			_, e, ok := c.refTimes(*tp.RefEnd, start, end)
			return e, "ref_end " + *tp.RefEnd, ok
		}
		return 0, "", false
	}
	for i, tc := range tcs {
		from, fs, ok1 := at(tc.From)
		to, ts, ok2 := at(tc.To)
		if !ok1 || !ok2 {
			continue // a ref no instruction uses has no time: nothing to hold
		}
		d := to - from
		instr := -1
		if tc.To.InstructionStart != nil {
			instr = *tc.To.InstructionStart
		} else if tc.To.InstructionEnd != nil {
			instr = *tc.To.InstructionEnd
		}
		if tc.LessThan != nil && d >= tc.LessThan.Value {
			return violation(instr, "", RuleTimeConstraint, "time_constraints[%d]: %d ms from %s to %s, want less than %d ms", i, d, fs, ts, tc.LessThan.Value)
		}
		if tc.MoreThan != nil && d <= tc.MoreThan.Value {
			return violation(instr, "", RuleTimeConstraint, "time_constraints[%d]: %d ms from %s to %s, want more than %d ms", i, d, fs, ts, tc.MoreThan.Value)
		}
	}
	return nil
}

func (c *checker) clock() *Violation {
	var last int64
	for i := range c.run.Warps {
		w := &c.run.Warps[i]
		if w.Start < last {
			return violation(w.Instruction, w.Warp, RuleClock, "starts at %d ms, before the previous warp ends at %d ms", w.Start, last)
		}
		last = w.End
	}
	if p := c.run.Pack; p != nil && p.Time < last {
		return violation(-1, KindPack, RuleClock, "packed at %d ms, before the last warp ends at %d ms", p.Time, last)
	}
	if h := c.run.Handover; h != nil && h.Time < c.run.Pack.Time {
		return violation(-1, KindHandover, RuleClock, "handed over at %d ms, before packing at %d ms", h.Time, c.run.Pack.Time)
	}
	return nil
}

func (c *checker) datasets() *Violation {
	last := map[string]int{} // dataset name → index of the last warp naming it
	for j := range c.run.Warps {
		w, p := &c.run.Warps[j], &c.plan[j]
		if w.Dataref != p.Dataref || w.Dataset != p.Dataset {
			return violation(w.Instruction, w.Warp, RuleDataset, "dataset %q of dataref %q, the plan says %q of %q", w.Dataset, w.Dataref, p.Dataset, p.Dataref)
		}
		if w.Dataset == "" {
			continue
		}
		if _, ok := c.in.Datasets[w.Dataset]; !ok {
			return violation(w.Instruction, w.Warp, RuleDataset, "dataset %s is not delivered", w.Dataset)
		}
		last[w.Dataset] = j
	}
	for j := range c.run.Warps {
		w := &c.run.Warps[j]
		if w.Dataset == "" || last[w.Dataset] != j {
			continue
		}
		if h := sha256.Sum256(c.in.Datasets[w.Dataset]); h != w.SHA256 {
			return violation(w.Instruction, w.Warp, RuleDataset, "dataset %s hashes to %x, the log says %x", w.Dataset, h, w.SHA256)
		}
	}
	return nil
}

// shipment checks ship.pack against the refs whose destiny is store.
func (c *checker) shipment() *Violation {
	var names, wheres []string
	for _, r := range c.in.Protocol.Refs {
		if r.Store != nil {
			names = append(names, r.Name)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		r, _ := c.in.Protocol.Refs.Lookup(n)
		wheres = append(wheres, r.Store.Where)
	}
	p := c.run.Pack
	if len(names) == 0 {
		if p != nil {
			return violation(-1, KindPack, RuleShipment, "containers %s packed, the protocol stores none", strings.Join(p.Containers, ","))
		}
		return nil
	}
	if p == nil {
		return violation(-1, KindPack, RuleShipment, "nothing packed, the protocol stores %s", strings.Join(names, ","))
	}
	if !slices.Equal(p.Containers, names) {
		return violation(-1, KindPack, RuleShipment, "containers %s packed, the protocol stores %s", strings.Join(p.Containers, ","), strings.Join(names, ","))
	}
	if want := PackWhere(wheres); p.Where != want {
		return violation(-1, KindPack, RuleShipment, "stored at %q, the protocol says %q", p.Where, want)
	}
	if c.run.Handover == nil {
		return violation(-1, KindHandover, RuleShipment, "packed but not handed over to a carrier")
	}
	return nil
}

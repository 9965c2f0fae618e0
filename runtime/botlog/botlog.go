package botlog

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/celltonomy/celltonomy/protocol"
	"github.com/celltonomy/celltonomy/runtime/eventlog"
)

// Event kinds of a bot run's log.
const (
	KindStart    = "run.start"
	KindWarp     = "warp"
	KindPack     = "ship.pack"
	KindHandover = "ship.handover"
)

// Attribute keys. Integers are decimal ASCII without sign or leading
// zeros, hashes 32 raw bytes, booleans "true" or "false".
const (
	AttrBotSpec      = "botspec"      // run.start: BotSpec id
	AttrProtocol     = "protocol"     // run.start: SHA-256 of the filled protocol
	AttrSeed         = "seed"         // run.start: the run's seed
	AttrInstructions = "instructions" // run.start: number of instructions
	AttrWarps        = "warps"        // run.start: number of warps planned
	AttrSimulated    = "simulated"    // run.start: the BotSpec's simulated flag
	AttrInstruction  = "instruction"  // warp: instruction index
	AttrOp           = "op"           // warp
	AttrWarp         = "warp"         // warp: KIND.VERB
	AttrDevice       = "device"       // warp: device id
	AttrParams       = "params"       // warp: "key=value" lines sorted by key, "\n"-joined
	AttrStart        = "start"        // warp: ms on the bot clock
	AttrEnd          = "end"          // warp: ms on the bot clock
	AttrOutcome      = "outcome"      // warp: "ok" or a reason
	AttrDataref      = "dataref"      // warp, data warps only
	AttrDataset      = "dataset"      // warp, data warps only: file name
	AttrSHA256       = "sha256"       // warp, data warps only: SHA-256 of the dataset
	AttrContainers   = "containers"   // ship.pack: ref names, sorted, comma-joined
	AttrWhere        = "where"        // ship.pack: storage condition(s)
	AttrLabel        = "label"        // ship.pack: label id
	AttrCarrier      = "carrier"      // ship.handover
	AttrTracking     = "tracking"     // ship.handover
)

// OutcomeOK is the outcome of a warp that completed.
const OutcomeOK = "ok"

// Bounds on a decoded run: a delivered log is untrusted input.
const (
	// MaxWarps bounds the warp events of a run (protocol.MaxPlanWarps).
	MaxWarps = protocol.MaxPlanWarps
	// MaxParams bounds the parameters of one warp.
	MaxParams = 64
	// MaxName bounds a name-like value (op, warp, device, outcome, dataref,
	// dataset, label, carrier, tracking, a parameter key), in bytes.
	MaxName = 256
	// MaxMillis bounds every time of the bot clock, in ms (1 year).
	MaxMillis = 365 * 24 * 3_600_000
)

// Start is the run.start event: what ran, on which bot.
type Start struct {
	// BotSpec is the id of the BotSpec of the bot that ran.
	BotSpec protocol.BotSpecID
	// Protocol is the SHA-256 of the filled protocol's bytes.
	Protocol [32]byte
	// Seed is the run's seed (labsim.SeedFor for a simulated bot).
	Seed [32]byte
	// Instructions is the number of instructions of the protocol.
	Instructions int
	// Warps is the number of warps of its plan (protocol.Plan).
	Warps int
	// Simulated is the BotSpec's simulated flag.
	Simulated bool
}

// Warp is one warp event: a device command the bot ran.
type Warp struct {
	// Instruction is the index of the instruction it belongs to.
	Instruction int
	// Op, Warp and Device are the instruction's op, the warp name
	// (KIND.VERB) and the id of the device that ran it.
	Op, Warp, Device string
	// Params are the warp's parameters, sorted by key, unique.
	Params []protocol.Param
	// Start and End are ms on the bot clock; Start ≤ End. The event's
	// time is End.
	Start, End int64
	// Outcome is OutcomeOK or the reason the warp failed.
	Outcome string
	// Dataref and Dataset are set for a data warp: the op's dataref and
	// the dataset's file name; SHA256 is the dataset's hash. All three or
	// none are present.
	Dataref, Dataset string
	SHA256           [32]byte
}

// Pack is the ship.pack event: containers packed for the buyer.
type Pack struct {
	// Containers are the ref names, sorted.
	Containers []string
	// Where is the storage condition, or the conditions comma-joined in
	// container order when they differ.
	Where string
	// Label is the label id printed on the package.
	Label string
	// Time is ms on the bot clock.
	Time int64
}

// Handover is the ship.handover event: the package given to a carrier.
type Handover struct {
	Carrier, Tracking string
	// Time is ms on the bot clock.
	Time int64
}

// Run is a whole bot run as its log records it. Pack and Handover are nil
// when nothing is shipped.
type Run struct {
	Start    Start
	Warps    []Warp
	Pack     *Pack
	Handover *Handover
}

// Step is one unsigned event: what a writer appends to the run's
// eventlog (Kind, Time, Attrs as eventlog.Writer.Append takes them).
type Step struct {
	Time  int64
	Kind  string
	Attrs []eventlog.Attr
}

// FormatParams returns the canonical text of params: "key=value" lines in
// the given order, "\n"-joined ("" for none).
func FormatParams(params []protocol.Param) string {
	var b strings.Builder
	for i, p := range params {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p.Key)
		b.WriteByte('=')
		b.WriteString(p.Value)
	}
	return b.String()
}

func attr(k, v string) eventlog.Attr { return eventlog.Attr{Key: k, Value: []byte(v)} }
func num(k string, v int64) eventlog.Attr {
	return eventlog.Attr{Key: k, Value: strconv.AppendInt(nil, v, 10)}
}

// Steps returns the events of r in log order: run.start at time 0, one
// warp event per warp at its End, then ship.pack and ship.handover when
// set. It encodes what it is given; Decode refuses what is not canonical
// (unsorted params, a data warp without its hash, …).
func (r *Run) Steps() []Step {
	s := r.Start
	steps := make([]Step, 0, len(r.Warps)+3)
	steps = append(steps, Step{Time: 0, Kind: KindStart, Attrs: []eventlog.Attr{
		{Key: AttrBotSpec, Value: s.BotSpec[:]},
		{Key: AttrProtocol, Value: s.Protocol[:]},
		{Key: AttrSeed, Value: s.Seed[:]},
		num(AttrInstructions, int64(s.Instructions)),
		num(AttrWarps, int64(s.Warps)),
		attr(AttrSimulated, strconv.FormatBool(s.Simulated)),
	}})
	for i := range r.Warps {
		w := &r.Warps[i]
		as := []eventlog.Attr{
			num(AttrInstruction, int64(w.Instruction)),
			attr(AttrOp, w.Op),
			attr(AttrWarp, w.Warp),
			attr(AttrDevice, w.Device),
			attr(AttrParams, FormatParams(w.Params)),
			num(AttrStart, w.Start),
			num(AttrEnd, w.End),
			attr(AttrOutcome, w.Outcome),
		}
		if w.Dataset != "" || w.Dataref != "" {
			as = append(as, attr(AttrDataref, w.Dataref), attr(AttrDataset, w.Dataset),
				eventlog.Attr{Key: AttrSHA256, Value: bytes.Clone(w.SHA256[:])})
		}
		steps = append(steps, Step{Time: w.End, Kind: KindWarp, Attrs: as})
	}
	if p := r.Pack; p != nil {
		steps = append(steps, Step{Time: p.Time, Kind: KindPack, Attrs: []eventlog.Attr{
			attr(AttrContainers, strings.Join(p.Containers, ",")),
			attr(AttrWhere, p.Where),
			attr(AttrLabel, p.Label),
		}})
	}
	if h := r.Handover; h != nil {
		steps = append(steps, Step{Time: h.Time, Kind: KindHandover, Attrs: []eventlog.Attr{
			attr(AttrCarrier, h.Carrier),
			attr(AttrTracking, h.Tracking),
		}})
	}
	return steps
}

// AppendTo appends r's Steps to w, in order. It returns the first error of
// w.Append.
func (r *Run) AppendTo(w *eventlog.Writer) error {
	for _, s := range r.Steps() {
		if _, err := w.Append(s.Kind, s.Time, s.Attrs...); err != nil {
			return err
		}
	}
	return nil
}

// ErrSchema is matched (errors.Is) by every *SchemaError.
var ErrSchema = errors.New("event log does not follow the bot-run schema")

// SchemaError is Decode's error: event Event (its seq) breaks the schema,
// at attribute Attr ("" when the problem is with the event as a whole).
type SchemaError struct {
	Event  int
	Kind   string
	Attr   string
	Reason string
}

// Error returns "event 3 (warp): attr start: reason" or "event 3 (warp): reason".
func (e *SchemaError) Error() string {
	s := fmt.Sprintf("event %d", e.Event)
	if e.Kind != "" {
		s += " (" + e.Kind + ")"
	}
	if e.Attr != "" {
		s += ": attr " + e.Attr
	}
	return s + ": " + e.Reason
}

// Is makes every SchemaError match ErrSchema.
func (e *SchemaError) Is(target error) bool { return target == ErrSchema }

// eventReader decodes the attributes of one event, each exactly once.
type eventReader struct {
	seq  int
	ev   *eventlog.Event
	used int
	err  error
}

func (r *eventReader) fail(attr, format string, args ...any) {
	if r.err == nil {
		r.err = &SchemaError{Event: r.seq, Kind: r.ev.Kind, Attr: attr, Reason: fmt.Sprintf(format, args...)}
	}
}

func (r *eventReader) raw(k string) ([]byte, bool) {
	if r.err != nil {
		return nil, false
	}
	v, ok := r.ev.Attr(k)
	if !ok {
		r.fail(k, "missing")
		return nil, false
	}
	r.used++
	return v, true
}

func (r *eventReader) has(k string) bool {
	_, ok := r.ev.Attr(k)
	return ok
}

// name reads a non-empty text of at most MaxName bytes without line breaks.
func (r *eventReader) name(k string) string {
	v, ok := r.raw(k)
	if !ok {
		return ""
	}
	switch {
	case len(v) == 0:
		r.fail(k, "empty")
	case len(v) > MaxName:
		r.fail(k, "%d bytes, over the limit of %d", len(v), MaxName)
	case bytes.ContainsAny(v, "\r\n"):
		r.fail(k, "holds a line break")
	}
	return string(v)
}

// text reads a non-empty text bounded by the event log's value limit.
func (r *eventReader) text(k string) string {
	v, ok := r.raw(k)
	if ok && len(v) == 0 {
		r.fail(k, "empty")
	}
	return string(v)
}

// uint reads a canonical non-negative decimal at most max.
func (r *eventReader) uint(k string, max int64) int64 {
	v, ok := r.raw(k)
	if !ok {
		return 0
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	switch {
	case err != nil || len(v) == 0 || v[0] == '+' || v[0] == '-' || (len(v) > 1 && v[0] == '0'):
		r.fail(k, "%q is not a canonical non-negative decimal", clip(v))
	case n > max:
		r.fail(k, "%d, over the limit of %d", n, max)
	}
	return n
}

func (r *eventReader) hash(k string) (h [32]byte) {
	v, ok := r.raw(k)
	if ok && len(v) != 32 {
		r.fail(k, "%d bytes, want 32", len(v))
	}
	copy(h[:], v)
	return h
}

// done refuses attributes no reader asked for.
func (r *eventReader) done() {
	if r.err == nil && r.used != len(r.ev.Attrs) {
		for _, a := range r.ev.Attrs {
			if !slices.Contains(r.asked(), a.Key) {
				r.fail(a.Key, "not an attribute of %s", r.ev.Kind)
				return
			}
		}
	}
}

func (r *eventReader) asked() []string {
	switch r.ev.Kind {
	case KindStart:
		return []string{AttrBotSpec, AttrProtocol, AttrSeed, AttrInstructions, AttrWarps, AttrSimulated}
	case KindWarp:
		return []string{AttrInstruction, AttrOp, AttrWarp, AttrDevice, AttrParams, AttrStart, AttrEnd, AttrOutcome, AttrDataref, AttrDataset, AttrSHA256}
	case KindPack:
		return []string{AttrContainers, AttrWhere, AttrLabel}
	case KindHandover:
		return []string{AttrCarrier, AttrTracking}
	}
	return nil
}

// clip shortens a value quoted in an error.
func clip(v []byte) string {
	if len(v) > 32 {
		return string(v[:32]) + "…"
	}
	return string(v)
}

// ParseParams decodes the canonical text of warp parameters: "key=value"
// lines, "\n"-joined, keys non-empty, at most MaxName bytes, without '=',
// strictly increasing; at most MaxParams lines; "" is no parameters.
func ParseParams(s string) ([]protocol.Param, error) {
	if s == "" {
		return nil, nil
	}
	lines := strings.Split(s, "\n")
	if len(lines) > MaxParams {
		return nil, fmt.Errorf("%d parameters, over the limit of %d", len(lines), MaxParams)
	}
	ps := make([]protocol.Param, len(lines))
	for i, l := range lines {
		k, v, ok := strings.Cut(l, "=")
		switch {
		case !ok:
			return nil, fmt.Errorf("line %d: want key=value", i+1)
		case k == "" || len(k) > MaxName:
			return nil, fmt.Errorf("line %d: key of %d bytes, want 1 to %d", i+1, len(k), MaxName)
		case strings.IndexByte(v, '\r') >= 0:
			return nil, fmt.Errorf("line %d: holds a carriage return", i+1)
		case i > 0 && k <= ps[i-1].Key:
			return nil, fmt.Errorf("line %d: key %q after %q: keys must be sorted and unique", i+1, clip([]byte(k)), clip([]byte(ps[i-1].Key)))
		}
		ps[i] = protocol.Param{Key: k, Value: v}
	}
	return ps, nil
}

// validFileName reports whether s is a plain file name a dataset may be
// written and read under: no directories, no leading dot.
func validFileName(s string) bool {
	if s == "" || s[0] == '.' {
		return false
	}
	for _, c := range []byte(s) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_'
		if !ok {
			return false
		}
	}
	return true
}

// Decode reads the run a bot-run log records, exactly: run.start first
// (at time 0), then only warp events, then at most one ship.pack and, only
// after it, at most one ship.handover. Unknown kinds, missing or extra
// attributes, a number that is not a canonical decimal within its bounds,
// a hash that is not 32 bytes, a warp whose event time is not its end or
// whose end is before its start, params that are not canonical, a data
// warp without all of dataref, dataset and sha256 or whose dataset is not
// a plain file name, over MaxWarps warps: each is a *SchemaError
// (matching ErrSchema) naming the event's seq and the attribute.
//
// Decode does not verify signatures or the chain (eventlog.Verify) nor
// compare the run with a protocol (Check).
func Decode(l *eventlog.Log) (*Run, error) {
	if len(l.Events) == 0 {
		return nil, &SchemaError{Event: 0, Reason: "the log has no events, want run.start first"}
	}
	if len(l.Events) > MaxWarps+3 {
		return nil, &SchemaError{Event: MaxWarps + 3, Reason: fmt.Sprintf("%d events, over the limit of %d", len(l.Events), MaxWarps+3)}
	}
	run := &Run{Warps: make([]Warp, 0, len(l.Events)-1)}
	for i := range l.Events {
		ev := &l.Events[i]
		r := &eventReader{seq: i, ev: ev}
		want := ""
		switch {
		case i == 0:
			want = KindStart
		case run.Handover != nil:
			return nil, &SchemaError{Event: i, Kind: ev.Kind, Reason: "an event after ship.handover"}
		case run.Pack != nil && ev.Kind != KindHandover:
			return nil, &SchemaError{Event: i, Kind: ev.Kind, Reason: "after ship.pack only ship.handover may follow"}
		}
		if want != "" && ev.Kind != want {
			return nil, &SchemaError{Event: i, Kind: ev.Kind, Reason: "the first event must be " + want}
		}
		switch ev.Kind {
		case KindStart:
			if i != 0 {
				return nil, &SchemaError{Event: i, Kind: ev.Kind, Reason: "run.start again"}
			}
			if ev.Time != 0 {
				return nil, &SchemaError{Event: i, Kind: ev.Kind, Reason: fmt.Sprintf("time %d, want 0", ev.Time)}
			}
			s := &run.Start
			s.BotSpec = r.hash(AttrBotSpec)
			s.Protocol = r.hash(AttrProtocol)
			s.Seed = r.hash(AttrSeed)
			s.Instructions = int(r.uint(AttrInstructions, protocol.MaxInstructions))
			s.Warps = int(r.uint(AttrWarps, MaxWarps))
			switch v, _ := r.raw(AttrSimulated); string(v) {
			case "true":
				s.Simulated = true
			case "false":
			default:
				r.fail(AttrSimulated, "%q, want true or false", clip(v))
			}
		case KindWarp:
			w := Warp{
				Instruction: int(r.uint(AttrInstruction, protocol.MaxInstructions-1)),
				Op:          r.name(AttrOp),
				Warp:        r.name(AttrWarp),
				Device:      r.name(AttrDevice),
				Start:       r.uint(AttrStart, MaxMillis),
				End:         r.uint(AttrEnd, MaxMillis),
				Outcome:     r.name(AttrOutcome),
			}
			if v, ok := r.raw(AttrParams); ok {
				ps, err := ParseParams(string(v))
				if err != nil {
					r.fail(AttrParams, "%v", err)
				}
				w.Params = ps
			}
			if r.err == nil && w.End < w.Start {
				r.fail(AttrEnd, "%d ms is before start %d ms", w.End, w.Start)
			}
			if r.err == nil && ev.Time != w.End {
				r.fail("", "event time %d, want the warp's end %d", ev.Time, w.End)
			}
			if r.has(AttrDataref) || r.has(AttrDataset) || r.has(AttrSHA256) {
				w.Dataref = r.name(AttrDataref)
				w.Dataset = r.name(AttrDataset)
				w.SHA256 = r.hash(AttrSHA256)
				if r.err == nil && !validFileName(w.Dataset) {
					r.fail(AttrDataset, "%q is not a plain file name (letters, digits, '.', '-', '_'; no leading dot)", clip([]byte(w.Dataset)))
				}
			}
			if r.err == nil && len(run.Warps) == MaxWarps {
				r.fail("", "over the limit of %d warps", MaxWarps)
			}
			run.Warps = append(run.Warps, w)
		case KindPack, KindHandover:
			if ev.Time < 0 || ev.Time > MaxMillis {
				return nil, &SchemaError{Event: i, Kind: ev.Kind, Reason: fmt.Sprintf("time %d, want 0 to %d ms", ev.Time, int64(MaxMillis))}
			}
		}
		switch ev.Kind {
		case KindStart, KindWarp:
		case KindPack:
			p := &Pack{Where: r.text(AttrWhere), Label: r.name(AttrLabel), Time: ev.Time}
			if v := r.text(AttrContainers); r.err == nil {
				p.Containers = strings.Split(v, ",")
				for k, c := range p.Containers {
					if c == "" || (k > 0 && c <= p.Containers[k-1]) {
						r.fail(AttrContainers, "want non-empty names, sorted and unique, comma-joined")
						break
					}
				}
			}
			run.Pack = p
		case KindHandover:
			if run.Pack == nil {
				return nil, &SchemaError{Event: i, Kind: ev.Kind, Reason: "ship.handover without ship.pack before it"}
			}
			run.Handover = &Handover{Carrier: r.name(AttrCarrier), Tracking: r.name(AttrTracking), Time: ev.Time}
		default:
			return nil, &SchemaError{Event: i, Kind: ev.Kind, Reason: fmt.Sprintf("unknown kind %q (%s, %s, %s, %s)", clip([]byte(ev.Kind)), KindStart, KindWarp, KindPack, KindHandover)}
		}
		r.done()
		if r.err != nil {
			return nil, r.err
		}
	}
	return run, nil
}

// PackWhere returns the where attribute of ship.pack for containers stored
// at wheres (in container order): the one condition when all agree, else
// all of them comma-joined.
func PackWhere(wheres []string) string {
	if len(wheres) == 0 {
		return ""
	}
	for _, w := range wheres[1:] {
		if w != wheres[0] {
			return strings.Join(wheres, ",")
		}
	}
	return wheres[0]
}

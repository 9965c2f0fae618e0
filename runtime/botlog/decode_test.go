package botlog

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/runtime/eventlog"
)

// writeSteps signs steps as a log (any kinds and attributes the event log
// accepts).
func (f *fixture) writeSteps(t testing.TB, steps []Step) *eventlog.Log {
	t.Helper()
	w := eventlog.New(f.key, []byte("order-1"))
	for _, s := range steps {
		if _, err := w.Append(s.Kind, s.Time, s.Attrs...); err != nil {
			t.Fatal(err)
		}
	}
	return w.Log()
}

func setAttr(s *Step, k, v string) {
	for i := range s.Attrs {
		if s.Attrs[i].Key == k {
			s.Attrs[i].Value = []byte(v)
			return
		}
	}
	s.Attrs = append(s.Attrs, eventlog.Attr{Key: k, Value: []byte(v)})
}

func delAttr(s *Step, k string) {
	s.Attrs = slices.DeleteFunc(s.Attrs, func(a eventlog.Attr) bool { return a.Key == k })
}

func TestDecodeRoundTrip(t *testing.T) {
	f := lambdaDigest(t)
	r, _ := f.honest()
	got, err := Decode(f.sign(t, r))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, r) {
		t.Errorf("Decode(Steps) differs:\n got %+v\nwant %+v", got, r)
	}
	// A run that ships nothing.
	r.Pack, r.Handover = nil, nil
	if got, err = Decode(f.sign(t, r)); err != nil || !reflect.DeepEqual(got, r) {
		t.Errorf("without shipment: %v", err)
	}
}

func TestDecodeRefuses(t *testing.T) {
	f := lambdaDigest(t)
	tests := []struct {
		name string
		edit func(ss []Step) []Step
		want string
	}{
		{"no events", func(ss []Step) []Step { return nil }, "event 0: the log has no events"},
		{"warp first", func(ss []Step) []Step { return ss[1:] }, "event 0 (warp): the first event must be run.start"},
		{"start not at 0", func(ss []Step) []Step { ss[0].Time = 5; return ss }, "event 0 (run.start): time 5, want 0"},
		{"start twice", func(ss []Step) []Step { return slices.Insert(ss, 1, ss[0]) }, "event 1 (run.start): run.start again"},
		{"unknown kind", func(ss []Step) []Step { ss[3].Kind = "warp.extra"; return ss }, `event 3 (warp.extra): unknown kind "warp.extra"`},
		{"missing attribute", func(ss []Step) []Step { delAttr(&ss[2], AttrDevice); return ss }, "event 2 (warp): attr device: missing"},
		{"extra attribute", func(ss []Step) []Step { setAttr(&ss[2], "operator", "bob"); return ss }, "event 2 (warp): attr operator: not an attribute of warp"},
		{"extra start attribute", func(ss []Step) []Step { setAttr(&ss[0], "clock", "x"); return ss }, "event 0 (run.start): attr clock: not an attribute of run.start"},
		{"leading zero", func(ss []Step) []Step { setAttr(&ss[1], AttrStart, "00"); return ss }, `event 1 (warp): attr start: "00" is not a canonical non-negative decimal`},
		{"negative", func(ss []Step) []Step { setAttr(&ss[1], AttrInstruction, "-1"); return ss }, `attr instruction: "-1" is not a canonical`},
		{"plus sign", func(ss []Step) []Step { setAttr(&ss[0], AttrWarps, "+16"); return ss }, `event 0 (run.start): attr warps: "+16" is not a canonical`},
		{"not a number", func(ss []Step) []Step { setAttr(&ss[1], AttrEnd, "6 s"); return ss }, `event 1 (warp): attr end: "6 s" is not a canonical`},
		{"too large", func(ss []Step) []Step { setAttr(&ss[1], AttrEnd, "99999999999999999999"); return ss }, `attr end: "99999999999999999999" is not a canonical`},
		{"over the clock bound", func(ss []Step) []Step { setAttr(&ss[1], AttrEnd, strconv.Itoa(MaxMillis+1)); return ss }, "attr end: 31536000001, over the limit of 31536000000"},
		{"instruction out of range", func(ss []Step) []Step { setAttr(&ss[1], AttrInstruction, "10000"); return ss }, "attr instruction: 10000, over the limit of 9999"},
		{"short hash", func(ss []Step) []Step { setAttr(&ss[0], AttrSeed, "abc"); return ss }, "event 0 (run.start): attr seed: 3 bytes, want 32"},
		{"simulated yes", func(ss []Step) []Step { setAttr(&ss[0], AttrSimulated, "yes"); return ss }, `attr simulated: "yes", want true or false`},
		{"unsorted params", func(ss []Step) []Step {
			setAttr(&ss[1], AttrParams, "well=digest/A1\nresource=water\nvolume_nl=10000")
			return ss
		},
			`event 1 (warp): attr params: line 2: key "resource" after "well": keys must be sorted and unique`},
		{"duplicate param", func(ss []Step) []Step { setAttr(&ss[1], AttrParams, "a=1\na=2"); return ss }, `line 2: key "a" after "a"`},
		{"param without =", func(ss []Step) []Step { setAttr(&ss[1], AttrParams, "resource"); return ss }, "attr params: line 1: want key=value"},
		{"too many params", func(ss []Step) []Step {
			var b []string
			for i := range MaxParams + 1 {
				b = append(b, "k"+strconv.Itoa(1000+i)+"=v")
			}
			setAttr(&ss[1], AttrParams, strings.Join(b, "\n"))
			return ss
		}, "attr params: 65 parameters, over the limit of 64"},
		{"end before start", func(ss []Step) []Step { setAttr(&ss[2], AttrStart, "999999"); return ss }, "event 2 (warp): attr end: 12000 ms is before start 999999 ms"},
		{"event time not the end", func(ss []Step) []Step { ss[2].Time++; return ss }, "event 2 (warp): event time 12001, want the warp's end 12000"},
		{"dataset without hash", func(ss []Step) []Step { delAttr(&ss[len(ss)-3], AttrSHA256); return ss }, "event 16 (warp): attr sha256: missing"},
		{"hash without dataset", func(ss []Step) []Step { setAttr(&ss[1], AttrSHA256, strings.Repeat("x", 32)); return ss }, "event 1 (warp): attr dataref: missing"},
		{"dataset path", func(ss []Step) []Step { setAttr(&ss[len(ss)-3], AttrDataset, "../gel.json"); return ss }, `attr dataset: "../gel.json" is not a plain file name`},
		{"empty outcome", func(ss []Step) []Step { setAttr(&ss[1], AttrOutcome, ""); return ss }, "event 1 (warp): attr outcome: empty"},
		{"line break in a name", func(ss []Step) []Step { setAttr(&ss[1], AttrDevice, "lh1\nlh2"); return ss }, "attr device: holds a line break"},
		{"long name", func(ss []Step) []Step { setAttr(&ss[1], AttrOp, strings.Repeat("p", MaxName+1)); return ss }, "attr op: 257 bytes, over the limit of 256"},
		{"warp after pack", func(ss []Step) []Step { return append(ss[:len(ss)-1], ss[1]) }, "event 18 (warp): after ship.pack only ship.handover may follow"},
		{"handover without pack", func(ss []Step) []Step { return append(ss[:len(ss)-2], ss[len(ss)-1]) }, "event 17 (ship.handover): ship.handover without ship.pack before it"},
		{"event after handover", func(ss []Step) []Step { return append(ss, ss[len(ss)-1]) }, "event 19 (ship.handover): an event after ship.handover"},
		{"unsorted containers", func(ss []Step) []Step { setAttr(&ss[len(ss)-2], AttrContainers, "digest,a"); return ss }, "attr containers: want non-empty names, sorted and unique"},
		{"negative pack time", func(ss []Step) []Step { ss[len(ss)-2].Time = -1; return ss }, "event 17 (ship.pack): time -1, want 0 to"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := f.honest()
			l := f.writeSteps(t, tt.edit(r.Steps()))
			_, err := Decode(l)
			var se *SchemaError
			if !errors.As(err, &se) || !errors.Is(err, ErrSchema) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Decode = %v\nwant a *SchemaError containing %q", err, tt.want)
			}
		})
	}
}

// quoteLog renders a log's events in the fuzz corpus format: per event a
// line "KIND TIME", then one line "KEY QUOTED-VALUE" per attribute, then a
// blank line.
func quoteLog(l *eventlog.Log) []byte {
	var b bytes.Buffer
	for _, e := range l.Events {
		b.WriteString(e.Kind + " " + strconv.FormatInt(e.Time, 10) + "\n")
		for _, a := range e.Attrs {
			b.WriteString(a.Key + " " + strconv.Quote(string(a.Value)) + "\n")
		}
		b.WriteString("\n")
	}
	return b.Bytes()
}

// unquoteLog is quoteLog's inverse; ok is false for text it cannot read.
func unquoteLog(data []byte) (l *eventlog.Log, ok bool) {
	l = &eventlog.Log{}
	for _, block := range strings.Split(string(data), "\n\n") {
		if block == "" {
			continue
		}
		lines := strings.Split(strings.TrimSuffix(block, "\n"), "\n")
		kind, ts, ok := strings.Cut(lines[0], " ")
		if !ok {
			return nil, false
		}
		tm, err := strconv.ParseInt(ts, 10, 64)
		if err != nil {
			return nil, false
		}
		e := eventlog.Event{Seq: uint64(len(l.Events)), Kind: kind, Time: tm}
		for _, line := range lines[1:] {
			k, q, ok := strings.Cut(line, " ")
			v, err := strconv.Unquote(q)
			if !ok || err != nil {
				return nil, false
			}
			e.Attrs = append(e.Attrs, eventlog.Attr{Key: k, Value: []byte(v)})
		}
		slices.SortFunc(e.Attrs, func(a, b eventlog.Attr) int { return strings.Compare(a.Key, b.Key) })
		for i := 1; i < len(e.Attrs); i++ {
			if e.Attrs[i].Key == e.Attrs[i-1].Key {
				return nil, false // the event log refuses duplicate keys
			}
		}
		l.Events = append(l.Events, e)
	}
	return l, true
}

// FuzzDecode: Decode never panics, and a run it accepts writes back to the
// same events (Steps), so the schema has one encoding per run. Seeded from
// the λ digest's honest log.
func FuzzDecode(f *testing.F) {
	fx := lambdaDigest(f)
	r, _ := fx.honest()
	f.Add(quoteLog(fx.sign(f, r)))
	r.Pack, r.Handover = nil, nil
	r.Warps = r.Warps[:3]
	f.Add(quoteLog(fx.sign(f, r)))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, ok := unquoteLog(data)
		if !ok {
			return
		}
		run, err := Decode(l)
		if err != nil {
			if !errors.Is(err, ErrSchema) {
				t.Fatalf("error %v does not match ErrSchema", err)
			}
			return
		}
		steps := run.Steps()
		if len(steps) != len(l.Events) {
			t.Fatalf("%d steps from %d events", len(steps), len(l.Events))
		}
		for i, s := range steps {
			e := l.Events[i]
			slices.SortFunc(s.Attrs, func(a, b eventlog.Attr) int { return strings.Compare(a.Key, b.Key) })
			if s.Kind != e.Kind || s.Time != e.Time || !reflect.DeepEqual(s.Attrs, e.Attrs) {
				t.Fatalf("event %d: re-encoded as %+v, was %+v", i, s, e)
			}
		}
	})
}

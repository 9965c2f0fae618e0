package eventlog_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"slices"
	"testing"

	"github.com/celltonomy/celltonomy/runtime/eventlog"
)

var goldenPub = testKey(1).Public().(ed25519.PublicKey)

// cloneLog deep-copies l so that a test can tamper with it.
func cloneLog(l *eventlog.Log) *eventlog.Log {
	c := &eventlog.Log{NodeKey: slices.Clone(l.NodeKey), ID: slices.Clone(l.ID)}
	for _, e := range l.Events {
		e.Attrs = slices.Clone(e.Attrs)
		for i := range e.Attrs {
			e.Attrs[i].Value = slices.Clone(e.Attrs[i].Value)
		}
		e.Sig = slices.Clone(e.Sig)
		c.Events = append(c.Events, e)
	}
	return c
}

// fork returns the golden log with its last event replaced by another one,
// properly signed by the same node.
func fork(t *testing.T) *eventlog.Log {
	w := eventlog.New(testKey(1), goldenID)
	for _, g := range golden[:2] {
		if _, err := w.Append(g.kind, g.time, g.attrs...); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Append("exit", 105, eventlog.Attr{Key: "code", Value: []byte{1}}); err != nil {
		t.Fatal(err)
	}
	return w.Log()
}

func TestVerifyTamper(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(l *eventlog.Log)
		pub    ed25519.PublicKey
		want   string
	}{
		{"attribute value", func(l *eventlog.Log) { l.Events[2].Attrs[0].Value[0] = 1 }, nil,
			"event 2: hash does not match the event's contents"},
		{"attribute added", func(l *eventlog.Log) {
			l.Events[1].Attrs = []eventlog.Attr{{Key: "extra"}}
		}, nil, "event 1: hash does not match the event's contents"},
		{"attributes unsorted", func(l *eventlog.Log) {
			l.Events[2].Attrs[0], l.Events[2].Attrs[1] = l.Events[2].Attrs[1], l.Events[2].Attrs[0]
		}, nil, "event 2: attribute \"code\": invalid event: keys not in increasing order"},
		{"kind", func(l *eventlog.Log) { l.Events[1].Kind = "run_stopped" }, nil,
			"event 1: hash does not match the event's contents"},
		{"time", func(l *eventlog.Log) { l.Events[0].Time++ }, nil,
			"event 0: hash does not match the event's contents"},
		{"hash replaced", func(l *eventlog.Log) {
			// The Hash field claims another, properly signed event.
			f := fork(t)
			l.Events[2].Hash = f.Events[2].Hash
			l.Events[2].Sig = f.Events[2].Sig
		}, nil, "event 2: hash does not match the event's contents"},
		{"reorder", func(l *eventlog.Log) { l.Events[1], l.Events[2] = l.Events[2], l.Events[1] }, nil,
			"event 1: seq is 2, want 1"},
		{"drop", func(l *eventlog.Log) { l.Events = slices.Delete(l.Events, 1, 2) }, nil,
			"event 1: seq is 2, want 1"},
		{"drop first", func(l *eventlog.Log) { l.Events = l.Events[1:] }, nil,
			"event 0: seq is 1, want 0"},
		{"insert", func(l *eventlog.Log) {
			l.Events = slices.Insert(l.Events, 2, fork(t).Events[2])
		}, nil, "event 3: seq is 2, want 3"},
		{"insert renumbered", func(l *eventlog.Log) {
			l.Events = slices.Insert(l.Events, 2, fork(t).Events[2])
			l.Events[3].Seq = 3
		}, nil, "event 3: prev does not match the hash of event 2"},
		{"prev", func(l *eventlog.Log) { l.Events[2].Prev[0] ^= 1 }, nil,
			"event 2: prev does not match the hash of event 1"},
		{"first prev", func(l *eventlog.Log) { l.Events[0].Prev[31] = 1 }, nil,
			"event 0: prev of the first event is not zero"},
		{"signature", func(l *eventlog.Log) { l.Events[1].Sig[5] ^= 0x80 }, nil,
			"event 1: signature does not verify under the node key"},
		{"signature missing", func(l *eventlog.Log) { l.Events[0].Sig = nil }, nil,
			"event 0: signature does not verify under the node key"},
		{"last signature", func(l *eventlog.Log) { l.Events[2].Sig[0] ^= 1 }, nil,
			"event 2: signature does not verify under the node key"},
		{"wrong expected key", func(*eventlog.Log) {}, testKey(2).Public().(ed25519.PublicKey),
			"event log: signed by node key 8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c, want 8139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b394"},
		{"key swapped", func(l *eventlog.Log) { l.NodeKey = testKey(2).Public().(ed25519.PublicKey) },
			testKey(2).Public().(ed25519.PublicKey), "event 0: hash does not match the event's contents"},
		{"log ID", func(l *eventlog.Log) { l.ID = []byte("order-8/node-a") }, nil,
			"event 0: hash does not match the event's contents"},
		{"empty log ID", func(l *eventlog.Log) { l.ID = nil }, nil,
			"event log: log ID of 0 bytes: invalid event: must be 1 to 256 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := cloneLog(writeGolden(t).Log())
			tt.tamper(l)
			pub := tt.pub
			if pub == nil {
				pub = goldenPub
			}
			err := eventlog.Verify(l, pub)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("error %v\nwant %s", err, tt.want)
			}
			var ve *eventlog.VerifyError
			if !errors.As(err, &ve) || !errors.Is(err, eventlog.ErrInvalidLog) {
				t.Fatalf("error %T does not match VerifyError and ErrInvalidLog", err)
			}
			// VerifyChain finds the same fault, but for the signature of an
			// event before the last, whose contents the chain and the last
			// signature still authenticate.
			err = eventlog.VerifyChain(l, pub)
			if tt.name == "signature" || tt.name == "signature missing" {
				if err != nil {
					t.Fatalf("VerifyChain: %v, want nil", err)
				}
			} else if err == nil || err.Error() != tt.want {
				t.Fatalf("VerifyChain: %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestVerifyHead(t *testing.T) {
	w := writeGolden(t)
	if err := eventlog.VerifyHead(w.Log(), w.Head()); err != nil {
		t.Fatal(err)
	}
	// Dropping the last event leaves a valid chain: only the head shows it.
	short := cloneLog(w.Log())
	short.Events = short.Events[:2]
	if err := eventlog.Verify(short, goldenPub); err != nil {
		t.Fatal(err)
	}
	err := eventlog.VerifyHead(short, w.Head())
	if !errors.Is(err, eventlog.ErrInvalidLog) {
		t.Fatalf("VerifyHead of a shortened log: %v", err)
	}
	// VerifyHead does not trust the Hash field.
	forged := cloneLog(w.Log())
	forged.Events[2].Time = 0
	if err := eventlog.VerifyHead(forged, w.Head()); err == nil {
		t.Fatal("VerifyHead trusted a stale Hash field")
	}
}

// recordOffsets returns the offsets of the bodies of the events in a stored log.
func recordOffsets(t *testing.T, data []byte) (bodies []int) {
	off := len(eventlog.Domain) + 1 + 32
	off += 2 + int(binary.BigEndian.Uint16(data[off:]))
	for off < len(data) {
		n := int(binary.BigEndian.Uint32(data[off:]))
		bodies = append(bodies, off+4)
		off += 4 + n + 64
	}
	if off != len(data) {
		t.Fatal("bad framing in test data")
	}
	return bodies
}

func TestReadTamper(t *testing.T) {
	data := storedBytes(t, writeGolden(t).Log())
	bodies := recordOffsets(t, data)
	tests := []struct {
		name    string
		tamper  func(b []byte) []byte
		want    string
		malform bool
	}{
		{"attribute value", func(b []byte) []byte { b[len(b)-64-1] ^= 1; return b },
			"event 2: signature does not verify under the node key", false},
		{"time", func(b []byte) []byte { b[bodies[1]+8+32] = 0x7f; return b },
			"event 1: signature does not verify under the node key", false},
		{"prev", func(b []byte) []byte { b[bodies[2]+8] ^= 1; return b },
			"event 2: prev does not match the hash of event 1", false},
		{"seq", func(b []byte) []byte { b[bodies[0]+7] = 1; return b },
			"event 0: seq is 1, want 0", false},
		{"node key", func(b []byte) []byte {
			copy(b[len(eventlog.Domain)+1:], testKey(2).Public().(ed25519.PublicKey))
			return b
		}, "event 0: signature does not verify under the node key", false},
		{"domain", func(b []byte) []byte { b[0] = 'C'; return b }, "header does not begin with", true},
		{"drop middle", func(b []byte) []byte { return append(b[:bodies[1]-4:bodies[1]-4], b[bodies[2]-4:]...) },
			"event 1: seq is 2, want 1", false},
		{"swap", func(b []byte) []byte {
			out := slices.Clone(b[:bodies[1]-4])
			out = append(out, b[bodies[2]-4:]...)
			return append(out, b[bodies[1]-4:bodies[2]-4]...)
		}, "event 1: seq is 2, want 1", false},
		{"trailing byte", func(b []byte) []byte { return append(b, 0) }, "event 3: truncated", true},
		{"truncated", func(b []byte) []byte { return b[:len(b)-1] }, "event 2: truncated", true},
		{"body length", func(b []byte) []byte { b[bodies[1]-1]++; return b }, "event 1:", true},
		{"bad kind", func(b []byte) []byte { b[bodies[1]+8+32+8+1] = 'R'; return b },
			"event 1: kind: name \"Run_started\"", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := eventlog.Read(bytes.NewReader(tt.tamper(slices.Clone(data))))
			if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tt.want)) {
				t.Fatalf("error %v\nwant it to contain %q", err, tt.want)
			}
			if tt.malform != errors.Is(err, eventlog.ErrMalformed) {
				t.Fatalf("errors.Is(%v, ErrMalformed) = %v", err, !tt.malform)
			}
			if !tt.malform && (err.Error() != tt.want || !errors.Is(err, eventlog.ErrInvalidLog)) {
				t.Fatalf("error %v, want exactly %q matching ErrInvalidLog", err, tt.want)
			}
		})
	}
}

// TestReadTruncated cuts the stored log at every length: each cut is
// rejected, except a cut between events, which leaves a valid shorter log
// that only the head exposes.
func TestReadTruncated(t *testing.T) {
	w := writeGolden(t)
	data := storedBytes(t, w.Log())
	bodies := recordOffsets(t, data)
	boundaries := map[int]int{} // length -> number of events
	for i, b := range bodies {
		boundaries[b-4] = i
	}
	for n := 0; n < len(data); n++ {
		l, err := eventlog.Read(bytes.NewReader(data[:n]))
		if events, ok := boundaries[n]; ok {
			if err != nil {
				t.Fatalf("cut at %d, after event %d: %v", n, events-1, err)
			}
			if len(l.Events) != events {
				t.Fatalf("cut at %d: %d events, want %d", n, len(l.Events), events)
			}
			if err := eventlog.VerifyHead(l, w.Head()); err == nil {
				t.Fatalf("cut at %d: head still verifies", n)
			}
			continue
		}
		if !errors.Is(err, eventlog.ErrMalformed) {
			t.Fatalf("cut at %d: error %v, want ErrMalformed", n, err)
		}
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestReadError(t *testing.T) {
	_, err := eventlog.Read(failingReader{})
	if err == nil || err.Error() != "read event log: disk on fire" {
		t.Fatalf("error %v", err)
	}
}

func FuzzRead(f *testing.F) {
	data := storedBytes(f, writeGolden(f).Log())
	f.Add(data)
	f.Add(data[:len(data)/2])
	f.Add(storedBytes(f, eventlog.New(testKey(1), goldenID).Log()))
	f.Add([]byte(eventlog.Domain))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := eventlog.Read(bytes.NewReader(b))
		if err != nil {
			return
		}
		if err := eventlog.Verify(l, l.NodeKey); err != nil {
			t.Fatalf("Read accepted a log that Verify rejects: %v", err)
		}
		if err := eventlog.VerifyHead(l, l.Head()); err != nil {
			t.Fatalf("Read accepted a log whose head does not verify: %v", err)
		}
		var buf bytes.Buffer
		if _, err := l.WriteTo(&buf); err != nil {
			t.Fatalf("WriteTo of an accepted log: %v", err)
		}
		if !bytes.Equal(buf.Bytes(), b) {
			t.Fatal("Read accepted a non-canonical encoding")
		}
	})
}

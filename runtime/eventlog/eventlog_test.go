package eventlog_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/runtime/eventlog"
)

// testKey returns the ed25519 key whose seed is 32 bytes of b.
func testKey(b byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{b}, ed25519.SeedSize))
}

var goldenID = []byte("order-7/node-a")

// goldenEvent is one event of the golden log, as passed to Append.
type goldenEvent struct {
	kind  string
	time  int64
	attrs []eventlog.Attr
}

// golden is the fixed log whose stored form and head are pinned below.
// Attributes are deliberately out of order.
var golden = []goldenEvent{
	{"inputs_verified", 100, []eventlog.Attr{{Key: "input_root", Value: bytes.Repeat([]byte{0x11}, 4)}}},
	{"run_started", -1, nil},
	{"exit", 105, []eventlog.Attr{{Key: "stdout", Value: []byte("ok")}, {Key: "code", Value: []byte{0}}}},
}

// goldenStored is the version 1 stored form of golden signed by testKey(1),
// and goldenHead its head. They must never change: every node and every
// verifier has to agree on them.
const (
	goldenStored = "63656c6c746f6e6f6d792f6576656e746c6f672f763100" + // domain ‖ 0x00
		"8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c" + // node public key
		"000e" + "6f726465722d372f6e6f64652d61" + // log ID
		"00000054" + // event 0: u32be(len(body))
		"0000000000000000" + "0000000000000000000000000000000000000000000000000000000000000000" + "0000000000000064" + // seq ‖ prev ‖ time
		"0f" + "696e707574735f7665726966696564" + // kind
		"01" + "0a" + "696e7075745f726f6f74" + "00000004" + "11111111" + // attributes
		"a68b438346a1b3b9dd63f2821e45f18b34663f64313c2aecba1309366556ee44" + // signature
		"6b182fdf0aefeab93b40a64817b70b3619993248df4a5e2cd40b6569988c380f" +
		"0000003d" + // event 1
		"0000000000000001" + "dbdc01ac4f8c5c202d1d2b421e26defa62eb2bb9a2ff47dfc773bf59c7d77c55" + "ffffffffffffffff" +
		"0b" + "72756e5f73746172746564" +
		"00" +
		"31f4f8209762c45ab91e16c2f78ff8b50c293675e115af412497a19782d58126" +
		"9748adb502383269fa13cfc6a2e6a8202520f057f91b5e087ec6513539864a06" +
		"0000004d" + // event 2
		"0000000000000002" + "aaa66488e601006a0d99bfb091a43b0bd1708d724ab1f8781759db0fc85314ae" + "0000000000000069" +
		"04" + "65786974" +
		"02" + "04" + "636f6465" + "00000001" + "00" + "06" + "7374646f7574" + "00000002" + "6f6b" +
		"9ce42c86f405141e187ed3b8d9e83e4a91ad3bc5987cd1f8953b909ff295a521" +
		"9c2c982dba2356c7ea62770442862936d22746329dc3003829cc069598993c0f"
	goldenHead = "ff9f518e21bbb1114f1d3a999eb021e739c5dbfcc568d39316620497c3a577b2"
)

func writeGolden(t testing.TB) *eventlog.Writer {
	t.Helper()
	w := eventlog.New(testKey(1), goldenID)
	for _, g := range golden {
		if _, err := w.Append(g.kind, g.time, g.attrs...); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func storedBytes(t testing.TB, l *eventlog.Log) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := l.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// referenceStored builds the stored form of golden byte by byte from the
// package documentation, without the package.
func referenceStored(key ed25519.PrivateKey) (stored []byte, head [32]byte) {
	pub := key.Public().(ed25519.PublicKey)
	var hdr []byte
	hdr = append(hdr, "celltonomy/eventlog/v1"...)
	hdr = append(hdr, 0)
	hdr = append(hdr, pub...)
	hdr = append(hdr, 0, byte(len(goldenID)))
	hdr = append(hdr, goldenID...)
	stored = append(stored, hdr...)

	u64 := func(b []byte, v uint64) []byte { return binary.BigEndian.AppendUint64(b, v) }
	var prev [32]byte
	for i := range 3 {
		var b []byte
		switch i {
		case 0:
			b = u64(nil, 0)
			b = append(b, prev[:]...)
			b = u64(b, 100)
			b = append(b, 15)
			b = append(b, "inputs_verified"...)
			b = append(b, 1)
			b = append(b, 10)
			b = append(b, "input_root"...)
			b = append(b, 0, 0, 0, 4, 0x11, 0x11, 0x11, 0x11)
		case 1:
			b = u64(nil, 1)
			b = append(b, prev[:]...)
			b = append(b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff) // time -1
			b = append(b, 11)
			b = append(b, "run_started"...)
			b = append(b, 0)
		case 2:
			b = u64(nil, 2)
			b = append(b, prev[:]...)
			b = u64(b, 105)
			b = append(b, 4)
			b = append(b, "exit"...)
			b = append(b, 2)
			b = append(b, 4)
			b = append(b, "code"...)
			b = append(b, 0, 0, 0, 1, 0)
			b = append(b, 6)
			b = append(b, "stdout"...)
			b = append(b, 0, 0, 0, 2, 'o', 'k')
		}
		h := sha256.Sum256(append(bytes.Clone(hdr), b...))
		sig := ed25519.Sign(key, h[:])
		stored = binary.BigEndian.AppendUint32(stored, uint32(len(b)))
		stored = append(stored, b...)
		stored = append(stored, sig...)
		prev = h
	}
	return stored, prev
}

func TestGolden(t *testing.T) {
	w := writeGolden(t)
	got := storedBytes(t, w.Log())
	ref, refHead := referenceStored(testKey(1))
	if !bytes.Equal(got, ref) {
		t.Fatalf("stored form differs from the reference computation:\n got %x\nwant %x", got, ref)
	}
	if w.Head() != refHead {
		t.Fatalf("head %x, reference %x", w.Head(), refHead)
	}
	if h := hex.EncodeToString(got); h != goldenStored {
		t.Errorf("stored form changed:\n got %s\nwant %s", h, goldenStored)
	}
	if h := w.Head(); hex.EncodeToString(h[:]) != goldenHead {
		t.Errorf("head changed: got %x, want %s", h, goldenHead)
	}
}

func TestRoundTrip(t *testing.T) {
	w := writeGolden(t)
	data := storedBytes(t, w.Log())
	l, err := eventlog.Read(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(l, w.Log()) {
		t.Fatalf("read back\n%+v\nwant\n%+v", l, w.Log())
	}
	if err := eventlog.Verify(l, testKey(1).Public().(ed25519.PublicKey)); err != nil {
		t.Fatal(err)
	}
	if err := eventlog.VerifyHead(l, w.Head()); err != nil {
		t.Fatal(err)
	}
	if again := storedBytes(t, l); !bytes.Equal(again, data) {
		t.Fatal("stored form changed after a round trip")
	}
	if v, ok := l.Events[2].Attr("code"); !ok || !bytes.Equal(v, []byte{0}) {
		t.Errorf("Attr(code) = %x, %v", v, ok)
	}
	if _, ok := l.Events[2].Attr("missing"); ok {
		t.Error("Attr(missing) found")
	}
}

func TestEmptyLog(t *testing.T) {
	w := eventlog.New(testKey(1), goldenID)
	if w.Head() != [32]byte{} {
		t.Fatal("head of an empty log is not zero")
	}
	l, err := eventlog.Read(bytes.NewReader(storedBytes(t, w.Log())))
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Events) != 0 {
		t.Fatalf("%d events", len(l.Events))
	}
	if err := eventlog.VerifyHead(l, [32]byte{}); err != nil {
		t.Fatal(err)
	}
}

func TestDeterminism(t *testing.T) {
	a, b := writeGolden(t), writeGolden(t)
	if !bytes.Equal(storedBytes(t, a.Log()), storedBytes(t, b.Log())) || a.Head() != b.Head() {
		t.Fatal("two writers with the same inputs produced different logs")
	}
	// Another log ID or key gives other hashes from the first event on.
	for name, w := range map[string]*eventlog.Writer{
		"id":  eventlog.New(testKey(1), []byte("order-8/node-a")),
		"key": eventlog.New(testKey(2), goldenID),
	} {
		e, _ := w.Append(golden[0].kind, golden[0].time, golden[0].attrs...)
		if e.Hash == a.Events()[0].Hash {
			t.Errorf("%s: same first hash in another log", name)
		}
	}
}

func TestAttributeOrder(t *testing.T) {
	attrs := []eventlog.Attr{
		{Key: "b", Value: []byte("2")},
		{Key: "a", Value: []byte("1")},
		{Key: "c.d", Value: nil},
		{Key: "c-d", Value: []byte{}},
	}
	perms := [][]int{{0, 1, 2, 3}, {3, 2, 1, 0}, {1, 3, 0, 2}}
	var hashes [][32]byte
	for _, p := range perms {
		in := make([]eventlog.Attr, len(p))
		for i, j := range p {
			in[i] = attrs[j]
		}
		w := eventlog.New(testKey(1), goldenID)
		e, err := w.Append("exit", 1, in...)
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, e.Hash)
		if in[0].Key != attrs[p[0]].Key {
			t.Fatal("Append reordered the caller's slice")
		}
	}
	for _, h := range hashes[1:] {
		if h != hashes[0] {
			t.Fatal("the hash depends on the order the attributes were given in")
		}
	}
}

func TestAppendCopiesValues(t *testing.T) {
	w := eventlog.New(testKey(1), goldenID)
	v := []byte("abc")
	if _, err := w.Append("exit", 0, eventlog.Attr{Key: "code", Value: v}); err != nil {
		t.Fatal(err)
	}
	v[0] = 'X'
	if err := eventlog.Verify(w.Log(), testKey(1).Public().(ed25519.PublicKey)); err != nil {
		t.Fatalf("changing the caller's value changed the log: %v", err)
	}
}

func TestAppendErrors(t *testing.T) {
	long := strings.Repeat("a", eventlog.MaxNameLen+1)
	many := make([]eventlog.Attr, eventlog.MaxAttrs+1)
	for i := range many {
		many[i].Key = "k" + strings.Repeat("x", i)
	}
	tests := []struct {
		name  string
		kind  string
		attrs []eventlog.Attr
		want  string
	}{
		{"empty kind", "", nil, "kind: name of 0 bytes"},
		{"long kind", long, nil, "kind: name of 65 bytes"},
		{"upper case", "Exit", nil, "must begin with a lowercase letter"},
		{"digit first", "1exit", nil, "must begin with a lowercase letter"},
		{"space", "run started", nil, "byte 0x20"},
		{"non-ASCII", "exité", nil, "byte 0xc3"},
		{"bad key", "exit", []eventlog.Attr{{Key: "a/b"}}, "attribute key: name \"a/b\""},
		{"empty key", "exit", []eventlog.Attr{{Key: ""}}, "attribute key: name of 0 bytes"},
		{"duplicate key", "exit", []eventlog.Attr{{Key: "a"}, {Key: "b"}, {Key: "a"}}, "attribute \"a\": invalid event: duplicate key"},
		{"long value", "exit", []eventlog.Attr{{Key: "a", Value: make([]byte, eventlog.MaxValueLen+1)}}, "value of 16385 bytes"},
		{"too many", "exit", many, "65 attributes, at most 64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := eventlog.New(testKey(1), goldenID)
			_, err := w.Append(tt.kind, 0, tt.attrs...)
			if !errors.Is(err, eventlog.ErrInvalidEvent) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want ErrInvalidEvent containing %q", err, tt.want)
			}
			if len(w.Events()) != 0 || w.Head() != [32]byte{} {
				t.Fatal("a rejected event changed the log")
			}
		})
	}
	w := eventlog.New(testKey(1), goldenID)
	if _, err := w.Append("exit", 0, eventlog.Attr{Key: "a", Value: make([]byte, eventlog.MaxValueLen)}); err != nil {
		t.Fatalf("value of MaxValueLen bytes: %v", err)
	}
}

func TestAppendTooLarge(t *testing.T) {
	w := eventlog.New(testKey(1), goldenID)
	attrs := make([]eventlog.Attr, eventlog.MaxAttrs)
	for i := range attrs {
		attrs[i] = eventlog.Attr{Key: "k" + strings.Repeat("x", i), Value: make([]byte, eventlog.MaxValueLen)}
	}
	var err error
	for n := 0; err == nil; n++ {
		if n > eventlog.MaxLogSize/eventlog.MaxValueLen {
			t.Fatal("the log grew past MaxLogSize")
		}
		_, err = w.Append("bot.dispense", int64(n), attrs...)
	}
	if !errors.Is(err, eventlog.ErrTooLarge) {
		t.Fatalf("error %v, want ErrTooLarge", err)
	}
	data := storedBytes(t, w.Log())
	if len(data) > eventlog.MaxLogSize {
		t.Fatalf("stored log of %d bytes", len(data))
	}
	if _, err := eventlog.Read(bytes.NewReader(data)); err != nil {
		t.Fatalf("Read of the largest log: %v", err)
	}
	if _, err := eventlog.Read(bytes.NewReader(append(data, make([]byte, eventlog.MaxLogSize)...))); !errors.Is(err, eventlog.ErrMalformed) || !strings.Contains(err.Error(), "longer than") {
		t.Fatalf("Read of an oversized log: %v", err)
	}
}

func TestNewPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"short key": func() { eventlog.New(testKey(1)[:32], goldenID) },
		"empty ID":  func() { eventlog.New(testKey(1), nil) },
		"long ID":   func() { eventlog.New(testKey(1), make([]byte, eventlog.MaxIDLen+1)) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: New did not panic", name)
				}
			}()
			f()
		}()
	}
}

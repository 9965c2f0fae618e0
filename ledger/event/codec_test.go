package event

import (
	"errors"
	"math/big"
	"reflect"
	"strings"
	"testing"
)

type textID [2]byte

func (t textID) MarshalText() ([]byte, error) { return []byte{'#', '0' + t[0], '0' + t[1]}, nil }

func (t *textID) UnmarshalText(b []byte) error {
	if len(b) != 3 || b[0] != '#' {
		return errors.New("want #NN")
	}
	t[0], t[1] = b[1]-'0', b[2]-'0'
	return nil
}

type inner struct {
	Note string `event:"note"`
}

type everyKind struct {
	ID      textID    `event:"id"`
	Raw     [3]byte   `event:"raw,hex"`
	Bytes   []byte    `event:"bytes"`
	Big     *big.Int  `event:"big"`
	Count   int       `event:"count"`
	Small   int8      `event:"small"`
	Amount  uint64    `event:"amount"`
	OK      bool      `event:"ok"`
	Name    string    `event:"name"`
	IDs     []textID  `event:"ids"`
	Blobs   [][]byte  `event:"blobs"`
	Nums    []uint32  `event:"nums"`
	Pair    [2]uint32 `event:"pair"`
	Has     bool      `event:"-"`
	Opt     uint64    `event:"opt,if=Has"`
	Inner   inner     `event:",inline"`
	private int
}

func (everyKind) EventType() string { return "every_kind" }

// TestEncodeRules checks each rendering rule of Encode, and that Decode
// inverts it.
func TestEncodeRules(t *testing.T) {
	e := everyKind{ID: textID{1, 2}, Raw: [3]byte{0xab, 0, 0x0f}, Bytes: []byte{0xde, 0xad}, Big: big.NewInt(-12345),
		Count: -3, Small: 7, Amount: 1 << 63, OK: true, Name: "a b", IDs: []textID{{3, 4}, {5, 6}},
		Blobs: [][]byte{{1}, {2, 3}}, Nums: []uint32{9, 10}, Pair: [2]uint32{11, 12}, Has: true, Opt: 13, Inner: inner{"hi"}}
	got := Encode(e)
	want := "every_kind id=#12 raw=ab000f bytes=dead big=-12345 count=-3 small=7 amount=9223372036854775808 ok=true name=a b " +
		"ids=#34,#56 blobs=01,0203 nums=9,10 pair0=11 pair1=12 opt=13 note=hi"
	if s := render(got); s != want {
		t.Fatalf("Encode:\n got %s\nwant %s", s, want)
	}
	var back everyKind
	if err := Decode(got, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, e) {
		t.Fatalf("Decode(Encode(e)) = %+v, want %+v", back, e)
	}

	// An unset optional field renders empty and decodes unset; empty
	// lists and bytes render empty and decode nil.
	e = everyKind{Big: big.NewInt(0), Has: false, Opt: 99}
	got = Encode(e)
	if s := render(got); !strings.Contains(s, " opt= ") || !strings.Contains(s, " blobs= ") {
		t.Fatalf("Encode of an unset option: %s", s)
	}
	back = everyKind{Has: true, Opt: 5}
	if err := Decode(got, &back); err != nil || back.Has || back.Opt != 0 || back.Blobs != nil {
		t.Fatalf("Decode of an unset option: %+v, %v", back, err)
	}
}

func render(ev Event) string {
	var b strings.Builder
	b.WriteString(ev.Type)
	for _, a := range ev.Attributes {
		b.WriteString(" " + a.Key + "=" + a.Value)
	}
	return b.String()
}

type untagged struct{ A int }

func (untagged) EventType() string { return "untagged" }

type withMap struct {
	M map[string]string `event:"m"`
}

func (withMap) EventType() string { return "with_map" }

type badFlag struct {
	Flag int    `event:"-"`
	V    uint64 `event:"v,if=Flag"`
}

func (badFlag) EventType() string { return "bad_flag" }

type twin struct {
	A int `event:"a"`
}

func (twin) EventType() string { return "every_kind" }

// TestRegistryRefusesBadDeclarations checks that NewRegistry names the
// declarations Encode cannot render: an untagged field, a map (whose
// order is random), a flag that is not a bool, a type declared twice.
func TestRegistryRefusesBadDeclarations(t *testing.T) {
	for _, c := range []struct {
		events []Typed
		want   string
	}{
		{[]Typed{untagged{}}, "has no"},
		{[]Typed{withMap{}}, "cannot be an attribute"},
		{[]Typed{badFlag{}}, "want a bool"},
		{[]Typed{everyKind{}, twin{}}, "declared by both"},
	} {
		if _, err := NewRegistry(c.events...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%T: %v, want an error with %q", c.events[len(c.events)-1], err, c.want)
		}
	}
	r, err := NewRegistry(everyKind{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Decode(Event{Type: "nope"}); !errors.Is(err, ErrUnknownType) {
		t.Errorf("unknown type: %v", err)
	}
}

// TestSelect checks the attributes Select picks: named fields, every
// non-zero field by default, both halves of an array.
func TestSelect(t *testing.T) {
	e := everyKind{Count: 0, Amount: 7, Pair: [2]uint32{1, 0}, Name: "n"}
	got, err := Select(e)
	if err != nil || render(Event{Type: "sel", Attributes: got}) != "sel amount=7 name=n pair0=1 pair1=0" {
		t.Fatalf("non-zero fields: %v, %v", got, err)
	}
	got, err = Select(e, "Count", "Name")
	if err != nil || render(Event{Type: "sel", Attributes: got}) != "sel count=0 name=n" {
		t.Fatalf("named fields: %v, %v", got, err)
	}
	if _, err := Select(e, "Nope"); err == nil {
		t.Fatal("an unknown field selected")
	}
	if _, err := Select(Raw{Type: "x"}); err == nil {
		t.Fatal("a raw event selected")
	}
}

// TestRaw: a raw event renders as it came, and Find picks the first event
// of a type.
func TestRaw(t *testing.T) {
	r := Raw{Type: "other", Attributes: []Attribute{{Key: "k", Value: "v"}}}
	if got := Encode(r); !reflect.DeepEqual(got, Event(r)) || r.EventType() != "other" {
		t.Fatalf("Encode(raw) = %+v", got)
	}
	evs := []Typed{r, everyKind{Name: "first"}, everyKind{Name: "second"}}
	if e, ok := Find[everyKind](evs); !ok || e.Name != "first" {
		t.Fatalf("Find = %+v, %v", e, ok)
	}
	if _, ok := Find[untagged](evs); ok {
		t.Fatal("found an absent type")
	}
}

// BenchmarkEncode measures the rendering of a typical event.
func BenchmarkEncode(b *testing.B) {
	e := everyKind{Big: big.NewInt(1), Name: "x", Bytes: make([]byte, 32)}
	for b.Loop() {
		Encode(e)
	}
}

// TestLogNames: a log with a Names cache renders exactly as Encode, holds
// the text of each array-valued text field once, and stops adding at its
// limit; a Discard log keeps nothing.
func TestLogNames(t *testing.T) {
	names := NewNames(3)
	l := NewLog(names)
	var want []Event
	for i := range 6 {
		e := everyKind{ID: textID{byte(i % 4), 1}, Big: big.NewInt(int64(i)), IDs: []textID{{byte(i % 4), 1}, {9, 9}}}
		l.Emit(e)
		want = append(want, Encode(e))
	}
	if !reflect.DeepEqual(l.Events(), want) {
		t.Fatalf("events through the cache differ:\n got %v\nwant %v", l.Events(), want)
	}
	// #01, #11, #91 fit; #21, #31 came after the limit; *big.Int is not cached.
	if names.Len() != 3 {
		t.Fatalf("cache holds %d texts, limit 3", names.Len())
	}
	d := Discard()
	d.Emit(everyKind{Big: big.NewInt(1)})
	d.Append(&l)
	if len(d.Events()) != 0 {
		t.Fatalf("a Discard log kept %d events", len(d.Events()))
	}
	var none *Names
	if none.Len() != 0 {
		t.Fatal("a nil Names holds texts")
	}
}

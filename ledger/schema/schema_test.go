package schema_test

import (
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/schema"
)

var rewrite = flag.Bool("rewrite", false, "rewrite testdata/events.golden from the current encoder")

// sample returns a value of the event struct t whose every field is set,
// each to a distinct value drawn from seed: integers count up (negative
// for signed ones), strings and bytes are made of the count, lists have
// two elements, bools are true.
func sample(t reflect.Type, seed *int) reflect.Value {
	v := reflect.New(t).Elem()
	fill(v, seed)
	return v
}

func fill(v reflect.Value, seed *int) {
	*seed++
	n := *seed
	switch {
	case v.Type() == reflect.TypeFor[*big.Int]():
		x := new(big.Int).Lsh(big.NewInt(int64(n)), 100)
		v.Set(reflect.ValueOf(x.Neg(x)))
		return
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8:
		v.SetBytes([]byte(fmt.Sprintf("bytes-%d", n)))
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			fill(v.Field(i), seed)
		}
	case reflect.Array:
		for i := range v.Len() {
			fill(v.Index(i), seed)
		}
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		fill(s.Index(0), seed)
		fill(s.Index(1), seed)
		v.Set(s)
	case reflect.String:
		v.SetString(fmt.Sprintf("text-%d", n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(-int64(n))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(n))
	default:
		panic("sample: cannot fill " + v.Type().String())
	}
}

// samples returns, for each event type of the registry, a value with
// every field set and the zero value.
func samples(t *testing.T) (full, zero []event.Typed) {
	t.Helper()
	reg := schema.Events()
	seed := 0
	for _, typ := range reg.Types() {
		z, ok := reg.Zero(typ)
		if !ok {
			t.Fatalf("registered type %q has no struct", typ)
		}
		zero = append(zero, z)
		full = append(full, sample(reflect.TypeOf(z), &seed).Interface().(event.Typed))
	}
	return full, zero
}

// TestEncodeMatchesHandRenderers checks that event.Encode, driven by the
// struct tags, renders every event type exactly as its hand-written
// renderer did: same type, same keys in the same order, same values.
func TestEncodeMatchesHandRenderers(t *testing.T) {
	full, zero := samples(t)
	for _, e := range slices.Concat(full, zero) {
		want := handRendered(e)
		if want.Type == "" {
			t.Errorf("%T: no hand-written renderer", e)
			continue
		}
		if got := event.Encode(e); !reflect.DeepEqual(got, want) {
			t.Errorf("%T %+v:\n got %+v\nwant %+v", e, e, got, want)
		}
	}
}

// TestDecodeInvertsEncode checks that every event with every field set
// decodes back to itself through the registry, as a value of its own
// struct.
func TestDecodeInvertsEncode(t *testing.T) {
	full, _ := samples(t)
	reg := schema.Events()
	for _, e := range full {
		got, err := reg.Decode(event.Encode(e))
		if err != nil {
			t.Errorf("%T: %v", e, err)
			continue
		}
		if !reflect.DeepEqual(got, e) {
			t.Errorf("%T:\n got %+v\nwant %+v", e, got, e)
		}
	}
}

// TestDecodeRefusesMalformed checks the errors of Decode: an unknown
// type, a missing attribute, a value that does not parse.
func TestDecodeRefusesMalformed(t *testing.T) {
	reg := schema.Events()
	ev := event.Encode(market.EventOrderCreated{OrderID: 7, PackageID: []byte{1}})
	if _, err := reg.Decode(event.Event{Type: "no_such_event"}); !errors.Is(err, event.ErrUnknownType) {
		t.Errorf("unknown type: %v", err)
	}
	if _, err := reg.Decode(event.Event{Type: ev.Type, Attributes: ev.Attributes[1:]}); !errors.Is(err, event.ErrMalformed) {
		t.Errorf("missing attribute: %v", err)
	}
	for _, bad := range []event.Attribute{{Key: "order_id", Value: "-1"}, {Key: "buyer", Value: "cell1nope"},
		{Key: "package_id", Value: "0x01"}, {Key: "direct", Value: "yes"}} {
		e := event.Event{Type: ev.Type, Attributes: append([]event.Attribute{bad}, ev.Attributes...)}
		if _, err := reg.Decode(e); !errors.Is(err, event.ErrMalformed) {
			t.Errorf("%s=%q: %v", bad.Key, bad.Value, err)
		}
	}
}

// TestEveryEventRegistered checks that the registry holds exactly the
// event structs the modules under ledger/ declare (every type with an
// EventType method, but event.Raw), so that a new event cannot be left
// out of schema.Events.
func TestEveryEventRegistered(t *testing.T) {
	var declared []string
	err := filepath.WalkDir("..", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil || f.Name.Name == "event" {
			return err
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil || fd.Name.Name != "EventType" {
				continue
			}
			if id, ok := fd.Recv.List[0].Type.(*ast.Ident); ok {
				declared = append(declared, f.Name.Name+"."+id.Name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var registered []string
	reg := schema.Events()
	for _, typ := range reg.Types() {
		z, _ := reg.Zero(typ)
		registered = append(registered, strings.TrimPrefix(reflect.TypeOf(z).String(), "*"))
	}
	slices.Sort(declared)
	slices.Sort(registered)
	if !slices.Equal(declared, registered) {
		t.Errorf("declared event structs and registered ones differ:\ndeclared   %v\nregistered %v", declared, registered)
	}
	if len(registered) != 89 {
		t.Errorf("%d event types registered; the ledger declares 89 (update this count when adding one)", len(registered))
	}
}

// TestEventsGolden pins the rendering of every event type, with every
// field set, in testdata/events.golden (go test -rewrite regenerates it).
func TestEventsGolden(t *testing.T) {
	full, _ := samples(t)
	var b strings.Builder
	for _, e := range full {
		ev := event.Encode(e)
		fmt.Fprintf(&b, "%s\n", ev.Type)
		for _, a := range ev.Attributes {
			fmt.Fprintf(&b, "  %s=%s\n", a.Key, a.Value)
		}
	}
	path := filepath.Join("testdata", "events.golden")
	if *rewrite {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != b.String() {
		t.Errorf("rendered events differ from %s (go test -rewrite to accept):\n%s", path, b.String())
	}
}

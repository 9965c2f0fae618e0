package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

// simlabID is the golden id of examples/botspecs/simlab.json: changing the
// simulated lab's BotSpec changes its id, which nodes announce.
const simlabID = "58e2e830bd03eafb43260f6c7d1762c2d265f2fa1dd99c40f50828c892bf5e42"

func simlabBytes(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("../examples/botspecs/simlab.json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func simlab(t testing.TB) *BotSpec {
	t.Helper()
	s, err := ParseBotSpec(simlabBytes(t))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sortedReencode decodes b generically and encodes it again: encoding/json
// writes map keys sorted, so this is an independent canonical form.
func sortedReencode(t *testing.T, b []byte) []byte {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	out, err := marshalCanonical(v)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSimlabGoldenID(t *testing.T) {
	b := simlabBytes(t)
	want, err := ParseBotSpecID(simlabID)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseBotSpecWithID(b, want)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Simulated || s.Name != "simlab" {
		t.Errorf("simlab: simulated=%v name=%q", s.Simulated, s.Name)
	}
	id, err := s.ID()
	if err != nil || id.String() != simlabID {
		t.Fatalf("ID() = %s, %v; want %s", id, err, simlabID)
	}
	canon, err := s.Canonical()
	if err != nil || !bytes.Equal(canon, b) {
		t.Fatalf("the shipped file is not its canonical form (%v)", err)
	}
	if !bytes.Equal(sortedReencode(t, canon), canon) {
		t.Fatal("canonical form has unsorted keys or extra whitespace")
	}
}

func TestCanonicalIgnoresLayoutAndKeyOrder(t *testing.T) {
	b := simlabBytes(t)
	// Indent it and reverse the top-level key order: same BotSpec, same id.
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	buf.WriteString("{\n")
	keys := []string{"version", "storage", "simulated", "operator", "name", "inventory", "devices", "container_types"}
	for i, k := range keys {
		if i > 0 {
			buf.WriteString(",\n")
		}
		buf.WriteString("  \"" + k + "\": ")
		if err := json.Indent(&buf, top[k], "  ", "  "); err != nil {
			t.Fatal(err)
		}
	}
	buf.WriteString("\n}\n")
	s, err := ParseBotSpec(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	id, _ := s.ID()
	if id.String() != simlabID {
		t.Fatalf("id of the re-laid-out document = %s, want %s", id, simlabID)
	}
	// Claimed under an id, the same content must be canonical bytes.
	want, _ := ParseBotSpecID(simlabID)
	_, err = ParseBotSpecWithID(buf.Bytes(), want)
	if !errors.Is(err, ErrInvalidBotSpec) || !strings.Contains(err.Error(), "not canonical JSON") {
		t.Fatalf("non-canonical document under an id: err = %v", err)
	}
	// A duplicate key: the last value wins, and the document is not canonical.
	dup := []byte(`{"name":"other",` + string(b[1:]))
	if s, err := ParseBotSpec(dup); err != nil || s.Name != "simlab" {
		t.Fatalf("duplicate key: %v", err)
	}
	if _, err := ParseBotSpecWithID(dup, want); err == nil || !strings.Contains(err.Error(), "not canonical JSON") {
		t.Fatalf("duplicate key under an id: err = %v", err)
	}
	other := want
	other[0] ^= 1
	_, err = ParseBotSpecWithID(b, other)
	if !errors.Is(err, ErrInvalidBotSpec) || !strings.Contains(err.Error(), "botspec: id: document hashes to "+simlabID) {
		t.Fatalf("wrong claimed id: err = %v", err)
	}
}

func TestParseBotSpecID(t *testing.T) {
	for _, s := range []string{"", "abc", strings.Repeat("zz", 32), strings.Repeat("00", 31)} {
		if _, err := ParseBotSpecID(s); !errors.Is(err, ErrInvalidBotSpec) {
			t.Errorf("ParseBotSpecID(%q) err = %v", s, err)
		}
	}
	id, err := ParseBotSpecID(strings.ToUpper(simlabID))
	if err != nil || id.String() != simlabID {
		t.Errorf("upper-case id: %s, %v", id, err)
	}
}

// TestParseBotSpecErrors edits the canonical simlab document and checks
// that each bad edit is refused with an error naming the field and rule.
func TestParseBotSpecErrors(t *testing.T) {
	good := string(simlabBytes(t))
	tests := []struct {
		name, old, new, want string
	}{
		{"unknown top-level field", `{"container_types"`, `{"colour":"red","container_types"`, `botspec: json: unknown field "colour"`},
		{"unknown device field", `{"id":"lh1",`, `{"id":"lh1","speed":3,`, `botspec: devices[0]: json: unknown field "speed"`},
		{"unknown limit", `"limits":{"volume_nl":{"max":1000000,"min":500}}`, `"limits":{"volume_nl":{"max":1000000,"min":500},"pressure":1}`, `botspec: devices[0]: json: unknown field "pressure"`},
		{"unknown timing field", `"liquid_handler.aspirate":{"max_ms":8000,`, `"liquid_handler.aspirate":{"max_ms":8000,"typical_ms":1,`, `devices[0]: warp "liquid_handler.aspirate": json: unknown field "typical_ms"`},
		{"float limit", `"max":1000000,"min":500`, `"max":1000000,"min":500.5`, `botspec: devices[0].limits.volume_nl.min: want int64, got JSON number 500.5`},
		{"string name", `"name":"simlab"`, `"name":7`, `botspec: name: want string, got JSON number`},
		{"trailing data", `"version":"1"}`, `"version":"1"} {}`, `trailing data`},
		{"missing name", `"name":"simlab",`, ``, `botspec: name: required`},
		{"missing operator", `"operator":"celltonomy examples (runtime/labsim)",`, ``, `botspec: operator: required`},
		{"no devices", `"devices":[`, `"devices":[],"x":[`, `unknown field "x"`},
		{"unknown kind", `"kind":"liquid_handler"`, `"kind":"pipette"`, `botspec: devices[0].kind: "pipette" is not a device kind`},
		{"op of another kind", `"ops":["liquid_handle","provision"]`, `"ops":["liquid_handle","provision","spin"]`, `botspec: devices[0].ops[2]: a liquid_handler cannot run "spin"`},
		{"unsorted ops", `"ops":["liquid_handle","provision"]`, `"ops":["provision","liquid_handle"]`, `botspec: devices[0].ops[1]: "liquid_handle": ops must be sorted`},
		{"no ops", `"ops":["dispense"]`, `"ops":[]`, `botspec: devices[1].ops: required, at least one of [dispense]`},
		{"duplicate device id", `{"id":"disp1"`, `{"id":"lh1"`, `botspec: devices[1].id: "lh1" is also the id of devices[0]`},
		{"bad device id", `{"id":"disp1"`, `{"id":"disp 1"`, `botspec: devices[1].id: "disp 1": only letters`},
		{"missing volume limit", `"limits":{"volume_nl":{"max":2000000,"min":1000}}`, `"limits":{}`, `botspec: devices[1].limits.volume_nl: required for a dispenser`},
		{"missing temperature limit", `"limits":{"temperature_mc":{"max":99000,"min":4000}}`, `"limits":{}`, `botspec: devices[5].limits.temperature_mc: required for a thermocycler`},
		{"inverted bounds", `"temperature_mc":{"max":99000,"min":4000}`, `"temperature_mc":{"max":4000,"min":99000}`, `botspec: devices[5].limits.temperature_mc: min 99000 m°C is above max 4000 m°C`},
		{"insane temperature", `"temperature_mc":{"max":99000,`, `"temperature_mc":{"max":990000,`, `botspec: devices[5].limits.temperature_mc.max: 990000 m°C is above 200000 m°C`},
		{"zero volume", `"volume_nl":{"max":1000000,"min":500}`, `"volume_nl":{"max":1000000,"min":0}`, `botspec: devices[0].limits.volume_nl.min: 0 nL is below 1 nL`},
		{"unsorted wavelengths", `[260,280,600]`, `[600,260]`, `botspec: devices[7].limits.wavelengths_nm[1]: 260 nm: wavelengths must be sorted`},
		{"no wavelengths", `"limits":{"wavelengths_nm":[260,280,600]}`, `"limits":{}`, `botspec: devices[7].limits.wavelengths_nm: required for a plate_reader`},
		{"nominal above max", `"plate_reader.read_absorbance":{"max_ms":60000,"min_ms":20000,"nominal_ms":30000}`, `"plate_reader.read_absorbance":{"max_ms":60000,"min_ms":20000,"nominal_ms":70000}`, `botspec: devices[7].timings["plate_reader.read_absorbance"].nominal_ms: 70000 ms is above max_ms 60000`},
		{"nominal below min", `"nominal_ms":30000`, `"nominal_ms":10000`, `botspec: devices[7].timings["plate_reader.read_absorbance"].nominal_ms: 10000 ms is below min_ms 20000`},
		{"negative min", `"max_ms":60000,"min_ms":20000,"nominal_ms":30000`, `"max_ms":60000,"min_ms":-1,"nominal_ms":30000`, `timings["plate_reader.read_absorbance"].min_ms: -1 ms is negative`},
		{"warp of another kind", `"plate_reader.read_absorbance"`, `"incubator.read_absorbance"`, `botspec: devices[7].timings["incubator.read_absorbance"]: warp names are "plate_reader."`},
		{"duplicate warp", `"sealer.unseal"`, `"sealer.uncover"`, `devices[3]: warp "sealer.uncover" given twice`},
		{"unknown container type", `"96-deep","96-flat"`, `"96-flat","96-well"`, `botspec: container_types[1]: unknown "96-well"`},
		{"unsorted storage", `"ambient","cold_20"`, `"cold_20","ambient"`, `botspec: storage[1]: "ambient": the list must be sorted`},
		{"unknown storage", `"warm_37"]`, `"warm_42"]`, `botspec: storage[5]: unknown "warm_42"`},
		{"unsorted inventory", `{"contents":"10x reaction buffer for BamHI","kind":"buffer","resource_id":"BamHI-buffer"`, `{"contents":"10x reaction buffer for BamHI","kind":"buffer","resource_id":"zebra"`, `botspec: inventory[2].resource_id: "EcoRI": inventory must be sorted`},
		{"duplicate resource", `"resource_id":"BamHI-buffer"`, `"resource_id":"BamHI"`, `botspec: inventory[1].resource_id: "BamHI": inventory must be sorted by resource_id, without duplicates`},
		{"unknown inventory kind", `"kind":"culture"`, `"kind":"pet"`, `botspec: inventory[6].kind: "pet" is not an inventory kind`},
		{"negative price", `"unit_price_ucell":50}`, `"unit_price_ucell":-50}`, `botspec: inventory[6].unit_price_ucell: -50 is negative`},
		{"long contents", `"contents":"LB broth (Lennox)"`, `"contents":"` + strings.Repeat("x", MaxBotSpecString+1) + `"`, `inventory[9].contents: 1025 bytes, over the limit of 1024`},
		{"not an object", good, `[]`, `botspec: json: cannot unmarshal array`},
		{"too large", good, good + strings.Repeat(" ", MaxBotSpecBytes), `botspec: 1052688 bytes, over the limit of 1048576`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(good, tt.old) {
				t.Fatalf("test edit: %q not in simlab.json", tt.old)
			}
			doc := strings.Replace(good, tt.old, tt.new, 1)
			s, err := ParseBotSpec([]byte(doc))
			if err == nil {
				t.Fatalf("accepted: %+v", s)
			}
			if !errors.Is(err, ErrInvalidBotSpec) {
				t.Errorf("err %v does not match ErrInvalidBotSpec", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

// TestCanonicalTooLarge: invalid UTF-8 decodes to U+FFFD (3 bytes), so a
// document under the limit can have a canonical form over it: refused.
func TestCanonicalTooLarge(t *testing.T) {
	good := string(simlabBytes(t))
	i := strings.Index(good, `"inventory":[`) + len(`"inventory":[`)
	j := strings.Index(good[i:], "]") + i
	var items []string
	for k := range MaxInventory {
		items = append(items, fmt.Sprintf(`{"contents":"%s","kind":"reagent","resource_id":"r%04d","unit_price_ucell":1}`, strings.Repeat("\xff", 150), k))
	}
	doc := good[:i] + strings.Join(items, ",") + good[j:]
	if len(doc) > MaxBotSpecBytes {
		t.Fatalf("test document of %d bytes is over the limit", len(doc))
	}
	_, err := ParseBotSpec([]byte(doc))
	if !errors.Is(err, ErrInvalidBotSpec) || !strings.Contains(err.Error(), "botspec: canonical form of ") {
		t.Fatalf("err = %v", err)
	}
}

func TestValidateDuplicateWarp(t *testing.T) {
	s := simlab(t)
	s.Devices[0].Timings = append(s.Devices[0].Timings, s.Devices[0].Timings[0])
	want := `botspec: devices[0].timings["liquid_handler.aspirate"]: warp given twice`
	if err := s.Validate(); err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %s", err, want)
	}
}

func TestNoDevices(t *testing.T) {
	s := simlab(t)
	s.Devices = nil
	if err := s.Validate(); err == nil || err.Error() != "botspec: devices: required, at least one" {
		t.Fatalf("err = %v", err)
	}
}

func lambdaDigestRequirements(t testing.TB, enzyme string) Requirements {
	t.Helper()
	tmpl, err := os.ReadFile("testdata/lambda-digest.json")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Load(tmpl, map[string]string{"ENZYME": enzyme})
	if err != nil {
		t.Fatal(err)
	}
	return p.Requirements()
}

func TestSimlabCoversLambdaDigest(t *testing.T) {
	s := simlab(t)
	for _, enzyme := range []string{"EcoRI", "BamHI", "HindIII"} {
		if err := Covers(s, lambdaDigestRequirements(t, enzyme)); err != nil {
			t.Errorf("ENZYME=%s: %v", enzyme, err)
		}
	}
	err := Covers(s, lambdaDigestRequirements(t, "NotI"))
	if want := "resource NotI: not in the bot's inventory"; err == nil || err.Error() != want {
		t.Errorf("ENZYME=NotI: err = %v, want %q", err, want)
	}
}

// TestCoversUnmet changes the simulated lab or the λ digest's requirements
// so that one requirement is unmet, and checks that Covers names it.
func TestCoversUnmet(t *testing.T) {
	dropDevice := func(kind string) func(*BotSpec, *Requirements) {
		return func(s *BotSpec, _ *Requirements) {
			var ds []Device
			for _, d := range s.Devices {
				if d.Kind != kind {
					ds = append(ds, d)
				}
			}
			s.Devices = ds
		}
	}
	device := func(s *BotSpec, id string) *Device {
		for i := range s.Devices {
			if s.Devices[i].ID == id {
				return &s.Devices[i]
			}
		}
		t.Fatalf("no device %s", id)
		return nil
	}
	tests := []struct {
		name string
		edit func(*BotSpec, *Requirements)
		want string
	}{
		{"no thermocycler", dropDevice(KindThermocycler), "op thermocycle: no device of the bot runs it"},
		{"no gel imager", dropDevice(KindGelImager), "op gel_separate: no device of the bot runs it"},
		{"ops checked before containers", func(s *BotSpec, r *Requirements) {
			dropDevice(KindSealer)(s, r)
			s.ContainerTypes = []string{"96-flat"}
		}, "op seal: no device of the bot runs it"},
		{"container type", func(s *BotSpec, r *Requirements) {
			s.ContainerTypes = s.ContainerTypes[1:]
			r.ContainerTypes = []string{"96-deep", "96-pcr"}
		},
			"container type 96-deep: not among the bot's container types [96-flat 96-pcr micro-1.5 micro-2.0]"},
		{"storage", func(s *BotSpec, _ *Requirements) { s.Storage = []string{"cold_4", "cold_80"} },
			"storage warm_37: not among the bot's storage conditions [cold_4 cold_80]"},
		{"inventory", func(s *BotSpec, _ *Requirements) { s.Inventory = s.Inventory[:3] },
			"resource EcoRI-buffer: not in the bot's inventory"},
		{"temperature above", func(_ *BotSpec, r *Requirements) { r.Temperature.Max = 100_000 },
			"temperature 100000 m°C: above the bot's max 99000 m°C (device tc1)"},
		{"temperature below", func(_ *BotSpec, r *Requirements) { r.Temperature.Min = -20_000 },
			"temperature -20000 m°C: below the bot's min 4000 m°C (device inc1)"},
		{"thermocycler hotter than incubator", func(s *BotSpec, r *Requirements) {
			device(s, "tc1").Limits.TemperatureMC.Max = 60_000
		}, "temperature 65000 m°C: above the bot's max 60000 m°C (device tc1)"},
		{"volume below", func(s *BotSpec, _ *Requirements) {
			device(s, "lh1").Limits.VolumeNL.Min = 2_000
			device(s, "disp1").Limits.VolumeNL.Min = 5_000
		}, "volume 1000 nL: below the bot's min 2000 nL (device lh1)"},
		{"acceleration", func(_ *BotSpec, r *Requirements) { r.Acceleration = Range{Set: true, Min: 1000, Max: 5000} },
			"acceleration 5000 g: above the bot's max 4000 g (device cf1)"},
		{"no centrifuge range", func(s *BotSpec, r *Requirements) {
			dropDevice(KindCentrifuge)(s, r)
			r.Acceleration = Range{Set: true, Min: 1000, Max: 1000}
		}, "acceleration 1000 g: no device of the bot states limits for acceleration (kinds [centrifuge])"},
		{"duration limited", func(s *BotSpec, _ *Requirements) {
			device(s, "inc1").Limits.DurationMS = &Bounds{Min: 1_000, Max: 1_800_000}
		}, "duration 3600000 ms: above the bot's max 1800000 ms (device inc1)"},
		{"wavelength", func(_ *BotSpec, r *Requirements) { r.Wavelengths = []int64{260, 450} },
			"wavelength 450 nm: no plate reader of the bot reads it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := simlab(t)
			r := lambdaDigestRequirements(t, "EcoRI")
			tt.edit(s, &r)
			err := Covers(s, r)
			if err == nil {
				t.Fatal("covered")
			}
			if !errors.Is(err, ErrNotCovered) {
				t.Errorf("err %v does not match ErrNotCovered", err)
			}
			var ue *UnmetError
			if !errors.As(err, &ue) || err.Error() != tt.want {
				t.Errorf("err = %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestDurationUnboundedWithoutLimits(t *testing.T) {
	s := simlab(t)
	r := lambdaDigestRequirements(t, "EcoRI")
	r.Duration.Max = MaxWarpMillis * 100
	if err := Covers(s, r); err != nil {
		t.Fatal(err)
	}
}

func TestKindOps(t *testing.T) {
	if got := KindOps("plate_reader"); len(got) != 1 || got[0] != "spectrophotometry" {
		t.Errorf("KindOps(plate_reader) = %v", got)
	}
	if KindOps("toaster") != nil {
		t.Error("KindOps of an unknown kind is not nil")
	}
	// Every op of version 1 is run by some device kind.
	for _, op := range Ops() {
		found := false
		for _, k := range DeviceKinds() {
			for _, o := range KindOps(k) {
				found = found || o == op
			}
		}
		if !found {
			t.Errorf("op %s: no device kind runs it", op)
		}
	}
}

func FuzzBotSpecParse(f *testing.F) {
	f.Add(simlabBytes(f))
	f.Add([]byte(`{"name":"x","version":"1","operator":"o","simulated":false,"devices":[{"id":"a","kind":"sealer","ops":["seal"],"limits":{},"timings":{}}],"container_types":["96-pcr"],"storage":["cold_4"],"inventory":[]}`))
	f.Add([]byte(`{"devices":[{"timings":{"a":{},"a":{}}}]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseBotSpec(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidBotSpec) {
				t.Fatalf("error %v does not match ErrInvalidBotSpec", err)
			}
			return
		}
		canon, err := s.Canonical()
		if err != nil {
			t.Fatal(err)
		}
		id, err := s.ID()
		if err != nil {
			t.Fatal(err)
		}
		// The canonical form parses back, under its id, to the same id.
		s2, err := ParseBotSpecWithID(canon, id)
		if err != nil {
			t.Fatalf("canonical form refused: %v\n%s", err, canon)
		}
		canon2, _ := s2.Canonical()
		if !bytes.Equal(canon, canon2) {
			t.Fatalf("canonical form not stable:\n%s\n%s", canon, canon2)
		}
	})
}

func BenchmarkParseBotSpec(b *testing.B) {
	doc := simlabBytes(b)
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if _, err := ParseBotSpec(doc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCovers(b *testing.B) {
	s := simlab(b)
	r := lambdaDigestRequirements(b, "EcoRI")
	for b.Loop() {
		if err := Covers(s, r); err != nil {
			b.Fatal(err)
		}
	}
}

package protocol

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Limits on a BotSpec document: it is untrusted input (a node announces
// it, a buyer or verifier reads it).
const (
	// MaxBotSpecBytes bounds a BotSpec document, in bytes.
	MaxBotSpecBytes = 1 << 20
	// MaxDevices bounds the devices of one BotSpec.
	MaxDevices = 256
	// MaxInventory bounds the inventory items of one BotSpec.
	MaxInventory = 4_096
	// MaxTimings bounds the warp timings of one device.
	MaxTimings = 64
	// MaxBotSpecString bounds every string of a BotSpec (names, ids,
	// contents), in bytes.
	MaxBotSpecString = 1_024
	// MaxWarpMillis bounds a warp's max_ms: 7 days, in ms.
	MaxWarpMillis = 7 * 24 * 3_600_000
)

// ErrInvalidBotSpec is matched (errors.Is) by every error of ParseBotSpec,
// ParseBotSpecWithID and (*BotSpec).Validate.
var ErrInvalidBotSpec = errors.New("invalid BotSpec")

// ErrNotCovered is matched (errors.Is) by the error of Covers when a
// requirement is unmet; the error is an *UnmetError.
var ErrNotCovered = errors.New("requirement not covered by the BotSpec")

// BotSpecError is a problem with one field of a BotSpec. Path is the
// field's JSON path ("devices[2].timings[\"incubator.hold\"].min_ms"),
// empty for the document as a whole.
type BotSpecError struct {
	Path string
	Err  error
}

// Error returns "botspec: path: problem" ("botspec: problem" when Path is
// empty: the problem is with the whole document).
func (e *BotSpecError) Error() string {
	if e.Path == "" {
		return "botspec: " + e.Err.Error()
	}
	return "botspec: " + e.Path + ": " + e.Err.Error()
}

// Unwrap returns Err.
func (e *BotSpecError) Unwrap() error { return e.Err }

// Is makes every BotSpecError match ErrInvalidBotSpec.
func (e *BotSpecError) Is(target error) bool { return target == ErrInvalidBotSpec }

func specErr(path, format string, args ...any) error {
	return &BotSpecError{Path: path, Err: fmt.Errorf(format, args...)}
}

// Device kinds (fabrication.md, "BotSpec").
const (
	KindLiquidHandler    = "liquid_handler"
	KindDispenser        = "dispenser"
	KindOligoSynthesizer = "oligo_synthesizer"
	KindSealer           = "sealer"
	KindIncubator        = "incubator"
	KindThermocycler     = "thermocycler"
	KindCentrifuge       = "centrifuge"
	KindPlateReader      = "plate_reader"
	KindGelImager        = "gel_imager"
)

// deviceKinds maps each device kind to the ops a device of the kind may
// run, sorted by kind.
var deviceKinds = []struct {
	kind string
	ops  []string
}{
	{KindCentrifuge, []string{"spin"}},
	{KindDispenser, []string{"dispense"}},
	{KindGelImager, []string{"gel_separate"}},
	{KindIncubator, []string{"incubate"}},
	{KindLiquidHandler, []string{"liquid_handle", "provision"}},
	{KindOligoSynthesizer, []string{"oligosynthesize"}},
	{KindPlateReader, []string{"spectrophotometry"}},
	{KindSealer, []string{"cover", "seal", "uncover", "unseal"}},
	{KindThermocycler, []string{"thermocycle"}},
}

// DeviceKinds returns the device kinds, sorted.
func DeviceKinds() []string {
	out := make([]string, len(deviceKinds))
	for i, k := range deviceKinds {
		out[i] = k.kind
	}
	return out
}

// KindOps returns the ops a device of kind may run, sorted, or nil for an
// unknown kind.
func KindOps(kind string) []string {
	for _, k := range deviceKinds {
		if k.kind == kind {
			return slices.Clone(k.ops)
		}
	}
	return nil
}

// Inventory kinds, sorted.
var inventoryKinds = []string{"buffer", "culture", "dna", "enzyme", "ladder", "material", "medium", "oligo", "reagent"}

// InventoryKinds returns the kinds an inventory item may have, sorted.
func InventoryKinds() []string { return slices.Clone(inventoryKinds) }

// BotSpec describes one bot (fabrication.md, "BotSpec"). Struct fields are
// declared in the order of their JSON keys, so encoding/json writes sorted
// keys; Canonical gives the bytes its ID hashes.
type BotSpec struct {
	// ContainerTypes are the container types the bot handles: sorted,
	// unique, names of the container table (LookupContainerType).
	ContainerTypes []string `json:"container_types"`
	// Devices are the bot's devices, in the operator's order (a runner
	// picks the first device that runs an op); ids are unique.
	Devices []Device `json:"devices"`
	// Inventory is what the lab stocks, sorted by ResourceID, unique.
	Inventory []InventoryItem `json:"inventory"`
	// Name names the bot ("simlab").
	Name string `json:"name"`
	// Operator names who runs the bot.
	Operator string `json:"operator"`
	// Simulated is true for a bot that exists only in software
	// (runtime/labsim); its runs can be replayed byte for byte.
	Simulated bool `json:"simulated"`
	// Storage are the storage conditions (Autoprotocol "where" values) the
	// bot can hold: sorted, unique.
	Storage []string `json:"storage"`
	// Version is the operator's version of this description ("1").
	Version string `json:"version"`
}

// Device is one device of a bot.
type Device struct {
	// ID names the device within the bot ("tc1"); unique.
	ID string `json:"id"`
	// Kind is one of DeviceKinds.
	Kind string `json:"kind"`
	// Limits bound what the device can do; which apply depend on Kind.
	Limits Limits `json:"limits"`
	// Ops are the ops the device runs: sorted, unique, a non-empty subset
	// of KindOps(Kind).
	Ops []string `json:"ops"`
	// Timings give each warp's duration, keyed by warp name
	// "KIND.ACTION" ("incubator.hold").
	Timings Timings `json:"timings"`
}

// Limits bound a device. Every limit is optional in the document, but
// validation requires the one its kind is judged by: temperature for
// incubators and thermocyclers, volume for liquid handlers and
// dispensers, acceleration for centrifuges, wavelengths for plate readers.
type Limits struct {
	// AccelerationG is the range of accelerations, in g.
	AccelerationG *Bounds `json:"acceleration_g,omitempty"`
	// DurationMS is the range of hold durations (incubate, spin,
	// thermocycle step, gel run), in ms. Optional for every kind.
	DurationMS *Bounds `json:"duration_ms,omitempty"`
	// TemperatureMC is the range of temperatures, in m°C.
	TemperatureMC *Bounds `json:"temperature_mc,omitempty"`
	// VolumeNL is the range of single transfer volumes, in nL.
	VolumeNL *Bounds `json:"volume_nl,omitempty"`
	// WavelengthsNM are the wavelengths the device reads, in nm: sorted,
	// unique, positive.
	WavelengthsNM []int64 `json:"wavelengths_nm,omitempty"`
}

// Bounds is an inclusive range [Min, Max] in the unit its field names.
type Bounds struct {
	Max int64 `json:"max"`
	Min int64 `json:"min"`
}

// Timing is a warp's duration on the device, in ms:
// 0 ≤ MinMS ≤ NominalMS ≤ MaxMS ≤ MaxWarpMillis. A simulator takes
// NominalMS; the conformance check accepts [MinMS, MaxMS].
type Timing struct {
	MaxMS     int64 `json:"max_ms"`
	MinMS     int64 `json:"min_ms"`
	NominalMS int64 `json:"nominal_ms"`
}

// Timings is a device's timings object kept as a list sorted by warp (a
// Go map has no order to rely on); decoding refuses a duplicate warp.
type Timings []WarpTiming

// WarpTiming is one entry of a timings object.
type WarpTiming struct {
	Warp string
	Timing
}

// Lookup returns the timing of warp.
func (ts Timings) Lookup(warp string) (Timing, bool) {
	for _, t := range ts {
		if t.Warp == warp {
			return t.Timing, true
		}
	}
	return Timing{}, false
}

// UnmarshalJSON decodes a JSON object of warp → timing exactly (unknown
// fields refused), refusing duplicate warps and more than MaxTimings, and
// sorts the entries by warp.
func (ts *Timings) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("want a JSON object of warp timings")
	}
	out := Timings{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		warp, _ := t.(string)
		if slices.ContainsFunc(out, func(w WarpTiming) bool { return w.Warp == warp }) {
			return fmt.Errorf("warp %q given twice", warp)
		}
		if len(out) == MaxTimings {
			return fmt.Errorf("over the limit of %d timings", MaxTimings)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		var tm Timing
		if err := decodeStrict(raw, &tm); err != nil {
			return fmt.Errorf("warp %q: %v", warp, err)
		}
		out = append(out, WarpTiming{Warp: warp, Timing: tm})
	}
	slices.SortFunc(out, func(a, b WarpTiming) int { return strings.Compare(a.Warp, b.Warp) })
	*ts = out
	return nil
}

// MarshalJSON encodes the timings as a JSON object with sorted keys.
func (ts Timings) MarshalJSON() ([]byte, error) {
	sorted := slices.Clone(ts)
	slices.SortFunc(sorted, func(a, b WarpTiming) int { return strings.Compare(a.Warp, b.Warp) })
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, t := range sorted {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, err := marshalCanonical(t.Warp)
		if err != nil {
			return nil, err
		}
		v, err := marshalCanonical(t.Timing)
		if err != nil {
			return nil, err
		}
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// InventoryItem is a reagent or material the lab stocks.
type InventoryItem struct {
	// Contents describes the item for people and for the simulator
	// ("phage lambda genome, examples/data/lambda.fa"; for an enzyme its
	// buffer and temperature).
	Contents string `json:"contents"`
	// Kind is one of InventoryKinds.
	Kind string `json:"kind"`
	// ResourceID is the id protocols provision ("lambda-dna", "EcoRI").
	ResourceID string `json:"resource_id"`
	// UnitPriceUcell is the price of one µL (1000 nL) provisioned, or of
	// one use for a material, in ucell; never negative.
	UnitPriceUcell int64 `json:"unit_price_ucell"`
}

// marshalCanonical encodes v without HTML escaping and without the
// encoder's trailing newline.
func marshalCanonical(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}), nil
}

// Canonical returns the canonical JSON of s: sorted keys, no insignificant
// whitespace, no HTML escaping, empty lists as [] and absent limits
// omitted. It is what ID hashes and what a node publishes.
func (s *BotSpec) Canonical() ([]byte, error) {
	c := *s
	c.ContainerTypes = nonNil(c.ContainerTypes)
	c.Storage = nonNil(c.Storage)
	c.Inventory = nonNil(c.Inventory)
	c.Devices = nonNil(slices.Clone(c.Devices))
	for i := range c.Devices {
		c.Devices[i].Ops = nonNil(c.Devices[i].Ops)
		c.Devices[i].Timings = nonNil(c.Devices[i].Timings)
	}
	return marshalCanonical(c)
}

func nonNil[S ~[]E, E any](s S) S {
	if s == nil {
		return S{}
	}
	return s
}

// BotSpecID is the id of a BotSpec: the SHA-256 of its canonical JSON.
type BotSpecID [sha256.Size]byte

// String returns the id as 64 lower-case hex digits.
func (id BotSpecID) String() string { return hex.EncodeToString(id[:]) }

// ParseBotSpecID parses 64 hex digits (either case).
func ParseBotSpecID(s string) (BotSpecID, error) {
	var id BotSpecID
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(id) {
		return id, specErr("id", "want %d hex digits, got %q", 2*len(id), truncateString(s))
	}
	copy(id[:], b)
	return id, nil
}

// ID returns the SHA-256 of s's canonical JSON.
func (s *BotSpec) ID() (BotSpecID, error) {
	b, err := s.Canonical()
	if err != nil {
		return BotSpecID{}, err
	}
	return sha256.Sum256(b), nil
}

// ParseBotSpec decodes a BotSpec document exactly (unknown fields refused
// at every level, trailing data refused, over MaxBotSpecBytes refused
// before decoding) and validates it (Validate). Whitespace and key order
// are free: the id of the result is that of its canonical form. Errors are
// *BotSpecError naming the field path and match ErrInvalidBotSpec.
func ParseBotSpec(data []byte) (*BotSpec, error) {
	if len(data) > MaxBotSpecBytes {
		return nil, specErr("", "%d bytes, over the limit of %d", len(data), MaxBotSpecBytes)
	}
	var top struct {
		ContainerTypes []string          `json:"container_types"`
		Devices        []json.RawMessage `json:"devices"`
		Inventory      []json.RawMessage `json:"inventory"`
		Name           string            `json:"name"`
		Operator       string            `json:"operator"`
		Simulated      bool              `json:"simulated"`
		Storage        []string          `json:"storage"`
		Version        string            `json:"version"`
	}
	if err := decodeStrict(data, &top); err != nil {
		return nil, decodeErr("", err)
	}
	switch {
	case len(top.Devices) > MaxDevices:
		return nil, specErr("devices", "%d devices, over the limit of %d", len(top.Devices), MaxDevices)
	case len(top.Inventory) > MaxInventory:
		return nil, specErr("inventory", "%d items, over the limit of %d", len(top.Inventory), MaxInventory)
	}
	s := &BotSpec{
		ContainerTypes: top.ContainerTypes, Name: top.Name, Operator: top.Operator,
		Simulated: top.Simulated, Storage: top.Storage, Version: top.Version,
	}
	for i, raw := range top.Devices {
		var d Device
		if err := decodeStrict(raw, &d); err != nil {
			return nil, decodeErr(fmt.Sprintf("devices[%d]", i), err)
		}
		s.Devices = append(s.Devices, d)
	}
	for i, raw := range top.Inventory {
		var it InventoryItem
		if err := decodeStrict(raw, &it); err != nil {
			return nil, decodeErr(fmt.Sprintf("inventory[%d]", i), err)
		}
		s.Inventory = append(s.Inventory, it)
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	// Decoding replaces invalid UTF-8 with U+FFFD, so the canonical form
	// can be longer than the input: bound it too, so it always parses back.
	canon, err := s.Canonical()
	if err != nil {
		return nil, specErr("", "%v", err)
	}
	if len(canon) > MaxBotSpecBytes {
		return nil, specErr("", "canonical form of %d bytes, over the limit of %d", len(canon), MaxBotSpecBytes)
	}
	return s, nil
}

// decodeErr names the field of a decoding error under path.
func decodeErr(path string, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return specErr(joinPath(path, te.Field), "want %s, got JSON %s", te.Type, te.Value)
	}
	return specErr(path, "%v", err)
}

func joinPath(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}

// ParseBotSpecWithID is ParseBotSpec for a document claimed to have the id
// want (a node announced it, a bid names it): the document must be
// exactly its canonical form, byte for byte, and hash to want. Accepting a
// non-canonical document under an id would let two different byte strings
// claim one id, so it is refused, naming the first differing byte offset.
func ParseBotSpecWithID(data []byte, want BotSpecID) (*BotSpec, error) {
	s, err := ParseBotSpec(data)
	if err != nil {
		return nil, err
	}
	canon, err := s.Canonical()
	if err != nil {
		return nil, specErr("", "%v", err)
	}
	if !bytes.Equal(canon, data) {
		n := 0
		for n < len(canon) && n < len(data) && canon[n] == data[n] {
			n++
		}
		return nil, specErr("", "not canonical JSON (sorted keys, no insignificant whitespace): first difference at byte %d", n)
	}
	if got := BotSpecID(sha256.Sum256(data)); got != want {
		return nil, specErr("id", "document hashes to %s, claimed %s", got, want)
	}
	return s, nil
}

// Validate checks s's meaning and returns the first problem in document
// order as a *BotSpecError (matching ErrInvalidBotSpec): required strings
// present and at most MaxBotSpecString bytes; devices non-empty with
// unique ids, known kinds, ops of their kind, the limits their kind is
// judged by, sane bounds and timings; container types and storage
// conditions known, sorted and unique; inventory sorted by unique
// resource id, of known kinds, with non-negative prices.
func (s *BotSpec) Validate() error {
	v := &specWalker{}
	v.str("name", s.Name, true)
	v.str("version", s.Version, true)
	v.str("operator", s.Operator, true)
	if len(s.Devices) == 0 {
		v.fail("devices", "required, at least one")
	}
	if len(s.Devices) > MaxDevices {
		v.fail("devices", "%d devices, over the limit of %d", len(s.Devices), MaxDevices)
	}
	for i := range s.Devices {
		v.device(fmt.Sprintf("devices[%d]", i), &s.Devices[i])
		for j := range i {
			if s.Devices[j].ID == s.Devices[i].ID {
				v.fail(fmt.Sprintf("devices[%d].id", i), "%q is also the id of devices[%d]", s.Devices[i].ID, j)
			}
		}
	}
	v.set("container_types", s.ContainerTypes, func(c string) bool { _, ok := LookupContainerType(c); return ok }, ContainerTypes())
	v.set("storage", s.Storage, func(w string) bool { return slices.Contains(storageConditions, w) }, storageConditions)
	if len(s.Inventory) > MaxInventory {
		v.fail("inventory", "%d items, over the limit of %d", len(s.Inventory), MaxInventory)
	}
	for i, it := range s.Inventory {
		p := fmt.Sprintf("inventory[%d]", i)
		v.ident(p+".resource_id", it.ResourceID)
		if i > 0 && strings.Compare(s.Inventory[i-1].ResourceID, it.ResourceID) >= 0 {
			v.fail(p+".resource_id", "%q: inventory must be sorted by resource_id, without duplicates (after %q)", it.ResourceID, s.Inventory[i-1].ResourceID)
		}
		if !slices.Contains(inventoryKinds, it.Kind) {
			v.fail(p+".kind", "%q is not an inventory kind (want one of %v)", truncateString(it.Kind), inventoryKinds)
		}
		v.str(p+".contents", it.Contents, false)
		if it.UnitPriceUcell < 0 {
			v.fail(p+".unit_price_ucell", "%d is negative", it.UnitPriceUcell)
		}
	}
	return v.err
}

// specWalker records the first problem found while validating.
type specWalker struct{ err error }

func (v *specWalker) fail(path, format string, args ...any) {
	if v.err == nil {
		v.err = specErr(path, format, args...)
	}
}

func (v *specWalker) str(path, s string, required bool) {
	switch {
	case required && s == "":
		v.fail(path, "required")
	case len(s) > MaxBotSpecString:
		v.fail(path, "%d bytes, over the limit of %d", len(s), MaxBotSpecString)
	}
}

// ident checks an id: 1 to 64 bytes of letters, digits, '-', '_', '.'.
func (v *specWalker) ident(path, s string) {
	if s == "" {
		v.fail(path, "required")
		return
	}
	if len(s) > 64 {
		v.fail(path, "%d bytes, over the limit of 64", len(s))
		return
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			v.fail(path, "%q: only letters, digits, '-', '_' and '.' are allowed", s)
			return
		}
	}
}

// set checks a sorted, unique, non-empty list of known names.
func (v *specWalker) set(path string, list []string, known func(string) bool, all []string) {
	if len(list) == 0 {
		v.fail(path, "required, at least one")
	}
	for i, x := range list {
		if !known(x) {
			v.fail(fmt.Sprintf("%s[%d]", path, i), "unknown %q (want one of %v)", truncateString(x), all)
		}
		if i > 0 && strings.Compare(list[i-1], x) >= 0 {
			v.fail(fmt.Sprintf("%s[%d]", path, i), "%q: the list must be sorted, without duplicates (after %q)", truncateString(x), truncateString(list[i-1]))
		}
	}
}

func (v *specWalker) bounds(path string, b *Bounds, lo, hi int64, unit string) {
	switch {
	case b.Min > b.Max:
		v.fail(path, "min %d %s is above max %d %s", b.Min, unit, b.Max, unit)
	case b.Min < lo:
		v.fail(path+".min", "%d %s is below %d %s", b.Min, unit, lo, unit)
	case b.Max > hi:
		v.fail(path+".max", "%d %s is above %d %s", b.Max, unit, hi, unit)
	}
}

// Sane ranges of limits: what any real device stays within.
const (
	minTemperatureMC  = -200_000    // -200 °C
	maxTemperatureMC  = 200_000     // 200 °C
	maxVolumeNL       = 100_000_000 // 100 mL
	maxAccelerationG  = 1_000_000
	maxWavelengthNM   = 10_000
	maxLimitDuration  = MaxWarpMillis
	kindNeedsLimitFmt = "required for a %s"
)

func (v *specWalker) device(p string, d *Device) {
	v.ident(p+".id", d.ID)
	kindOps := KindOps(d.Kind)
	if kindOps == nil {
		v.fail(p+".kind", "%q is not a device kind (want one of %v)", truncateString(d.Kind), DeviceKinds())
		return
	}
	if len(d.Ops) == 0 {
		v.fail(p+".ops", "required, at least one of %v", kindOps)
	}
	for i, op := range d.Ops {
		if !slices.Contains(kindOps, op) {
			v.fail(fmt.Sprintf("%s.ops[%d]", p, i), "a %s cannot run %q (its ops are %v)", d.Kind, truncateString(op), kindOps)
		}
		if i > 0 && strings.Compare(d.Ops[i-1], op) >= 0 {
			v.fail(fmt.Sprintf("%s.ops[%d]", p, i), "%q: ops must be sorted, without duplicates", op)
		}
	}
	l := &d.Limits
	lp := p + ".limits"
	need := func(field string, present bool) {
		if !present {
			v.fail(lp+"."+field, kindNeedsLimitFmt, d.Kind)
		}
	}
	switch d.Kind {
	case KindIncubator, KindThermocycler:
		need("temperature_mc", l.TemperatureMC != nil)
	case KindLiquidHandler, KindDispenser:
		need("volume_nl", l.VolumeNL != nil)
	case KindCentrifuge:
		need("acceleration_g", l.AccelerationG != nil)
	case KindPlateReader:
		need("wavelengths_nm", l.WavelengthsNM != nil)
	}
	if l.TemperatureMC != nil {
		v.bounds(lp+".temperature_mc", l.TemperatureMC, minTemperatureMC, maxTemperatureMC, "m°C")
	}
	if l.VolumeNL != nil {
		v.bounds(lp+".volume_nl", l.VolumeNL, 1, maxVolumeNL, "nL")
	}
	if l.AccelerationG != nil {
		v.bounds(lp+".acceleration_g", l.AccelerationG, 1, maxAccelerationG, "g")
	}
	if l.DurationMS != nil {
		v.bounds(lp+".duration_ms", l.DurationMS, 1, maxLimitDuration, "ms")
	}
	if l.WavelengthsNM != nil && len(l.WavelengthsNM) == 0 {
		v.fail(lp+".wavelengths_nm", "at least one wavelength when given")
	}
	for i, w := range l.WavelengthsNM {
		wp := fmt.Sprintf("%s.wavelengths_nm[%d]", lp, i)
		if w <= 0 || w > maxWavelengthNM {
			v.fail(wp, "%d nm is outside [1, %d] nm", w, maxWavelengthNM)
		}
		if i > 0 && l.WavelengthsNM[i-1] >= w {
			v.fail(wp, "%d nm: wavelengths must be sorted, without duplicates", w)
		}
	}
	if len(d.Timings) > MaxTimings {
		v.fail(p+".timings", "%d timings, over the limit of %d", len(d.Timings), MaxTimings)
	}
	for i, t := range d.Timings {
		tp := fmt.Sprintf("%s.timings[%q]", p, t.Warp)
		if slices.ContainsFunc(d.Timings[:i], func(o WarpTiming) bool { return o.Warp == t.Warp }) {
			v.fail(tp, "warp given twice")
		}
		kind, action, ok := strings.Cut(t.Warp, ".")
		if !ok || kind != d.Kind || action == "" || !isLowerIdent(action) {
			v.fail(tp, "warp names are %q followed by a lower-case action (%q)", d.Kind+".", d.Kind+".load")
			continue
		}
		switch {
		case t.MinMS < 0:
			v.fail(tp+".min_ms", "%d ms is negative", t.MinMS)
		case t.NominalMS < t.MinMS:
			v.fail(tp+".nominal_ms", "%d ms is below min_ms %d", t.NominalMS, t.MinMS)
		case t.NominalMS > t.MaxMS:
			v.fail(tp+".nominal_ms", "%d ms is above max_ms %d", t.NominalMS, t.MaxMS)
		case t.MaxMS > MaxWarpMillis:
			v.fail(tp+".max_ms", "%d ms is over the limit of %d ms", t.MaxMS, MaxWarpMillis)
		}
	}
}

func isLowerIdent(s string) bool {
	if len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func truncateString(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

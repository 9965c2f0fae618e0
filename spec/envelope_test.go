package spec

import (
	"bytes"
	"crypto/ed25519"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/spec/specpb"
)

func helloPackage(t testing.TB, mutate func(*specpb.Envelope)) (*Spec, *specpb.Envelope) {
	t.Helper()
	s, err := DecodeSpec(mustMarshal(t, helloService(t)), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	id := s.ID()
	env := &specpb.Envelope{
		PackageId:  id[:],
		Name:       "hello",
		Version:    "1.2.3-rc.1+build.5",
		Kind:       specpb.Kind_KIND_COMPUTE,
		Skill:      "compute/greeting",
		License:    &specpb.License{RoyaltyBps: 250},
		Parameters: []*specpb.Parameter{{Name: "NAME", Default: proto.String("world")}},
		Inputs:     []*specpb.Port{{Name: "names"}},
		Outputs:    []*specpb.Port{{Name: "greetings/all.txt"}},
	}
	if mutate != nil {
		mutate(env)
	}
	return s, env
}

func TestValidateEnvelope(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*specpb.Envelope)
		field  string
		rule   string
	}{
		{"valid", func(*specpb.Envelope) {}, "", ""},
		{"wrong package id", func(e *specpb.Envelope) { e.PackageId = make([]byte, 32) }, "envelope.package_id", "must be the id of the spec"},
		{"empty name", func(e *specpb.Envelope) { e.Name = "" }, "envelope.name", "must be 1-64 characters"},
		{"upper-case name", func(e *specpb.Envelope) { e.Name = "Hello" }, "envelope.name", "must be 1-64 characters"},
		{"invalid semver", func(e *specpb.Envelope) { e.Version = "1.0" }, "envelope.version", "not a semantic version"},
		{"v-prefixed semver", func(e *specpb.Envelope) { e.Version = "v1.0.0" }, "envelope.version", "not a semantic version"},
		{"leading zero semver", func(e *specpb.Envelope) { e.Version = "01.0.0" }, "envelope.version", "not a semantic version"},
		{"unknown kind", func(e *specpb.Envelope) { e.Kind = 7 }, "envelope.kind", "unknown kind"},
		{"protocol kind on a wasm spec", func(e *specpb.Envelope) { e.Kind = specpb.Kind_KIND_PROTOCOL }, "envelope.kind", "must name architecture autoprotocol/1"},
		{"unspecified kind", func(e *specpb.Envelope) { e.Kind = specpb.Kind_KIND_UNSPECIFIED }, "envelope.kind", "unknown kind"},
		{"empty skill", func(e *specpb.Envelope) { e.Skill = "" }, "envelope.skill", "must not be empty"},
		{"bad skill", func(e *specpb.Envelope) { e.Skill = "compute//x" }, "envelope.skill", "empty segment"},
		{"short parent", func(e *specpb.Envelope) { e.Parent = []byte{1} }, "envelope.parent", "must be 32 bytes"},
		{"own parent", func(e *specpb.Envelope) { e.Parent = e.PackageId }, "envelope.parent", "its own parent"},
		{"royalty over 100%", func(e *specpb.Envelope) { e.License.RoyaltyBps = 10001 }, "envelope.license.royalty_bps", "is over 10000"},
		{"undeclared parameter", func(e *specpb.Envelope) { e.Parameters = append(e.Parameters, &specpb.Parameter{Name: "X"}) },
			"envelope.parameters[1].name", "not declared in container.environment_variables"},
		{"missing parameter", func(e *specpb.Envelope) { e.Parameters = nil }, "envelope.parameters", `"NAME" is declared in the spec`},
		{"required with default", func(e *specpb.Envelope) { e.Parameters[0].Required = true }, "envelope.parameters[0].default", "a required parameter has no default"},
		{"duplicate input", func(e *specpb.Envelope) { e.Inputs = append(e.Inputs, &specpb.Port{Name: "names"}) }, "envelope.inputs[1].name", "duplicate"},
		{"input with slash", func(e *specpb.Envelope) { e.Inputs[0].Name = "a/b" }, "envelope.inputs[0].name", "not a valid name"},
		{"output escapes", func(e *specpb.Envelope) { e.Outputs[0].Name = "../x" }, "envelope.outputs[0].name", "not a valid name"},
		{"absolute output", func(e *specpb.Envelope) { e.Outputs[0].Name = "/x" }, "envelope.outputs[0].name", "not a valid name"},
		{"short author", func(e *specpb.Envelope) { e.Author = []byte{1, 2} }, "envelope.author", "must be empty or 20 bytes"},
		{"fuel at the maximum", func(e *specpb.Envelope) { e.Fuel = MaxFuel }, "", ""},
		{"fuel over the maximum", func(e *specpb.Envelope) { e.Fuel = MaxFuel + 1 }, "envelope.fuel", "is over 1000000000000"},
		{"service ports the spec has no slots for", func(e *specpb.Envelope) { e.ServicePorts = []int32{8080} },
			"envelope.service_ports", "must be the ports of the spec's api.slot"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, env := helloPackage(t, tt.mutate)
			err := ValidateEnvelope(env, s)
			if tt.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			requireFieldError(t, err, tt.field, tt.rule)
		})
	}
}

func TestPackageRoundTripAndSignature(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{7}, 64)))
	if err != nil {
		t.Fatal(err)
	}
	s, env := helloPackage(t, func(e *specpb.Envelope) { e.Author = Address(pub) })
	p, err := NewPackage(s, mustMarshal(t, env))
	if err != nil {
		t.Fatal(err)
	}
	unsigned := p.Encode()
	back, err := DecodePackage(unsigned, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if back.ID() != p.ID() || !bytes.Equal(back.Encode(), unsigned) || back.Signed() {
		t.Fatal("unsigned package does not round-trip")
	}
	if err := p.Sign(priv); err != nil {
		t.Fatal(err)
	}
	signed := p.Encode()
	back, err = DecodePackage(signed, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if !back.Signed() || !bytes.Equal(back.Encode(), signed) {
		t.Fatal("signed package does not round-trip")
	}
	if k, sig := back.Signature(); !bytes.Equal(k, pub) || !ed25519.Verify(pub, back.EnvelopeBytes(), sig) {
		t.Fatal("Signature does not return the author's key and signature")
	}

	// A signature from another key, or over other bytes, is refused.
	_, other, _ := ed25519.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{8}, 64)))
	if err := p.Sign(other); err == nil {
		t.Fatal("signed with a key that is not the author's")
	}
	var f specpb.PackageFile
	if err := proto.Unmarshal(signed, &f); err != nil {
		t.Fatal(err)
	}
	f.AuthorSignature[0] ^= 1
	_, err = DecodePackage(mustMarshal(t, &f), DefaultLimits())
	requireFieldError(t, err, "cellpkg.author_signature", "does not verify")

	_, err = DecodePackage([]byte("not a package"), DefaultLimits())
	requireFieldError(t, err, "cellpkg", "not a package file")
}

// TestValidateEnvelopeFields: the envelope-only check refuses what
// ValidateEnvelope refuses for the envelope's own fields, and accepts
// what only the spec can refute.
func TestValidateEnvelopeFields(t *testing.T) {
	other := bytes.Repeat([]byte{7}, IDSize)
	for _, tt := range []struct {
		name   string
		mutate func(*specpb.Envelope)
		field  string
		rule   string
	}{
		{"valid", func(*specpb.Envelope) {}, "", ""},
		{"id of another spec", func(e *specpb.Envelope) { e.PackageId = other }, "", ""},
		{"undeclared parameter", func(e *specpb.Envelope) { e.Parameters = append(e.Parameters, &specpb.Parameter{Name: "X"}) }, "", ""},
		{"missing parameter", func(e *specpb.Envelope) { e.Parameters = nil }, "", ""},
		{"zero package id", func(e *specpb.Envelope) { e.PackageId = make([]byte, IDSize) }, "envelope.package_id", "all zero"},
		{"short package id", func(e *specpb.Envelope) { e.PackageId = []byte{1} }, "envelope.package_id", "must be 32 bytes"},
		{"empty name", func(e *specpb.Envelope) { e.Name = "" }, "envelope.name", "must be 1-64 characters"},
		{"invalid semver", func(e *specpb.Envelope) { e.Version = "1.0" }, "envelope.version", "not a semantic version"},
		{"unknown kind", func(e *specpb.Envelope) { e.Kind = 7 }, "envelope.kind", "unknown kind"},
		{"bad skill", func(e *specpb.Envelope) { e.Skill = "compute//x" }, "envelope.skill", "empty segment"},
		{"short parent", func(e *specpb.Envelope) { e.Parent = []byte{1} }, "envelope.parent", "must be 32 bytes"},
		{"own parent", func(e *specpb.Envelope) { e.Parent = e.PackageId }, "envelope.parent", "its own parent"},
		{"royalty over 100%", func(e *specpb.Envelope) { e.License.RoyaltyBps = 10001 }, "envelope.license.royalty_bps", "is over 10000"},
		{"duplicate parameter", func(e *specpb.Envelope) { e.Parameters = append(e.Parameters, &specpb.Parameter{Name: "NAME"}) },
			"envelope.parameters[1].name", "duplicate parameter"},
		{"required with default", func(e *specpb.Envelope) { e.Parameters[0].Required = true }, "envelope.parameters[0].default", "a required parameter has no default"},
		{"output escapes", func(e *specpb.Envelope) { e.Outputs[0].Name = "../x" }, "envelope.outputs[0].name", "not a valid name"},
		{"short author", func(e *specpb.Envelope) { e.Author = []byte{1, 2} }, "envelope.author", "must be empty or 20 bytes"},
		{"fuel over the maximum", func(e *specpb.Envelope) { e.Fuel = 1 << 63 }, "envelope.fuel", "loop iterations is over"},
		{"service ports", func(e *specpb.Envelope) { e.ServicePorts = []int32{7, 8080} }, "", ""},
		{"service port zero", func(e *specpb.Envelope) { e.ServicePorts = []int32{0} }, "envelope.service_ports[0]", "must be 1 to 65535"},
		{"service port too high", func(e *specpb.Envelope) { e.ServicePorts = []int32{65536} }, "envelope.service_ports[0]", "must be 1 to 65535"},
		{"service ports unsorted", func(e *specpb.Envelope) { e.ServicePorts = []int32{9, 8} }, "envelope.service_ports[1]", "sorted and unique"},
		{"service ports repeated", func(e *specpb.Envelope) { e.ServicePorts = []int32{8, 8} }, "envelope.service_ports[1]", "sorted and unique"},
		{"too many service ports", func(e *specpb.Envelope) {
			for i := range MaxServicePorts + 1 {
				e.ServicePorts = append(e.ServicePorts, int32(i+1))
			}
		}, "envelope.service_ports", "at most 16"},
		{"service ports on a protocol", func(e *specpb.Envelope) { e.Kind, e.ServicePorts = specpb.Kind_KIND_PROTOCOL, []int32{8} },
			"envelope.service_ports", "only a compute package"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, env := helloPackage(t, tt.mutate)
			err := ValidateEnvelopeFields(env)
			if tt.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			requireFieldError(t, err, tt.field, tt.rule)
		})
	}
}

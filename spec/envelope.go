package spec

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"

	"github.com/celltonomy/celltonomy/spec/specpb"
)

// AddressSize is the size of an account address in bytes
// (ARCHITECTURE.md: sha256(pubkey)[:20]).
const AddressSize = 20

// MaxRoyaltyBps is the largest author royalty, in basis points (100%).
const MaxRoyaltyBps = 10_000

// MaxFuel is the largest fuel an envelope may declare, in loop iterations:
// 10¹², hours of work for most programs. It keeps a package from asking for
// a run that no node could finish within a sensible wall time.
const MaxFuel = 1_000_000_000_000

// ValidateEnvelope checks an envelope against the spec it describes
// (service-spec.md: "Our package envelope"). It returns every problem
// found, each a *FieldError naming an "envelope." field, joined with
// errors.Join. The rules:
//
//   - package_id is the id of spec;
//   - name is 1–64 characters of [a-z0-9._-], starting with a letter or digit;
//   - version is a strict semantic version (semver.org 2.0.0, no "v");
//   - kind is compute or protocol; a compute package names wasm32-wasip1;
//     a protocol package names autoprotocol/1 and its entry path is
//     ProtocolTemplate (protocol.json);
//   - skill is a path of one or more segments of [a-z0-9_-], e.g.
//     "compute/genomics/digest";
//   - parent is empty or a 32-byte package id other than package_id;
//   - license.royalty_bps is at most MaxRoyaltyBps;
//   - parameters have valid, unique environment variable names and are
//     exactly the environment variables the spec declares; a required
//     parameter has no default;
//   - inputs are unique single path elements; outputs are unique clean
//     relative paths;
//   - author is empty or 20 bytes;
//   - fuel is at most MaxFuel loop iterations;
//   - service_ports are the ports of the spec's api.slot, sorted and
//     unique, 1 to MaxServicePort, at most MaxServicePorts, and only on a
//     compute package (a service package).
func ValidateEnvelope(env *specpb.Envelope, s *Spec) error {
	var p problems
	if id, err := IDFromBytes(env.GetPackageId()); err != nil || id != s.ID() {
		p.add("envelope.package_id", "must be the id of the spec, %s", s.ID())
	}
	checkEnvelopeFields(&p, env, s.ID())
	checkServiceSpec(&p, env, s)
	if env.GetKind() == specpb.Kind_KIND_COMPUTE && !slices.Contains(s.Architectures(), ArchWasm32WASIP1) {
		p.add("envelope.kind", "a compute package must name architecture %s", ArchWasm32WASIP1)
	}
	if env.GetKind() == specpb.Kind_KIND_PROTOCOL {
		if !slices.Contains(s.Architectures(), ArchAutoprotocol1) {
			p.add("envelope.kind", "a protocol package must name architecture %s", ArchAutoprotocol1)
		}
		if prog, _ := s.Entry(); prog != ProtocolTemplate {
			p.add("envelope.kind", "a protocol package's entry path must be /%s, not /%s", ProtocolTemplate, prog)
		}
	}
	declared := s.EnvironmentVariables()
	seen := map[string]bool{}
	for i, par := range env.GetParameters() {
		if name := par.GetName(); ValidEnvName(name) && !seen[name] && !slices.Contains(declared, name) {
			p.add(fmt.Sprintf("envelope.parameters[%d].name", i), "%q is not declared in container.environment_variables", name)
		}
		seen[par.GetName()] = true
	}
	for _, name := range declared {
		if !seen[name] {
			p.add("envelope.parameters", "environment variable %q is declared in the spec but not in the envelope", name)
		}
	}
	return p.err()
}

// ValidateEnvelopeFields checks the rules of ValidateEnvelope that need
// no spec, for a reader that has the envelope only (the ledger registers
// envelopes without their specs): package_id is 32 bytes, not all zero;
// name, version, kind (compute or protocol), skill, parent (empty, or 32
// bytes other than package_id), license.royalty_bps, the parameters'
// names, uniqueness and defaults, inputs, outputs, author, fuel and
// service_ports (range, order, count, compute only). Not
// checked:
// that package_id is the id of the spec, that a compute spec names
// wasm32-wasip1, and that the parameters are the spec's environment
// variables. Errors are reported as by ValidateEnvelope.
func ValidateEnvelopeFields(env *specpb.Envelope) error {
	var p problems
	id, err := IDFromBytes(env.GetPackageId())
	switch {
	case err != nil:
		p.add("envelope.package_id", "%v", err)
	case id.IsZero():
		p.add("envelope.package_id", "must not be all zero")
	}
	checkEnvelopeFields(&p, env, id)
	return p.err()
}

// checkEnvelopeFields adds the problems of every field but package_id that
// can be checked without the spec; id is the package id.
func checkEnvelopeFields(p *problems, env *specpb.Envelope, id ID) {
	if !validName(env.GetName()) {
		p.add("envelope.name", "%q must be 1-64 characters of [a-z0-9._-] starting with a letter or digit", env.GetName())
	}
	if _, err := semver.StrictNewVersion(env.GetVersion()); err != nil {
		p.add("envelope.version", "%q is not a semantic version (e.g. 1.0.0): %v", env.GetVersion(), err)
	}
	switch env.GetKind() {
	case specpb.Kind_KIND_COMPUTE, specpb.Kind_KIND_PROTOCOL:
	default:
		p.add("envelope.kind", "unknown kind %v; known: compute, protocol", env.GetKind())
	}
	if err := CheckSkill(env.GetSkill()); err != nil {
		p.add("envelope.skill", "%v", err)
	}
	if par := env.GetParent(); len(par) != 0 {
		if pid, err := IDFromBytes(par); err != nil {
			p.add("envelope.parent", "%v", err)
		} else if pid == id {
			p.add("envelope.parent", "a package cannot be its own parent")
		}
	}
	if r := env.GetLicense().GetRoyaltyBps(); r > MaxRoyaltyBps {
		p.add("envelope.license.royalty_bps", "%d is over %d (100%%)", r, MaxRoyaltyBps)
	}
	seen := map[string]bool{}
	for i, par := range env.GetParameters() {
		f := fmt.Sprintf("envelope.parameters[%d]", i)
		name := par.GetName()
		switch {
		case !ValidEnvName(name):
			p.add(f+".name", "%q is not a valid environment variable name ([A-Za-z_][A-Za-z0-9_]*)", name)
		case seen[name]:
			p.add(f+".name", "duplicate parameter %q", name)
		}
		seen[name] = true
		if par.GetRequired() && par.Default != nil {
			p.add(f+".default", "a required parameter has no default")
		}
	}
	checkPorts(p, "envelope.inputs", env.GetInputs(), func(n string) bool { return checkName(n) == "" })
	checkPorts(p, "envelope.outputs", env.GetOutputs(), validRelPath)
	if a := env.GetAuthor(); len(a) != 0 && len(a) != AddressSize {
		p.add("envelope.author", "must be empty or %d bytes, got %d", AddressSize, len(a))
	}
	if f := env.GetFuel(); f > MaxFuel {
		p.add("envelope.fuel", "%d loop iterations is over %d", f, uint64(MaxFuel))
	}
	checkServicePorts(p, env)
}

func checkPorts(p *problems, field string, ports []*specpb.Port, valid func(string) bool) {
	seen := map[string]bool{}
	for i, port := range ports {
		f := fmt.Sprintf("%s[%d].name", field, i)
		switch n := port.GetName(); {
		case !valid(n):
			p.add(f, "%q is not a valid name", n)
		case seen[n]:
			p.add(f, "duplicate name %q", n)
		default:
			seen[n] = true
		}
	}
}

func validName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i, r := range s {
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
		case (r == '.' || r == '_' || r == '-') && i > 0:
		default:
			return false
		}
	}
	return true
}

// validRelPath reports whether s is a clean relative path without "..".
func validRelPath(s string) bool {
	if s == "" || strings.HasPrefix(s, "/") || path.Clean(s) != s || strings.ContainsAny(s, "\\\x00") {
		return false
	}
	return !slices.Contains(strings.Split(s, "/"), "..")
}

// CheckSkill checks a skill path: one or more segments of [a-z0-9_-]
// separated by '/', e.g. "compute/genomics/digest". It returns an error
// naming the rule.
func CheckSkill(skill string) error {
	if skill == "" {
		return fmt.Errorf("must not be empty: name the skill the work belongs to, e.g. compute/genomics/digest")
	}
	for _, seg := range strings.Split(skill, "/") {
		if seg == "" {
			return fmt.Errorf("%q has an empty segment", skill)
		}
		for _, r := range seg {
			if !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '_' || r == '-') {
				return fmt.Errorf("%q: segments are made of [a-z0-9_-]", skill)
			}
		}
	}
	return nil
}

// KindName returns "compute" or "protocol" for a kind, or "" for others.
func KindName(k specpb.Kind) string {
	switch k {
	case specpb.Kind_KIND_COMPUTE:
		return "compute"
	case specpb.Kind_KIND_PROTOCOL:
		return "protocol"
	}
	return ""
}

// ParseKind parses "compute" or "protocol".
func ParseKind(s string) (specpb.Kind, error) {
	switch s {
	case "compute":
		return specpb.Kind_KIND_COMPUTE, nil
	case "protocol":
		return specpb.Kind_KIND_PROTOCOL, nil
	}
	return specpb.Kind_KIND_UNSPECIFIED, fmt.Errorf("unknown kind %q; known: compute, protocol", s)
}

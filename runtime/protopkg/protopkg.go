// Package protopkg loads protocol packages: the lab protocols of
// fabrication.md ("Protocol packages") packed by spec/packer with
// kind = "protocol". Such a package's filesystem holds one file that
// matters, protocol.json (spec.ProtocolTemplate), an Autoprotocol template
// whose string values may be {{NAME}} placeholders; its envelope declares
// one parameter per placeholder, required or with a default.
//
// Load turns a package and an order's parameters into the filled,
// validated protocol that a node plans and runs, a verifier checks and a
// buyer inspects, with the hash the run's event log names:
//
//	l, err := protopkg.Load(pkg, map[string]string{"ENZYME": "EcoRI"})
//	l.Protocol      // parsed and validated
//	l.Hash          // SHA-256 of l.Filled, botlog's run.start "protocol"
//	l.Requirements  // what a BotSpec must cover
//
// Loading is deterministic: the same package and parameters give the same
// Filled bytes and Hash on every machine. Open does the same for a
// protocol on disk, in any of its forms (a package directory, a .cellpkg
// file, a bare template).
//
// The rest of the package is what the CLI and the node do with a loaded
// protocol:
//
//   - Analyze: its consumables and reagents, and on a BotSpec its warp
//     plan, makespan and price estimate (`cell protocol analyze`);
//   - RunLocal: a run on the lab simulator (runtime/labsim) with its
//     signed event log and datasets (`cell run` of a protocol package);
//   - Check: the conformance check of a delivered run (runtime/botlog)
//     and, for a simulated BotSpec, the replay of the simulation, byte for
//     byte (`cell protocol check`, the buyer's client, drawn verifiers);
//     ReadLog reads the delivered log, a log that does not read being a
//     violation too.
package protopkg

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/celltonomy/celltonomy/protocol"
	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/specpb"
)

// ErrNotProtocol is returned by Load for a package whose kind is not
// protocol, or that does not hold a protocol template.
var ErrNotProtocol = errors.New("not a protocol package")

// Loaded is a protocol package filled with an order's parameters.
type Loaded struct {
	// Template is protocol.json as the package holds it.
	Template []byte
	// Filled is the template with every placeholder replaced: the
	// document the bot runs.
	Filled []byte
	// Hash is SHA-256(Filled): the protocol hash of the run's event log.
	Hash [32]byte
	// Params are the values filled in, by name: the order's parameters
	// plus the defaults of those it left out.
	Params map[string]string
	// Protocol is Filled, parsed and validated.
	Protocol *protocol.Protocol
	// Requirements are what a bot must offer to run Protocol.
	Requirements protocol.Requirements
}

// Load reads pkg's template, fills it with params (a parameter the order
// leaves out takes its default) and parses and validates the result. It
// returns an error matching ErrNotProtocol when pkg is not a protocol
// package; and, matching protocol.ErrInvalid, a *protocol.FieldError whose
// path is "params.NAME" for a parameter the package does not declare or a
// required one that is missing, or the first problem of the filled
// protocol (protocol.Fill, Parse, Validate) naming its instruction and
// field.
func Load(pkg *spec.Package, params map[string]string) (*Loaded, error) {
	env := pkg.Envelope()
	if env.GetKind() != specpb.Kind_KIND_PROTOCOL {
		return nil, fmt.Errorf("package %s is of kind %s: %w", pkg.ID(), env.GetKind(), ErrNotProtocol)
	}
	tmpl, err := pkg.Spec().Tree().ReadFile(spec.ProtocolTemplate)
	if err != nil {
		return nil, fmt.Errorf("package %s: %w: %w", pkg.ID(), ErrNotProtocol, err)
	}
	if len(tmpl) > protocol.MaxProtocolBytes {
		return nil, &protocol.FieldError{Path: "template", Err: fmt.Errorf("%d bytes, over the limit of %d", len(tmpl), protocol.MaxProtocolBytes)}
	}
	values, err := Values(env, params)
	if err != nil {
		return nil, err
	}
	filled, err := protocol.Fill(tmpl, values)
	if err != nil {
		return nil, err
	}
	p, err := protocol.Parse(filled)
	if err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &Loaded{
		Template: tmpl, Filled: filled, Hash: sha256.Sum256(filled), Params: values,
		Protocol: p, Requirements: p.Requirements(),
	}, nil
}

// Values returns the parameter values a protocol package's template is
// filled with: params, plus the default of every declared parameter that
// params leaves out. A name the envelope does not declare, or a required
// parameter params does not give, is a *protocol.FieldError on
// "params.NAME" (matching protocol.ErrInvalid).
func Values(env *specpb.Envelope, params map[string]string) (map[string]string, error) {
	declared := env.GetParameters()
	var names []string
	for _, d := range declared {
		names = append(names, d.GetName())
	}
	var unknown []string
	for name := range params {
		if !slices.Contains(names, name) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return nil, &protocol.FieldError{Path: "params." + unknown[0],
			Err: fmt.Errorf("not a parameter of %s (it declares %s)", env.GetName(), orUnknown(strings.Join(names, ", ")))}
	}
	values := make(map[string]string, len(declared))
	for _, d := range declared {
		v, ok := params[d.GetName()]
		switch {
		case ok:
		case d.Default != nil:
			v = d.GetDefault()
		default:
			return nil, &protocol.FieldError{Path: "params." + d.GetName(), Err: errors.New("required: the package has no default")}
		}
		values[d.GetName()] = v
	}
	return values, nil
}

func orUnknown(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

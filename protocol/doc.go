// Package protocol reads lab protocols: the version-1 Autoprotocol subset
// of fabrication.md ("Protocol format"). It parses a document exactly,
// converts quantities to integers, checks the protocol's meaning against a
// table of container types, fills {{PARAM}} templates and computes the
// Requirements a bot must meet to run it.
//
// Use:
//
//	p, err := protocol.Load(template, params)   // the next three, in order
//
//	doc, err := protocol.Fill(template, params) // protocol.json of a package, an order's parameters
//	p, err := protocol.Parse(doc)               // exact syntax, quantities
//	err = p.Validate()                          // refs, wells, volumes, covers, capabilities
//	req := p.Requirements()                     // ops, containers, storage, resources, ranges
//
// # The subset
//
// A document is {"refs", "instructions", "time_constraints"?}; anything else
// is refused. Ops of version 1 (Ops): provision, dispense, liquid_handle,
// oligosynthesize, seal, unseal, cover, uncover, incubate, thermocycle,
// spin, spectrophotometry (absorbance), gel_separate, with the fields of
// the types of the same names. Unknown ops and unknown fields are refused;
// every error is a *FieldError whose Path names the field, with the
// instruction's index ("instructions[3].duration: …"), and matches
// ErrInvalid. Inputs are bounded: MaxProtocolBytes, MaxInstructions,
// MaxRefs, MaxTimeConstraints, MaxParams, MaxParamBytes, MaxOligoLength,
// MaxCycles.
//
// # Units
//
// Quantities are "VALUE:UNIT" with VALUE a plain decimal, parsed exactly
// (no floating point) to int64 in base units: volume nL, mass ng, time ms,
// temperature m°C, length nm, acceleration g, concentration nM. The field
// fixes the dimension, so "g" is gram in a mass and standard gravity in an
// acceleration. A unit of another dimension, or a value that is not a
// whole number of base units ("0.5:nanoliter"), is an error.
//
// # Decisions
//
//   - Parse checks syntax only; Validate checks meaning. Both stop at the
//     first problem, in document order, so errors are deterministic.
//   - Refs keep their document order (Refs is a list, a duplicate name is
//     refused); nothing iterates a Go map into output, so the package is
//     pure in the sense of internal/purity (tested).
//   - An id ref (an existing sample) must also give its container "type"
//     so its wells can be range-checked; its volumes are unknown and are
//     not tracked. A new container's wells start empty.
//   - Tubes (micro-1.5, micro-2.0) are capped: they count as closed for
//     spin, shaking incubate and thermocycle, and are opened by the liquid
//     handler for liquid ops; cover and seal do not apply to them.
//   - liquid_handle's locations list balances as a whole: the sum of all
//     transports is zero (aspirated volume is dispensed elsewhere).
//   - Fill substitutes placeholders inside JSON strings only (whole or
//     part of the string, JSON-escaped); outside a string it would not be
//     valid JSON, and is refused as such.
//     A missing parameter is an error naming it; an unused parameter is
//     refused too, so a misspelt parameter name cannot go unnoticed.
//   - Incubate temperatures are those of the storage conditions
//     (StorageTemperature; ambient is 22 °C).
package protocol

// Package protocol reads lab protocols: the version-1 Autoprotocol subset
// of fabrication.md ("Protocol format"). It parses a document exactly,
// converts quantities to integers, checks the protocol's meaning against a
// table of container types, fills {{PARAM}} templates and computes the
// Requirements a bot must meet to run it. It also reads BotSpecs, the
// descriptions of bots, and decides whether one Covers a protocol's
// Requirements (fabrication.md, "BotSpec").
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
//	spec, err := protocol.ParseBotSpec(doc)     // exact syntax and validation
//	id, err := spec.ID()                        // SHA-256 of spec.Canonical()
//	err = protocol.Covers(spec, req)            // nil, or the first unmet requirement
//
//	warps, err := protocol.Plan(p, spec)        // the device commands (warps) a run executes
//	ms := protocol.Makespan(warps)              // their total duration
//	est, err := protocol.EstimatePrice(p, spec) // Reagents priced at the inventory's prices
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
//
// # BotSpec
//
// A BotSpec is a JSON object with "name", "version", "operator",
// "simulated", "devices", "container_types", "storage" and "inventory";
// examples/botspecs/simlab.json is the simulated lab. Each device is
// {"id", "kind", "ops", "limits", "timings"}: kind is one of DeviceKinds,
// ops a subset of KindOps(kind); limits are integers in the unit their key
// ends with ("temperature_mc": {"min","max"} in m°C, "volume_nl" in nL,
// "acceleration_g" in g, "duration_ms" in ms, "wavelengths_nm": [nm…]);
// timings map a warp "KIND.ACTION" to {"nominal_ms","min_ms","max_ms"}.
// Inventory items are {"resource_id", "kind", "contents",
// "unit_price_ucell"} (ucell per µL provisioned, or per use for a
// material). Decisions:
//
//   - Canonical form: the keys of every object sorted, no insignificant
//     whitespace, no HTML escaping, absent limits omitted, empty lists as
//     []. The id (BotSpecID) is the SHA-256 of those bytes.
//   - ParseBotSpec accepts any layout and key order (a file an operator
//     edits); ParseBotSpecWithID, for a document fetched under an id,
//     requires its bytes to be exactly the canonical form and to hash to
//     the id, so one id never stands for two different byte strings.
//     A key given twice in an object keeps its last value (encoding/json)
//     in ParseBotSpec; such a document is never canonical.
//   - Sets are sorted lists without duplicates (ops, container_types,
//     storage, wavelengths_nm, inventory by resource_id), so one bot has
//     one canonical document; an unsorted list is refused, not re-sorted.
//     Devices keep the operator's order and need unique ids. Timings are
//     a JSON object whose duplicate warps are refused.
//   - Every device kind must state the limit Covers judges it by:
//     temperature_mc for incubator and thermocycler, volume_nl for
//     liquid_handler and dispenser, acceleration_g for centrifuge,
//     wavelengths_nm for plate_reader. duration_ms is optional; when no
//     device states it, durations are not bounded.
//   - Limits must be sane (temperatures within ±200 °C, volumes 1 nL to
//     100 mL, warps at most MaxWarpMillis) and timings ordered
//     min_ms ≤ nominal_ms ≤ max_ms.
//   - Errors are *BotSpecError naming the field path
//     ("devices[5].limits.temperature_mc.max: …") and match
//     ErrInvalidBotSpec. Inputs are bounded by MaxBotSpecBytes,
//     MaxDevices, MaxInventory, MaxTimings and MaxBotSpecString.
//   - Covers checks, in this order, ops (some device runs each), container
//     types, storage, inventory resources, then the temperature, volume,
//     acceleration and duration ranges against the union of the bounds of
//     the devices that state them, then wavelengths; it returns the first
//     unmet one as an *UnmetError ("op thermocycle: no device of the bot
//     runs it") matching ErrNotCovered.
//
// # The warp plan
//
// Plan expands each instruction into warps, device commands named
// "KIND.VERB", as cloud labs did (fabrication.md, "Execution and the event
// log"); the list of expansions is Plan's doc. Each warp runs on the first
// device, in BotSpec order, of the owning kind that runs the op, and takes
// the device's nominal time, except the warps whose duration the protocol
// itself sets (incubator.hold, thermocycler.run, centrifuge.spin,
// gel_imager.run: Fixed). Parameters are integers in base units as
// decimal, names as given, lists comma-joined, so a bot's event log can
// record them as text and the conformance check (runtime/botlog) compares
// them with the plan exactly. Consumables, Reagents and EstimatePrice give
// what a run uses and a floor of its price.
package protocol

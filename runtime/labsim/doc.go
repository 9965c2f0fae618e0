// Package labsim is the simulated lab: a deterministic bot that executes a
// validated lab protocol (package protocol) and reports what a real bot
// would — the device commands it ran (warps, as a runtime/botlog Run for
// the job's signed event log), the datasets its instruments wrote and the
// shipment of the containers the buyer keeps (fabrication.md, "The
// simulator").
//
// Use:
//
//	in := labsim.Input{
//		Protocol: p, ProtocolHash: sha256.Sum256(filled), // protocol.Load of the package's template
//		BotSpec:  spec,                                   // e.g. examples/botspecs/simlab.json
//		Seed:     labsim.SeedFor(orderID, packageID, specID),
//		Stock:    labsim.SimlabStock(),                   // the λ genome of examples/data
//	}
//	res, err := labsim.Run(in)      // res.Run (→ botlog Steps), res.Datasets, res.Gels, res.Absorbance
//	err = labsim.Replay(in, run, datasets) // a verifier: nil, or a *botlog.Violation (Rule botlog.RuleReplay)
//
// # The executor
//
// Run plans the protocol on the BotSpec (protocol.Plan) and runs the warps
// one after another on a virtual clock that starts at 0 ms, each taking
// its planned Duration (the BotSpec's nominal_ms, or the protocol's own
// duration for holds and runs). It keeps the state of every ref — wells,
// their volumes and contents (inventory resources by volume, DNA species
// by sequence and mass, oligos, a culture's growth), cover and seal — and
// refuses, with a *StepError naming the instruction, what that state
// forbids: a liquid op on a sealed or covered plate, shaking, spinning or
// cycling an open one, sealing a sealed one, overfilling or over-drawing a
// well, a resource the BotSpec does not stock, a DNA stock whose sequence
// it does not know, a ladder the gel model does not know.
//
// The datasets are DATAREF.json and DATAREF.png for a gel_separate (Gel,
// Gel.PNG) and DATAREF.json for the reads of a spectrophotometry dataref
// (Absorbance). Reads of several instructions with one dataref accumulate
// in one file; every warp that writes a dataset carries the SHA-256 of the
// file as it stands after that warp, so the last one names the file as
// delivered (botlog.Check's dataset rule). When a ref's destiny is store,
// the log ends with ship.pack (PackMS after the last warp) and
// ship.handover (HandoverMS later) to Carrier, with a label and a tracking
// id derived from the seed unless Input.Label is given.
//
// # Determinism
//
// The package is pure in the sense of internal/purity (TestLabsimIsPure):
// no floating point — logarithms and powers of two are integer fixed point
// (fixed.go) —, no clock, no map iteration, no I/O, no randomness but the
// seed: measurement noise is a SHA-256 counter stream over the seed. The
// same order on any node yields a byte-identical log and datasets, which
// is what lets a verifier Replay a simulated bot's delivery.
//
// # Models
//
// Each model is a pure function of a well's contents, documented with its
// source next to its constants:
//
//   - Restriction digest (digest.go): DNA with an enzyme of Enzymes() and
//     its buffer, incubated at the enzyme's temperature (± 2 °C) for at
//     least DigestMinMS, is cut completely at every site by the rules of
//     bio/restriction — the same library the compute example uses. The
//     wrong temperature, a missing enzyme or buffer, too short an
//     incubation or an enzyme inactivated by heat leave it uncut.
//   - PCR (pcr.go): a thermocycle of a well with polymerase, template and
//     primers amplifies the product between a forward primer's exact
//     match on the top strand and a reverse primer's on the bottom strand
//     when it denatures (≥ 94 °C), anneals no more than 5 °C above the
//     lower primer Tm (bio/oligo.TmMC) and extends at 68–72 °C for 1 min per kb;
//     yield doubles per cycle up to a plateau.
//   - Growth (growth.go): a culture in its medium at its temperature grows
//     logistically after a lag (GrowthModels: E. coli in LB); absorbance
//     reads report OD600 per well with seeded noise, and OD260/OD280 of
//     DNA.
//   - Gel (gel.go): gel_separate places each DNA species by a log-linear
//     mobility model next to a ladder (Ladders); species closer than
//     GelResolutionUM merge; sizes are estimated from the ladder; the gel
//     is also rendered as a PNG.
//
// Result.Notes say what a model decided that the log does not show ("no
// PCR product: annealing at 68000 m°C, above …").
//
// # Limits
//
// A protocol comes with an order, so a run is bounded like any untrusted
// input, the same way on every node: MaxDatasetBytes of datasets,
// MaxGelLanes per gel, MaxReadsPerDataref per absorbance dataset, and
// MaxScanBytes of sequence scanned by the digest and PCR models (a budget,
// like a compute run's fuel). Beyond one, Run returns a *StepError naming
// the instruction.
//
// # Faults
//
// Input.Fault FaultSkipStep makes the bot skip one warp, chosen from the
// seed, without logging it: a provider node run with this fault delivers
// a log the conformance check refuses (botlog.Check: missing-warp).
package labsim

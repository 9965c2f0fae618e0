// Package labsim is the simulated lab: a deterministic bot that executes a
// validated lab protocol (package protocol) and reports what a real bot
// would — an event log of device commands (warps) and the datasets its
// instruments produce (fabrication.md, "The simulator").
//
// It is pure in the sense of internal/purity (TestLabsimIsPure): no
// floating point, no clock, no randomness but the seed, no map order, no
// I/O. Time is a virtual clock in ms from 0; measurement noise comes from a
// SHA-256 counter stream over the seed. The same order on any node yields
// a byte-identical log and datasets.
//
// # Models
//
// Each model is a pure function of the well's contents, documented with
// its source next to its constants:
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
//     lower primer Tm (TmMC) and extends at 68–72 °C for 1 min per kb;
//     yield doubles per cycle up to a plateau.
//   - Growth (growth.go): a culture in its medium at its temperature grows
//     logistically after a lag (GrowthModels: E. coli in LB); absorbance
//     reads report OD600 per well with seeded noise.
//   - Gel (gel.go): gel_separate places each DNA species by a log-linear
//     mobility model next to a ladder (Ladders); species closer than
//     GelResolutionUM merge; sizes are estimated from the ladder; the gel
//     is also rendered as a PNG.
package labsim

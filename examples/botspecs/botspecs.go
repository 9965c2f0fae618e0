// Package botspecs ships the example BotSpecs as bytes, so programs and
// tests use the same documents without reading the disk.
//
// Simlab is simlab.json: the simulated lab that runtime/labsim runs
// (devices with their timings, container types, storage conditions and
// an inventory of λ DNA, EcoRI, BamHI and HindIII with their buffers, LB,
// an E. coli culture, a PCR master mix, water and a 1 kb ladder). It is
// written for people (indented); its id is the SHA-256 of its canonical
// form (protocol.BotSpec.ID), not of these bytes.
package botspecs

import _ "embed"

// Simlab is the bytes of simlab.json. Callers must not modify it; parse it
// with protocol.ParseBotSpec.
//
//go:embed simlab.json
var Simlab []byte

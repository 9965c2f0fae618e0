// Package proofapi is reputation proofs: the JSON of a miner's HTTP API, a
// client for it, and their verification against the root the chain
// accepted.
//
// A reputation miner (package miner) serves a user's leaves in the network
// colony with their Merkle proofs against the ACCEPTED reputation root:
//
//	GET /v1/reputation/{address}[?skill=ID]  ReputationResponse
//	GET /v1/root                             RootsResponse
//
// Its answers are not trusted. Read the accepted root from the chain with
// client.Client.AcceptedRoot (a state read proven against the app hash),
// ask the miner with Client.Reputation, and check the answer with
// VerifyReputation: every leaf it returns is proven at the key (network
// colony, skill, user) against that root. LeafProof.Proto gives a proof in
// the form a transaction carries it in. This package knows no chain: it
// is the miner's side and the verification, which the chain client
// composes.
package proofapi

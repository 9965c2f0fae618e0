// Package botlog is the schema of a bot run's event log and the
// conformance check of fabrication.md ("Execution and the event log", "The
// conformance check"). A bot (runtime/labsim, or a driver of a real bot)
// writes a Run as signed events of a runtime/eventlog log; the buyer's
// client and the verifiers of a protocol dispute Decode it and Check it
// against the filled protocol, the BotSpec the bid named and the delivered
// datasets.
//
// # Schema
//
// Every value is bytes: integers are decimal ASCII without sign or leading
// zeros, hashes 32 raw bytes, booleans "true" or "false". Event times are
// ms on the bot's clock, which starts at 0.
//
//	run.start      (time 0, first)  botspec, protocol, seed (32 B each),
//	                                instructions, warps (counts), simulated
//	warp           (time = end)     instruction, op, warp, device, params,
//	                                start, end, outcome ("ok" or a reason),
//	                                and for a data warp dataref, dataset
//	                                (file name), sha256 (32 B)
//	ship.pack      (after the warps, only when some ref is stored)
//	                                containers (sorted, comma-joined), where,
//	                                label
//	ship.handover  (after ship.pack) carrier, tracking
//
// params is the warp's parameters as protocol.Plan gives them, one
// "key=value" line each, sorted by key, "\n"-joined (FormatParams,
// ParseParams). One warp event per warp of the plan, in plan order.
//
// A writer builds a Run and appends its Steps (or Run.AppendTo); a reader
// calls Decode, which accepts exactly this schema: unknown kinds, missing
// or extra attributes, numbers that are not canonical or out of bounds,
// events out of place, are *SchemaError naming the event's seq and the
// attribute. Sizes are bounded by the event log (64 MiB, 16 KiB a value)
// and by MaxWarps, MaxParams, MaxName and MaxMillis.
//
// # The conformance check
//
// Check returns nil or the first *Violation, applying its rules in this
// order, each to the whole log:
//
//  1. signature: the chain holds, the last event is signed by the node's
//     key, and the head is the delivered head (eventlog.VerifyChain,
//     VerifyHead). Each event's hash covers the one before, so the last
//     signature binds the node to every event; checking it alone costs one
//     signature instead of one per warp (about 50 µs each: 0.5 s for
//     10,000 warps). eventlog.Read, which reads a stored log, still checks
//     every signature;
//  2. schema: the log decodes;
//  3. start: run.start names the BotSpec of the bid and the hash of the
//     order's filled protocol;
//  4. missing-warp, order, params: the log's warps are protocol.Plan's,
//     one for one and in order, with the same op and parameters (then the
//     counts of run.start, rule start);
//  5. outcome: every warp completed "ok";
//  6. device: each warp ran on a device of the BotSpec of the warp's kind
//     that runs the op (not necessarily the plan's first choice);
//  7. duration: each warp took within its device's [min_ms, max_ms], or,
//     for a warp whose duration the protocol sets (an incubation, a
//     thermocycler program, a spin, a gel run), within 1 % of it;
//  8. time-constraint: every time constraint holds on the log's clock, an
//     instruction spanning from its first warp's start to its last warp's
//     end and a ref from the first to the last instruction using it
//     (less_than and more_than are strict);
//  9. clock: warps do not overlap, and the shipment events come after them;
//  10. dataset: every data warp names the plan's dataset, which is
//     delivered; the delivered file hashes to the SHA-256 logged by the
//     last warp naming it (a file several warps write, like the reads of
//     a plate, grows: earlier warps log it as it was then);
//  11. shipment: exactly the stored refs are packed, at their storage
//     conditions, and handed over to a carrier.
//
// Why: a lab protocol cannot be re-executed by a verifier the way a
// compute package can, but a bot's log can be held to the protocol. The
// plan fixes which device commands a run must show, with which parameters;
// the BotSpec bounds how long each may take, so a skipped, reordered,
// changed or hurried step shows in the log the node signed and committed
// to on chain (the delivery's head), and a dataset that is not the one
// measured shows as a hash mismatch. What the log cannot show (whether
// the physical work matched it) is left to the domain vote. For a
// simulated bot, runtime/labsim also replays the run byte for byte.
//
// The rules "schema" and "outcome" are additions to the list of the
// issue's contract: a log that is not in the schema, and a warp that
// reports a failure, are not executed to spec either.
package botlog

// Package bot is the node's side of the lab: the bots a fulfillment node
// runs protocol packages on, each described by a BotSpec, and the drivers
// that run them.
//
// # Bots and drivers
//
// A node's node.toml lists its bots ([[bots]] entries, node/config): each
// names a BotSpec file (protocol.ParseBotSpec's JSON) and a driver. Load
// reads and validates the BotSpec and finds the driver by name in the
// registry (Lookup, Names). A node with at least one bot announces the
// ids of its BotSpecs (the registry's botspec_hashes) and the
// architecture tag Architecture, and bids on a protocol order only when
// one of its BotSpecs covers the protocol's requirements (Select, which
// uses protocol.Covers).
//
// A Driver is what a bot integration implements: it runs one Job (a
// filled and validated protocol on the bot described by the job's
// BotSpec), reports its progress instruction by instruction through
// Job.Progress, and returns the run's events (a runtime/botlog Run, whose
// Steps the node appends to the job's signed event log) and the datasets
// the run produced (the job's outputs). A driver for a real bot talks to
// the lab's scheduler; the registry's first driver, "labsim", runs the
// deterministic simulator runtime/labsim, so that the same order gives
// the same log and datasets on every node.
package bot

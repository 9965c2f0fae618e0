// Package node is the fulfillment node daemon (`cell node start`): it
// registers a vendor's node in the registry, follows the chain, bids on
// orders, runs awarded jobs in WebAssembly, delivers, and serves as a
// dispute verifier.
//
// # What it does, block by block
//
// The node follows every committed block through client/follow (CometBFT's
// websocket subscription, catch-up by height after a restart, polling
// fallback). For each block it reacts to the market's events:
//
//   - order_created: the bid engine reads the order and the package's
//     registry record, fetches the package into its blob store (checking
//     the blob hash and the package id), and applies node/bid's rules
//     (architecture, capacity, fetchable, price floor, balance, the
//     order's reputation minimum). It bids, or logs the reason it does
//     not; either way the decision is served at GET
//     /v1/orders/{id}/decision so that a buyer whose order expired sees
//     why. With miner_url set, the node asks that miner for its own
//     reputation in the package's skill, verifies the answer against the
//     root the chain accepted (client/repproof), and carries the proof in
//     its bid: the award's tie-break and an order's minimum reputation use
//     the proven value. It registers as a verifier with its proven
//     reputation in the verifier skill when it has one.
//   - order_awarded naming this node's key: a provider job is recorded,
//     with a fresh random completion code and rating salt, waiting for the
//     buyer's inputs.
//   - dispute_opened naming this node among the drawn verifiers: a
//     verifier job is recorded, waiting for the buyer's inputs.
//   - order_closed: the node reveals its rating of the buyer.
//   - order_delivered, order_failed, ratings_final, dispute_decided: the
//     job is marked accordingly.
//
// After the events it retries what a job still owes the chain (a delivery
// before the deadline, a verifier's commit before the commit deadline, its
// reveal inside the reveal window) and re-announces the node every half
// node_ttl_blocks. The first height not yet handled is saved in
// DATA/cursor after each block.
//
// # Jobs
//
// The buyer uploads inputs over HTTP (client/gateway documents the
// protocol and its signatures) and commits the input list; the node checks
// the list's input root against the order's before anything runs. A job
// then runs on one of capacity workers (verifier jobs on a worker of their
// own): every input blob is rehashed, the package is loaded, the run's
// seed is runtime/batch.OrderSeed (so provider and verifiers agree), the
// module runs in runtime/wasm, the output files go into the blob store by
// hash, and the output root is recomputed. Each step is appended to the
// job's hash-chained, node-signed event log (runtime/eventlog, in
// DATA/jobs/<order>-<role>.log): inputs-verified, package-fetched,
// run-started, exit, outputs-hashed and, for a provider, delivery-tx. The
// delivery carries the log's head before delivery-tx.
//
// Jobs are persisted in DATA/jobs/<order>-<role>.json after every change
// of state (write, fsync, rename). After a crash a job in "running" is run
// again (runs are deterministic, so the output root is the same); a job
// whose run was started three times without finishing is failed instead.
// A node never delivers twice: before delivering it checks that the chain
// still holds the order AWARDED to this node, and the ledger refuses a
// second delivery anyway.
//
// # Transactions
//
// The operator account signs every transaction. The node keeps the
// account's sequence locally so that bids, deliveries and reveals of many
// orders can enter one block, and reloads it from the chain on a sequence
// error.
//
// # Faults
//
// Options.Fault injects a fault for tests and demonstrations: FaultWrongOutput
// delivers a corrupted output root (while serving the true outputs), and
// FaultNoDelivery never delivers.
//
// # HTTP
//
// GET /v1/blobs/{sha256}, PUT /v1/blobs/{sha256} (only for a package whose
// registry record lists this node), the order endpoints of client/gateway,
// GET /healthz (200 once the node follows the chain) and GET /metrics
// (Prometheus, namespace cell_node).
package node

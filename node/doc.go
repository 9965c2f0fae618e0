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
//     registry record and applies node/bid's rules (architecture,
//     parameters, the package's declared limits, capacity, fetchable,
//     price floor, balance, the order's reputation minimum). What it
//     needs of the package (its limits) comes from a bounded in-memory
//     cache; a decision never waits for a fetch: when the package is not
//     in the cache, its fetch is queued (see "Fetching") and the order is
//     decided again when the fetch ends, within the bid window if the
//     fetch is quick, while other orders are decided meanwhile. It bids,
//     or logs the reason it does not; either way the decision is served
//     at GET /v1/orders/{id}/decision so that a buyer whose order
//     expired sees why. With miner_url set, the node asks that miner for its own
//     reputation in the package's skill, verifies the answer against the
//     root the chain accepted, read with a state proof
//     (client.ProvenReputation), and carries the proof in
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
// The buyer uploads inputs over HTTP (nodeapi documents the
// protocol and its signatures; see "HTTP" for the limits) and commits the
// input list; the node checks the list's input root against the order's
// before anything runs. A drawn verifier that gets no inputs from the
// buyer fetches them, signed with its node key, from the provider's node
// or else from the other drawn verifiers that committed them, each file
// streamed to disk and checked against its hash and the input root. A job
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
// Jobs hold typed values: the package id (spec.ID), the input root,
// output roots, file and transaction hashes (Hash), the completion code
// and salts (Secret). Bytes from the chain and the HTTP API are decoded
// into them once, where they enter, and refused with an error naming the
// field; the job files keep the hex form of earlier versions, so a node
// restarted on an older data directory loads its jobs unchanged.
//
// # Bots and protocol packages
//
// A node with bots (node.toml [[bots]], node/bot) announces their
// BotSpec ids (botspec_hashes) and the architecture autoprotocol/1, and
// runs protocol packages on them:
//
//   - Bid: the package is fetched as for a compute package; its
//     protocol is filled with the order's parameters and validated
//     (runtime/protopkg), and the node bids only when one of its
//     BotSpecs covers the protocol's requirements (node/bot.Select,
//     protocol.Covers), naming that BotSpec in the bid. Otherwise the
//     decision ("not-covered", served at GET /v1/orders/{id}/decision)
//     names each BotSpec's first unmet requirement.
//   - Run: once the buyer committed the (usually empty) input list, the
//     job runs on the driver of the bot whose BotSpec the contract
//     names. The job's event log is the bot run's log alone
//     (runtime/botlog: run.start, one event per warp, ship.pack and
//     ship.handover), its times the bot clock's milliseconds, signed
//     with the node key and written afresh at each run; no delivery-tx
//     follows it, so the delivered head is its last event. The datasets
//     are the outputs, under the output root as a compute run's files
//     (exit code 0, no stdout or stderr). JobStatus shows the progress,
//     instruction i of n. When the protocol stores containers, the
//     buyer's outputs carry the shipping label: a PNG of a QR code of
//     the order, the label id and the completion code
//     (node/bot.LabelPNG), outside the output root.
//   - Dispute: a drawn verifier of a protocol order needs no inputs: it
//     fetches the provider's delivered log and datasets (the buyer's
//     routes, signed with its node key, bounded), runs the conformance
//     check (runtime/botlog.Check) and, for a simulated BotSpec, the
//     replay (runtime/labsim.Replay), and commits, then reveals, its
//     verdict: conforms, violates, or undecidable when it cannot get the
//     data, does not know the BotSpec (its bots' and the simulated lab's,
//     examples/botspecs, it knows), or the check cannot run.
//
// # Seams and time
//
// The engine (bidding, jobs, runs, deliveries, verifier duty) reads the
// ledger, sends transactions and fetches blobs through small interfaces
// it declares (seams.go): the typed ledger client's queries, the
// operator's client.Sender, and an HTTP blob source (packages by hash;
// a verifier's inputs from another node of the order). Its unit tests
// run it with fakes of the three and a real WebAssembly run, without a
// chain. Options.Clock is the node's only source of the time: event-log
// stamps, signature expiry, run and decision times, the blobs' last use
// for collection, transfer deadlines. State is owned per concern, each
// with its own lock: the jobs table, the bid decisions, the reputation
// cache, the uploads in progress, the background tasks; the chain
// position is atomic.
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
// delivers a corrupted output root (while serving the true outputs),
// FaultNoDelivery never delivers, FaultSilentVerifier neither commits nor
// reveals when drawn as a verifier, FaultFalseMissingInputs reports
// the inputs missing although it signed for them, delivering only once
// the buyer's receipt voided the report, and FaultSkipStep makes its bot
// skip one warp of each protocol run (a log the conformance check
// rejects).
//
// # Services
//
// A service order awarded to the node (ledger/market: "Service orders")
// is not a job: the node fetches the package and starts its instance
// (runtime/wasm.Executor.StartService, sandboxed as a batch run, its
// memory limit the package's), gives the buyer tokens and routes its
// calls (nodeapi: "Services"), and meters them. It stops the instance at
// the service's end, at the height of the buyer's MsgStopService, or at
// its own shutdown (at the last height it handled), and delivers the
// usage receipt (nodeapi.UsageReceipt) of the blocks served up to there:
// the chain pays exactly those. The record of each service is kept in
// DATA/services/ORDER.json, so that a node that crashed delivers on its
// next start what its instances served up to the last height it handled.
// After the close the node reveals its rating of the buyer and forgets
// the service.
//
// # HTTP
//
// GET /v1/blobs/{sha256} (packages only, public), PUT /v1/blobs/{sha256}
// (a package whose registry record lists this node, uploaded by its
// author), the order endpoints of nodeapi, GET /healthz (200 once
// the node follows the chain) and GET /metrics (Prometheus, namespace
// cell_node).
//
// Nothing is read of a request body before the request is authorized:
// the gateway signature declares the body's SHA-256 and length, and the
// node checks the signature, its expiry and nonce (a bounded replay
// cache), the signer's right (the order's buyer; a drawn verifier's node
// key; the package's author), the input's name (declared by the
// package's envelope in the registry record), the declared size
// (max_input_bytes, max_order_input_bytes; for a package its registry
// record's size) and a free upload slot (max_concurrent_uploads, else
// 503). Only then does the body stream to disk, hashed on the way, capped
// at its declared length and refused when its hash or length differ.
//
// Time limits: headers must arrive within 10 s (a slowloris client is
// cut), a request within 30 s, a response be written within 60 s, and
// an idle connection closes after 120 s. A transfer of n bytes (an
// upload, or a file or package served) gets 10 s + n /
// min_transfer_bytes_per_second instead, and an upload whose average
// rate falls below min_transfer_bytes_per_second after its first 10 s
// is cut. At most max_connections connections are open at once.
//
// # Fetching
//
// The node fetches packages (for its bids and runs) and, as a verifier,
// inputs from URLs that others chose: registered blob locations, other
// nodes' endpoints. Such fetches use a client that dials public
// addresses only unless allow_private_fetch (the check runs at dial
// time, after name resolution and on every redirect, so neither DNS nor
// a redirect can point it at the node's own network), uses no proxy from
// the environment, and follows at most 3 redirects. A package is fetched
// by at most fetch_workers at once; each location gets 10 s + size /
// min_transfer_bytes_per_second and is cut when its average rate falls
// below min_transfer_bytes_per_second after its first 10 s; the body
// streams to disk, hashed, capped at the registry record's size
// (spec_size + len(envelope) + PackageBlobMargin, at most
// max_package_bytes); the package then decodes to the registered package
// id with the registry record's envelope bytes, or it is deleted. A
// package that could not be fetched counts as not fetchable for a
// minute. The sources are the registered locations, then (for a
// verifier) the provider's node, then up to 8 other active nodes in
// random order, each at ENDPOINT/v1/blobs/SHA256: every node serves the
// packages it holds.
//
// # Storage
//
// DATA/blobs holds packages (.cellpkg, served publicly); DATA/files holds
// the orders' input and output files (served only through the signed
// order endpoints). A node of an earlier version kept both in
// DATA/blobs: New moves the files its jobs reference to DATA/files. Both
// count against blob_quota_bytes, files being received included; a write
// over the quota is refused (HTTP 507) and starts a collection. Every 100
// blocks, and when the quota is full, the node collects:
//
//  1. a job the chain finished with (Job.Done) retention_blocks ago is
//     removed with its record, event log and outputs, and its files;
//  2. files that no job references (a replaced upload, say) are removed
//     once unused for 15 minutes;
//  3. while the packages take more than package_cache_bytes, the least
//     recently used one is removed, except the packages of unfinished
//     jobs (a run fetches a removed package again).
package node

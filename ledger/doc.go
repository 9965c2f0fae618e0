// Package ledger is the Celltonomy ledger: a deterministic state machine
// over an ordered key/value store, run by CometBFT through the adapter in
// chain/. This file is its manual. The code is in the sub-packages:
//
//	store      the state interface (KVStore), write-back branches (Cache), MemStore, key helpers
//	tx         transaction decoding, sign bytes, signature check, Sign for clients
//	codes      result codes and logs; event: typed events, their encoding and decoding
//	schema     every result code and event type of the ledger, for clients (Codes, Events)
//	auth       accounts: public key, sequence; the fee and sequence rules (Ante)
//	bank       balances, supply, MsgSend, module accounts, mint/burn for other modules
//	treasury   the network's purse: its share of fees and minting; spent only by governance proposals
//	mint       tokenomics: inflation minted each block, the supply ceiling, fee burn and split
//	staking    validators, bond/unbond, delegations, redelegations, commission, voting power,
//	           double-sign and downtime slashing, jailing and unjail
//	distribution  F1 lazy rewards: the "rewards" account to the previous block's signers and their delegators
//	params     consensus parameters in state
//	registry   profiles, fulfillment nodes (with expiry), packages (the version chain), offerings
//	reputation the skill tree, the reputation update log, mining and reputation proofs
//	market     purchase orders, bids, contracts, escrow, ratings, disputes
//	gov        proposals, deposits, votes, the timelock and the execution of passed proposals
//	query      the query protocol: paths, their messages, paging, the codes of a failed query
//	app        composition, routing, block hooks, queries, simulation, invariants: what chain/ calls
//	ledgerpb   generated protobuf code of proto/ (go generate ./ledger)
//
// # What is pure
//
// Nothing under ledger/ reads a clock, draws random numbers, touches
// files or the network, starts goroutines, takes locks, uses floating
// point, or walks a map in a way that reaches state, results or hashes
// (purity_test.go enforces this). Time is the block height; all arithmetic
// is on uint64 ucell (1 CELL = 10^6 ucell) with overflow checks. Given the
// same state and the same calls, every node writes the same keys in the
// same order, returns the same results and so computes the same IAVL root.
//
// # Usage by the chain adapter
//
//  1. Create one *app.App with app.New() for the life of the process. It
//     holds no state; all state is in the store.KVStore passed to each call.
//     Adapt the IAVL tree to store.KVStore (panic on I/O errors: the ledger
//     cannot go on with state it could not read or write).
//
//  2. InitChain (height 0 only): call App.InitChain(st, chainID, appState)
//     with the empty working tree, the chain id and the app_state bytes of
//     genesis.json (protojson of ledgerpb.Genesis; app.EncodeGenesis writes
//     one, app.ValidateGenesis checks one without a node). Return its
//     validator updates to CometBFT: they are the initial validator set.
//     An error means a bad genesis: refuse to start.
//
//  3. CheckTx: keep a mempool branch, store.NewCache(committed state), and
//     call App.CheckTx(branch, chainID, tx). It runs the cheap checks —
//     size, decoding, chain id, message count and memo, the stateless rules
//     of each message, signature, sequence, fee — and on success charges
//     the fee and increments the sequence in the branch, so that an
//     account's second transaction in the mempool is checked after its
//     first. After each Commit, replace the branch with a fresh one over the
//     new committed state before CometBFT rechecks the remaining
//     transactions (in mempool order, so sequences line up again). Code 0
//     admits the transaction; any other code refuses it.
//
//  4. ProcessProposal: call App.FinalizeBlock(branch, header, txs,
//     misbehavior) on a store.Cache over the committed state, with the
//     proposed block's own header (height, hash, time, proposer) and
//     misbehavior, and reject the block if BlockResult.Uncharged() is not
//     -1: a transaction that fails its form, signature, sequence or fee
//     check is refused without being charged, so a block that holds one
//     gives block space away for free (see "Fees and sequences").
//     PrepareProposal does the same with the mempool's transactions and
//     keeps only those whose TxResult.Charged is set; removing the others
//     changes nothing of the rest, so the block it proposes is accepted.
//
//  5. FinalizeBlock: the block's writes are the branch ProcessProposal
//     executed, if it is this very block (same height, hash and
//     transactions): write it to IAVL's working tree with Cache.Write.
//     Otherwise call App.FinalizeBlock on a fresh store.Cache over the
//     working tree and write that. Cache.Write flushes in key order, so
//     the tree receives the same writes either way and its root, the app
//     hash, is the same; and a block's execution never writes into IAVL's
//     working tree, whose iterators cost more with every unsaved write.
//     Return BlockResult.TxResults, Events and ValidatorUpdates to
//     CometBFT as they are (Code, Codespace, Log, Events per tx), and the
//     working tree's root hash as the app hash. Do not persist before
//     Commit. FinalizeBlock accepts any bytes.
//
//  6. Commit: save the IAVL version. Info reports its height and root hash
//     so CometBFT can replay blocks after a crash; replay is safe because
//     FinalizeBlock is deterministic.
//
//  7. Query: App.Query(snapshot, path, data) answers the paths of the
//     query protocol (package query: the table of paths with their
//     request and response messages, query.Paths) with serialized
//     ledgerpb replies; a failed query is an error with a code of
//     codespace "app" (query.ErrNotFound, …), which the adapter reports as
//     the query's code. It only reads, and the App holds no state, so it
//     may run on any goroutine while blocks execute: pass it an immutable
//     snapshot of a committed version (chain/ publishes one at each
//     Commit) and no consensus lock is needed. Every list query answers
//     one page in one shape: a PageRequest names an opaque cursor, the
//     state key of the next entry, which the reply's PageResponse hands
//     back until the list ends (query.MaxPage; see package query,
//     "Paging"). For proofs, serve raw keys from the IAVL tree (the path
//     query.Store): every module exports the helpers that build its keys
//     (see "Key layout") and decode its values.
//
//  8. Simulate: App.Simulate(branch, header, tx) answers the path
//     query.Simulate: it runs the next block's begin-block hooks, then the
//     transaction exactly as FinalizeBlock would (form, signature,
//     sequence, fee, then its messages), on a branch it throws away, and
//     returns the TxResult the block would give it. Call it with the
//     mempool's branch (CheckTx's state, so that an account's pending
//     transactions count) and the next height, under the consensus lock.
//     A client simulates every transaction before broadcasting it, so
//     that one that would fail is refused with its code before it costs
//     a fee.
//
// # Genesis
//
// The app_state of genesis.json is a ledgerpb.Genesis in protojson
// (app.DecodeGenesis); InitChain checks all of it before it writes
// anything (app.ValidateGenesis lists the rules) and writes, in this
// order:
//
//	params                  absent: params.Default()
//	accounts                balances in ucell; their sum is the supply
//	validators              self-bonded from their operators' balances
//	skills                  skill paths, parents first (or reputation.skills;
//	                        neither: compute, protocol, buyer, mining)
//	reputation.grants       initial reputation (Colony whitepaper §6.2.3):
//	                        {address (bech32), skill (a genesis skill's path),
//	                        amount (a positive decimal string, at most
//	                        2^127 − 1)}, appended in order to the log of
//	                        cycle 0 in the network colony
//
// For example:
//
//	"skills": ["compute", "protocol", "buyer", "mining", "compute/genomics"],
//	"reputation": {"grants": [
//	  {"address": "cell1…", "skill": "compute/genomics", "amount": "1000000"}
//	]}
//
// The grants are ordinary log entries: they become reputation, provable
// against the accepted root, once cycle 0 is mined, and they decay from
// cycle 1 on. A bad grant fails genesis with an error naming its index
// and field ("reputation.grants[3].skill …"). Their number is bounded only
// by the size of genesis.json, which every node reads whole (see package
// reputation, "Initial reputation").
//
// # Transactions
//
// A transaction is a serialized ledgerpb.Tx: the raw bytes of a TxBody,
// the signer's ed25519 public key and an ed25519 signature over
// "celltonomy/tx/v1\x00" ‖ body (tx.SignBytes). The signer's address is
// sha256(public key)[:20] (ledger/address); every message of the body is
// signed by, and acts for, that address. A signature is valid under the
// ZIP-215 rules, as CometBFT's own (ledger/tx: "Signatures"), so that a
// node may verify a block's signatures in one batch and reach the same
// result as one by one. Clients build transactions with
// tx.Sign. A Tx must be in canonical protobuf encoding and at most
// tx.MaxTxBytes (64 KiB); fields unknown to this version are refused, not
// dropped.
//
// # Fees and sequences
//
//   - An account's sequence is the number of its transactions accepted so
//     far; a transaction must carry exactly that number. A reused number
//     (a replay) or a skipped one is refused with auth code 1, whose log
//     says "expected N, got M". An address that has only received funds
//     has sequence 0; its first transaction registers its public key.
//   - The fee, in ucell, must be at least the min_fee param and at most
//     the signer's balance. fee_burn_bps of it is burned, fee_validator_bps
//     goes to the module account "rewards" (validators and delegators),
//     the rest to the treasury (see "Tokenomics"). The signer's balance
//     pays at once; the burn and the two credits of all the block's
//     transaction fees are made together at the block's end.
//   - A transaction that fails any check of its form, signature, sequence
//     or fee changes nothing, in CheckTx and in FinalizeBlock, and it is
//     not charged (TxResult.Charged is false). Since CheckTx charges fees
//     only, a transaction admitted to the mempool may no longer pay when
//     the block runs: an earlier transaction of the same block, or its
//     own signer's, spent the balance. Such a transaction must not reach
//     a block, where it would take space for free: the proposer leaves it
//     out and every validator rejects a block that holds one (steps 4 and
//     5 of "Usage by the chain adapter").
//   - A transaction that passes those checks but whose messages fail (say,
//     a send above the balance left after the fee) is still charged: its
//     fee is paid and its sequence consumed, and nothing of its messages
//     remains. FinalizeBlock charges the fee and sequence in the block's
//     state (the ante handler writes nothing when it refuses) and runs
//     the messages in a branch of it, which a failure discards. So a
//     transaction that reached a block always costs
//     its fee, spam included, and can never be replayed.
//   - The messages of a transaction run in order; all take effect or none.
//
// # The registry
//
// Message numbers 20 to 39 of ledgerpb.Msg belong to the registry
// (market.md: "Registry"); see package registry for every rule.
//
//	20 set_profile        create or replace the signer's profile: name, roles, contact
//	21 announce_node      register or refresh a node under its own ed25519 key:
//	                      endpoint, architectures, BotSpec hashes, capacity, and the
//	                      node key's signature of (chain id, operator): no squatting
//	22 remove_node        delete one of the signer's nodes
//	23 register_package   register a package envelope signed by its author, the signer,
//	                      and the URLs of its bytes (one to 16 blob locations)
//	24 set_offering       create or replace the signer's offering (catalog item) of a
//	                      package: fixed price (≥ min_price), lead time, the node that
//	                      serves it, a vendor stake per purchase; the signer's profile
//	                      has the vendor role
//	25 remove_offering    delete it
//
// A node announced at height H is active through height H +
// node_ttl_blocks (a param, 14,400 by default) and expired after it; it
// stays in state, reported expired, until it announces again or is
// removed. A package names at least one blob location, and at most 16:
// the http(s) URLs where nodes fetch its bytes (registry.ErrNoLocation,
// ErrTooManyLocations); a client that uploads the blob to nodes names
// their blob URLs (ENDPOINT/v1/blobs/SHA256). A package names its parent
// to be a new version of it: the
// parent must be registered with the same name and author, and no author
// may take another author's name, so a package name has one author and
// its versions cannot be hijacked. The ledger does not see specs: a
// package id is the author's signed claim about the spec's SHA3-256,
// which whoever fetches the package checks.
//
// # Reputation and mining
//
// Message numbers 40 to 59 of ledgerpb.Msg belong to the reputation
// module (reputation.md); see package reputation for every rule.
//
//	40 create_skill           create a skill under an existing one
//	41 stake_miner            stake ucell as a reputation miner; it moves to the "miners" module
//	                          account; since_height is the first stake's height
//	42 unstake_miner          take stake back, unless the signer has a submission to the cycle
//	                          being mined (open window, or its claims being challenged)
//	43 submit_root_hash       submit (root, n_leaves, jrh) for the mining cycle with an entry
//	                          index 1 … stake / min_miner_stake, eligible when keccak256(miner ‖
//	                          uint256 entry index ‖ root) < (2^256 − 1) × (h − start + 1) / W,
//	                          from a miner staked miner_min_staked_cycles whole cycles; at most
//	                          12 submissions per distinct hash (a claim)
//	44 confirm_justification  challenge step: prove leaf 0 (the previous state) and the last
//	                          leaf N (the claim) of the claim's justification tree
//	45 prove_leaf_count       challenge step (same root, other n_leaves): prove a leaf whose UID
//	                          is the claim's n_leaves
//	46 challenge_search       challenge step: the two children of the binary search's node
//	47 respond_to_challenge   challenge step: the disputed single update, recomputed on chain
//	                          from witnesses against the agreed state before it
//	48 enter_recovery         a recovery address stops mining (recovery mode): no freeze, no
//	                          decay, no window or deadline moves; submissions and answers refused
//	49 recovery_set_root      in recovery mode, a recovery address sets the accepted root of a
//	                          frozen cycle; the cycle being mined is dropped unsettled; the next
//	                          cycle is mined next (an edit)
//	50 approve_recovery_exit  a recovery address approves the state after the latest edit; a
//	                          majority of the addresses ends recovery mode
//	51 set_recovery_addresses refused (market: 73 too): the recovery addresses are replaced by a
//	                          governance proposal's set_recovery_addresses (an edit in recovery
//	                          mode); see "Governance"
//
// Mining. Every reputation_cycle_blocks (600) the open cycle's log is
// frozen, unless an earlier cycle still waits for acceptance, and a
// submission window of mining_window_blocks (60) opens the next block.
// When it closes: with no claim it reopens; with one distinct (root,
// n_leaves, jrh) that becomes the accepted reputation root and its miners
// are paid miner_reward ucell from the miners' reward pool
// "mining_rewards" first, then from the treasury (while they have funds), and
// miner_reputation_reward in the skill "mining", split by the weight
// (1 − 1/e3(t/T)) × (1 − n/24) of reputation.md computed exactly.
//
// With two or more claims, the challenge-response protocol of Colony
// (whitepaper §7.5) decides, so that a wrong root is always defeated by
// anyone holding the right one. The claims, in submission order, are
// paired into rounds (an odd one out gets a bye); winners meet in the
// next round until one is left, which is accepted. Each step of a
// challenge has mining_response_window_blocks (50) to be answered, by
// anyone, for either side; a side that does not answer in time loses
// (both, when neither does). The steps: both sides confirm their JRH
// (leaf 0 is the previous accepted state, the last leaf N = decays +
// log updates is the claim, and the proofs have the shape of a tree of
// exactly N + 1 leaves); a binary search over the two justification
// trees, one level per step, finds the first leaf where they differ in
// ⌈log₂(N + 1)⌉ steps at most; then whoever proves that single update —
// recomputed by the ledger with the reputation library from Patricia
// witnesses of the key (present, or absent and inserted with the next
// UID), of the user's origin and child values for a loss, of the
// previous value for a decay — wins for its side. Two claims with the
// same root and different leaf counts skip to one step: the side
// claiming more leaves proves a leaf with that UID. A losing claim's
// miners lose their whole stake — miner_slash_defender_bps (half) to the
// accounts that answered for the claim that beat it, the rest to the
// treasury — and miner_reputation_penalty in "mining" per submission;
// when every claim lost, the window reopens and the lost claims stay
// barred. No sequence of submissions stops mining.
//
// Recovery mode (Colony whitepaper §2.2, §7.9) is the emergency stop: the
// recovery addresses of genesis (recovery_addresses; replaced later by
// a passed governance proposal) may stop mining — nothing freezes, decays,
// closes or times out, and the accepted root keeps proving reputation —
// set the accepted root of a frozen cycle, dropping the cycle being mined
// without settling it, and end it by a majority of approvals given after
// the latest edit. At the end, the blocks spent in recovery mode do not
// count toward the open cycle's freeze; a submission window or the open
// challenges' step deadlines start afresh; frozen cycles left unmined
// (after an older root was set) are mined one after another.
//
// Anyone can then prove a reputation against the accepted root
// (ledgerpb.ReputationProof): a bid with a proof in the package's skill
// wins ties of price, an order's min_provider_reputation requires one, a
// verifier's proof in "compute" weights the dispute draw, and a domain
// voter's proof in a protocol package's skill admits its vote and gives
// its weight.
//
// # The market
//
// Message numbers 60 to 89 of ledgerpb.Msg belong to the market
// (market.md: "Purchase order lifecycle", "Disputes"); see package market
// for every rule. A dispute of a compute package is decided by verifiers
// drawn to re-execute it; one of a protocol package by verifiers drawn
// the same way to check its event log, and only what they cannot decide
// by a commit-reveal vote of reputation holders in the package's skill,
// weighted by their proven reputation.
//
//	60 create_order     post a purchase order: package, input root, parameters, max price
//	                    (≥ min_price), PO stake (≥ min_po_stake), bid/delivery/confirm
//	                    windows; max price + PO stake move to the "escrow" module account
//	61 cancel_order     the buyer cancels an open order; everything is refunded
//	62 bid              a provider bids with an active node that fits the package:
//	                    min_price ≤ price ≤ max price, stake ≥ max(min_bid_stake,
//	                    bid_stake_ratio_bps of the price); an optional reputation proof
//	                    in the package's skill (required to reach an order's
//	                    min_provider_reputation) breaks ties of price; on a protocol
//	                    order it names one of the node's announced BotSpecs
//	63 withdraw_bid     take a bid and its stake back while the order is open
//	64 deliver          the winner posts output root, event-log head, completion
//	                    commitment, its rating commitment and the run's result (an exit
//	                    code, or a deterministic error or limit), by the delivery deadline
//	65 close            the buyer reveals the completion code and commits to a rating;
//	                    the provider is paid price − network fee − author royalty
//	66 reveal_rating    buyer or provider reveals stars and salt before the reveal deadline
//	67 buy_offering     buy an offering directly, for at most a max price: awarded at once
//	                    to the offering's node, with the vendor's stake as bid stake
//	68 register_verifier      stake (≥ min_verifier_stake) a wasm node of the signer as a
//	                          verifier, or add stake to it; the stake moves to the
//	                          "verifiers" module account; an optional reputation proof in
//	                          "compute" weights its draws
//	69 unregister_verifier    take the stake back, unless drawn in an open dispute
//	70 open_dispute           the buyer disputes a delivery before the confirm deadline with
//	                          a claim, a wished outcome and a stake (≥ min_dispute_stake);
//	                          and the head of its seed chain; round 1 starts (a protocol
//	                          dispute has one round, then perhaps its domain vote)
//	71 verifier_commit        a drawn verifier commits to an output root (compute) or a
//	                          verdict (protocol), its address and the round (commit window)
//	72 verifier_reveal        it reveals root, or verdict, and salt (reveal window)
//	73 release_litigation     refused: litigated funds are released by a governance proposal's
//	                          release_litigation (see "Governance")
//	74 domain_vote_commit     protocol disputes whose verifiers did not decide: once the
//	                          domain vote is open, an account other than the parties, proving
//	                          reputation > 0 in the package's skill, stakes
//	                          min_domain_vote_stake and commits to sha256(order id ‖ voter
//	                          ‖ vote (1 byte) ‖ salt) (commit window; at most 64 voters, a
//	                          heavier one takes the lightest's slot)
//	75 domain_vote_reveal     it reveals vote and salt with a reputation proof whose value is
//	                          the vote's weight (reveal window); at the reveal deadline the
//	                          heavier side wins and shares the loser's forfeit with its
//	                          voters, the others lose their vote stake; a tie or no reveal
//	                          splits the price
//	76 reveal_dispute_seed    the round's seed (after the round's first block, before its
//	                          seed deadline); the round's verifiers are drawn from it and
//	                          that block's hash
//	77 post_input_receipt     show the contract node's signed receipt of the inputs: voids a
//	                          report of missing inputs; a later missed delivery pays the buyer
//	78 report_missing_inputs  the provider: the inputs never arrived (from the input
//	                          deadline); unless a receipt is shown within the contest window,
//	                          the contract ends with everything refunded
//	79 stop_service           the buyer ends its service order early (awarded, below the
//	                          service's end): the provider is paid for the blocks served
//	                          (market: "Service orders")
//
// A bid on an order of a protocol package names the BotSpec that runs it
// (MsgBid.botspec_id, the SHA-256 id of its canonical JSON): one the
// bidding node announced in the registry (market.ErrBotSpecNotAnnounced;
// market.ErrBotSpec when it is missing, or given on a compute order). It
// is kept on the bid and on the awarded contract (Contract.botspec_id)
// and in bid_placed and order_awarded, so the buyer and the verifiers
// know the BotSpec to check the run against. A bid whose node no longer
// announces it at the award is not valid. An offering of a protocol
// package names its BotSpec too (MsgSetOffering.botspec_id,
// registry.ErrOfferingBotSpec), and a direct purchase's contract takes
// it, provided the node still announces it.
//
// The rule of a protocol dispute (fabrication.md: "drawn verifiers run
// the same check in a protocol dispute and commit-reveal their verdicts;
// only what the check cannot decide goes to the domain vote"):
//
//  1. The buyer opens it with the head of a seed chain, as for a compute
//     dispute; in a later block it reveals the seed, which draws
//     verifiers_per_dispute verifiers (market.DrawVerifiers).
//  2. Each runs the conformance check of the delivered event log against
//     the filled protocol and the contract's BotSpec (and, for a
//     simulated bot, the replay) and commits below the commit deadline
//     to market.VerdictCommitment = sha256(order id (8) ‖ verifier (20) ‖
//     round (4) ‖ verdict (1) ‖ salt (32)), the verdict being 1 conforms,
//     2 violates, 3 undecidable; it reveals verdict and salt (no output
//     root) in the reveal window.
//  3. At the reveal deadline (market.MajorityVerdict, the rule of
//     MajorityRoot: strictly more than half of the reveals and at least
//     min_dispute_quorum of them): violates — the buyer wins, settled as
//     a compute dispute the buyer wins (the provider's bid stake is
//     forfeited, the buyer gets its dispute stake and the outcome it
//     named); conforms — the provider wins and is paid as on close.
//     Silent verifiers lose their stake, and so do those outvoted by that
//     majority; the majority shares verifier_reward_bps of the forfeit.
//  4. Otherwise (a majority of undecidable, a tie, too few reveals, no
//     verifier): silent verifiers lose their stake, the others keep it,
//     and the domain vote opens in the package's skill, its commit and
//     reveal windows starting at that block (domain_vote_opened); it
//     decides as before, a tie splitting the price. There is no second
//     round of verifiers.
//
// Params of the market: min_po_stake (ucell), bid_stake_ratio_bps,
// network_fee_bps, fail_slash_buyer_bps, max_bid_window,
// max_delivery_window, max_confirm_window and reveal_window_blocks
// (blocks); min_verifier_stake, min_dispute_stake (ucell),
// verifiers_per_dispute, verifier_commit_window, verifier_reveal_window
// (blocks; also the windows of a protocol dispute's domain vote),
// verifier_reward_bps;
// min_bid_stake, min_price (ucell), max_royalty_bps, input_window_blocks,
// input_contest_window_blocks (blocks), max_dispute_rounds,
// min_dispute_quorum, dispute_seed_window_blocks (blocks),
// min_verifier_reputation, min_domain_vote_stake (ucell) and
// max_due_per_block; defaults in params.Default.
//
// Params of reputation: reputation_cycle_blocks, mining_window_blocks,
// mining_stake_maturity_blocks, mining_response_window_blocks (blocks),
// min_miner_stake, miner_reward (ucell), miner_reputation_reward,
// miner_reputation_penalty, decay_numerator and decay_denominator,
// miner_min_staked_cycles (cycles) and miner_slash_defender_bps.
//
// Params of staking and distribution (staking.ValidateParams):
// staking_commission_change_blocks (blocks between two commission changes
// of a validator; default 14,400, a day; 0: no limit),
// staking_signed_blocks_window (blocks of the downtime window; default
// 1,000; 0: no downtime slashing), staking_min_signed_bps (share of the
// window a validator must sign; default 5,000), staking_downtime_jail_blocks
// (default 600) and staking_downtime_slash_bps (default 100, 1 %).
// unbonding_blocks is also the time a redelegation stays slashable at its
// source.
//
// # Governance
//
// Message numbers 90 to 99 of ledgerpb.Msg belong to governance (issue
// 14; Compound's shape; see package gov for every rule):
//
//	90 submit_proposal   a title, a description, 1 to 16 executable messages and a deposit
//	                     (ucell, to the "gov" module account); param changes are applied to
//	                     the current params and validated at once (gov.ErrInvalidParamChange)
//	91 deposit           top up a proposal in its deposit period
//	92 vote              yes, no, abstain or veto in the voting period, weighted by bonded
//	                     stake (a delegator's own vote overrides its validator's for its
//	                     delegated stake); optionally with a reputation proof in a skill of
//	                     the network colony, for the reputation chamber
//	93 cancel_proposal   the proposer, before voting ends: its deposits are burned
//
// The executable messages of a proposal (ledgerpb.ProposalMsg):
// param_change {name, value} — any field of the params by its protobuf
// name, checked by the params' validation at submission and again at
// execution; treasury_spend {recipient, amount} from the "treasury"
// module account (an overspend fails the execution); release_litigation
// (the market's MsgReleaseLitigation); set_recovery_addresses (the
// reputation module's MsgSetRecoveryAddresses); text (nothing to run).
// No address has powers outside governance except the recovery
// addresses of recovery mode: the direct messages 51 and 73 are refused
// (reputation.ErrNotAuthority, market.ErrNotAuthority).
//
// Heights: a proposal submitted at h takes deposits below h +
// gov_deposit_period_blocks and expires there, deposits returned, unless
// they reached gov_min_deposit; the block where they do, at v, starts
// voting: votes are taken below voting_end_height = v +
// gov_voting_period_blocks, whose begin-block hook tallies them. Quorum:
// the votes cast (abstain included) are at least gov_quorum_bps of the
// bonded stake; veto: veto reaches gov_veto_threshold_bps of the votes
// cast — the deposits are burned; pass: yes is above gov_threshold_bps of
// yes + no + veto. Colony's two-chamber rule (whitepaper §5.1.2): a
// proposal whose param changes raise mint_supply_ceiling or
// mint_inflation_bps by more than 10 % also needs more proven
// reputation voting yes than no (veto counts as no). A passed proposal's
// deposits are returned and it is executed by the begin-block hook of
// voting_end_height + gov_timelock_blocks (the timelock), in a branch of
// the state: if a message fails, nothing of it remains and the proposal
// is FAILED with the reason. A param change takes effect for the
// transactions of its execution block.
//
// Params of governance, with their defaults: gov_min_deposit 10,000,000
// ucell; gov_deposit_period_blocks 100,800; gov_voting_period_blocks
// 100,800; gov_timelock_blocks 28,800 (two days); gov_quorum_bps 3,340;
// gov_threshold_bps 5,000; gov_veto_threshold_bps 3,340.
//
// # Block hooks
//
// In FinalizeBlock, before the transactions: the ucell that reached the
// "rewards" module account since the last allocation go to the
// validators that signed the previous block (app.Header.LastCommit, from
// CometBFT's decided_last_commit), by their voting power, less
// commission, with lazy F1 accounting for their delegators (package
// distribution: what lands in "rewards" during block h is allocated at
// the start of block h+1); misbehavior reported by
// CometBFT slashes (burns slash_fraction_bps of the stake, of every
// delegation, of unbonding and redelegated stake from after the
// infraction) and jails the validator for ever, once; then the previous
// block's votes count in each voter's downtime window (a validator that
// missed too many is slashed staking_downtime_slash_bps and jailed for
// staking_downtime_jail_blocks); then every unbonding entry completing at
// this height is paid back and every redelegation entry ending at it is
// dropped; then the orders due at heights up to this one, oldest first
// and at most max_due_per_block of them (the rest wait for the next
// blocks), take their deadline's transition: award (or expire) at the bid
// deadline, fail the block after a missed delivery deadline or at the end
// of a report's contest window, auto-close at the confirm deadline, final
// ratings and reputation entries at the reveal deadline, the end of a
// dispute round (see package market); then
// the reputation cycle hook: every challenge step whose deadline passed
// is decided against the side that did not answer, a resolved challenge
// phase accepts its last claim or reopens the window, a closed mining
// window reopens, accepts a root and rewards its miners, or starts the
// challenges, and a cycle's log is frozen when it is due — none of it in
// recovery mode (see package reputation); last, the governance hook: the
// proposals due at this height expire, are tallied, or are executed (see
// "Governance"). After the transactions: the
// block's inflation is minted and split (see "Tokenomics"); then, if any validator's stake or status
// changed, the active set is recomputed and the changes of voting power
// are returned as validator updates (power 0 removes a validator). See
// package staking for the rules.
//
// # Tokenomics
//
// Package mint (issue 14, "Tokenomics") mints inflation each block,
// after the block's transactions, and splits every transaction fee.
//
//   - A mint year is 365.25 days / mint_block_time_ms blocks (rounded
//     down); its annual amount is mint_inflation_bps of the supply at its
//     first block, rounded down. Block i of the year (from 0) mints
//     floor(A×(i+1)/B) − floor(A×i/B), the remainders carried, so that a
//     year mints exactly its annual amount, to the ucell. A new year starts
//     after B blocks (inflation compounds yearly) or at the first block
//     whose mint_inflation_bps or mint_block_time_ms differ from the
//     year's.
//   - Minting never takes the supply above mint_supply_ceiling: the block
//     that reaches it mints exactly the rest, later blocks mint nothing
//     (until burns make room).
//   - A block's minted ucell: mint_rewards_bps to "rewards", mint_miners_bps
//     to "mining_rewards", the rest to the treasury (each share rounded
//     down, the remainder to the treasury).
//   - A fee — every transaction's fee, and the market's network fee of
//     every payout (taken from "escrow") — : fee_burn_bps burned,
//     fee_validator_bps to "rewards", the rest to the treasury. A
//     transaction's fee is debited from its signer when it is charged and
//     reported with its split (event "tx"); the block's end-block hook,
//     before minting, burns and credits the sums of its transactions'
//     fees at once (event "fees_settled"), so that during a block
//     "rewards" and the treasury do not yet hold its transactions' fees.
//     A network fee is split when it is paid.
//   - What reaches "rewards" in block h (fees and minting both come after
//     the begin-block hooks) is allocated to the validators that signed
//     block h at the start of block h+1 (package distribution).
//   - The bank keeps the supply at genesis and the totals minted and burned
//     (every mint and burn of every module: minting, fees, slashes); the
//     invariant, checked after every block, is supply = genesis supply +
//     minted − burned = Σ balances. `cell query bank supply` prints them
//     with the treasury's balance (query bank/supply, client.Supply).
//
// Params and their defaults (params.Default):
//
//	mint_inflation_bps   500        5 % of the supply a year; 0 mints nothing and writes nothing
//	mint_block_time_ms   6,000 ms   5,259,600 blocks a mint year; in [1, 31,557,600,000] when minting
//	mint_supply_ceiling  10^16 ucell (10 billion CELL); at least 1 when minting
//	mint_rewards_bps     6,000      60 % of minting to "rewards"
//	mint_miners_bps      1,000      10 % to "mining_rewards" (30 % to the treasury); the two sum to ≤ 10,000
//	fee_burn_bps         2,000      20 % of every fee burned
//	fee_validator_bps    5,000      50 % of every fee to "rewards" (30 % to the treasury); the two sum to ≤ 10,000
//
// # Key layout
//
// One ordered key space holds every module; each key starts with its
// module's name, integers are 8 bytes big-endian, addresses 20 bytes.
// Each module's keys.go lists its keys and has a test that pins their
// bytes; app/keys_test.go checks no table's prefix is a prefix of
// another's.
//
//	auth/account/ ‖ address                     ledgerpb.Account             auth.AccountKey
//	bank/balance/ ‖ address                     uint64 ucell, 8 bytes        bank.BalanceKey, bank.DecodeAmount
//	bank/supply                                 uint64 ucell, 8 bytes        bank.SupplyKey
//	bank/genesis_supply                         uint64 ucell, 8 bytes        bank.GenesisSupplyKey
//	bank/minted, bank/burned                    uint64 ucell, 8 bytes        bank.MintedKey, bank.BurnedKey
//	mint/year                                   the running mint year, 40 bytes  mint.YearKey, mint.DecodeYear
//	params/current                              ledgerpb.Params              params.Key
//	staking/validator/ ‖ operator               ledgerpb.Validator           staking.ValidatorKey
//	staking/consensus/ ‖ consensus address      operator (20 bytes)          staking.ConsensusKey
//	staking/power/ ‖ operator                   int64 power, 8 bytes         staking.PowerKey, staking.DecodePower
//	staking/unbonding/ ‖ completion ‖ operator ‖ creation ‖ delegator
//	                                            ledgerpb.UnbondingEntry      staking.UnbondingKey
//	staking/delegation/ ‖ operator ‖ delegator  ledgerpb.Delegation          staking.DelegationKey
//	staking/delegator/ ‖ delegator ‖ operator   empty (index)                staking.DelegatorKey
//	staking/redelegation/ ‖ completion ‖ src ‖ creation ‖ delegator ‖ dst
//	                                            ledgerpb.RedelegationEntry   staking.RedelegationKey
//	staking/redelegated/ ‖ delegator ‖ dst ‖ completion
//	                                            0x01 (index)                 staking.RedelegatedKey
//	staking/unbonding_by_validator/ ‖ operator ‖ creation ‖ completion ‖ delegator
//	                                            empty (index)                staking.UnbondingByValidatorKey
//	staking/redelegation_by_src/ ‖ src ‖ creation ‖ completion ‖ delegator ‖ dst
//	                                            empty (index)                staking.RedelegationBySrcKey
//	staking/signing/ ‖ operator                 ledgerpb.SigningInfo         staking.SigningKey
//	staking/missed/ ‖ operator ‖ window index   0x01                         staking.MissedKey
//	distribution/validator/ ‖ operator          ledgerpb.DistributionValidator distribution.ValidatorKey
//	distribution/start/ ‖ operator ‖ delegator  ledgerpb.DistributionStart   distribution.StartKey
//	distribution/outstanding                    uint64 ucell, 8 bytes        distribution.OutstandingKey
//	registry/profile/ ‖ owner                   ledgerpb.Profile             registry.ProfileKey
//	registry/node/ ‖ node key (32)              ledgerpb.Node                registry.NodeKey
//	registry/operator_node/ ‖ operator ‖ node key
//	                                            0x01 (index)                 registry.OperatorNodeKey
//	registry/package/ ‖ package id (32)         ledgerpb.Package             registry.PackageKey
//	registry/package_name/ ‖ name ‖ 0x00 ‖ height ‖ package id
//	                                            0x01 (index)                 registry.PackageNameKey
//	registry/name_author/ ‖ name                author (20 bytes)            registry.NameAuthorKey
//	registry/offering/ ‖ vendor ‖ package id    ledgerpb.Offering            registry.OfferingKey
//	registry/package_offering/ ‖ package id ‖ vendor
//	                                            0x01 (index)                 registry.PackageOfferingKey
//	market/next_id                              uint64, 8 bytes              market.NextIDKey
//	market/order/ ‖ order id                    ledgerpb.Order               market.OrderKey
//	market/bid/ ‖ order id ‖ provider           ledgerpb.Bid                 market.BidKey
//	market/due/ ‖ height ‖ order id             0x01 (index)                 market.DueKey
//	market/buyer/ ‖ buyer ‖ order id            0x01 (index)                 market.BuyerKey
//	market/provider/ ‖ provider ‖ order id      0x01 (index)                 market.ProviderKey
//	market/state/ ‖ state (1 byte) ‖ order id   0x01 (index)                 market.StateKey
//	market/verifier/ ‖ node key (32)            ledgerpb.Verifier            market.VerifierKey
//	market/credit/ ‖ account                    uint64 ucell, 8 bytes        market.CreditKey
//	reputation/…                                the skill tree, the logs, mining, recovery mode (see package reputation)
//	gov/next_id                                 uint64, 8 bytes              gov.NextIDKey
//	gov/proposal/ ‖ id                          ledgerpb.Proposal            gov.ProposalKey
//	gov/deposit/ ‖ id ‖ depositor               ledgerpb.Deposit             gov.DepositKey
//	gov/vote/ ‖ id ‖ voter                      ledgerpb.Vote                gov.VoteKey
//	gov/due/ ‖ height ‖ id                      0x01 (index)                 gov.DueKey
//
// Module accounts hold what their module accounts for, as ordinary bank
// balances at bank.ModuleAddress(name): "treasury" (its share of fees,
// network fees and minting; slashed bid stakes), "rewards" (the
// validators' share of fees and minting; of it, distribution.Outstanding
// is allocated and owed to operators and delegations, the rest waits for
// the next allocation), "mining_rewards" (the miners'
// share of minting), "bonded" (Σ bonded stake), "unbonding" (Σ
// unbonding entries), "escrow" (Σ what the orders hold: max prices,
// prices, PO stakes, bid stakes, dispute stakes, litigated funds),
// "verifiers" (Σ verifier stakes), "credit" (Σ store credit),
// "miners" (Σ miner stakes) and "gov" (Σ deposits of proposals in their
// deposit or voting period). Hence the supply invariant
// (app.CheckInvariants): total supply = genesis supply + minted − burned
// = Σ balances = Σ account balances + Σ bonded + Σ unbonding + escrow +
// verifiers + treasury + credit + miners + rewards + mining_rewards + gov.
//
// # Results
//
// A refused transaction is a TxResult with a Codespace and a Code (listed
// in schema.Codes; numbers are appended, never reused) and a Log that names
// the field and the rule, e.g. "messages[0]: bank: send: amount 0: must be
// positive". Events are typed in each module (events.go): a struct whose
// tagged fields are the attributes, rendered by event.Encode with
// addresses in bech32, amounts in decimal ucell and raw bytes in hex, and
// read back by event.Decode; schema.Events is the registry of them all,
// from which a client decodes a block's events into these structs:
//
//	tx                  signer, sequence, fee, burned, validators, treasury  every accepted transaction, with its fee's split (auth)
//	fee                 payer, amount, burned, validators, treasury  every fee a message or block hook pays (mint)
//	fees_settled        height, burned, validators, treasury       end block: the block's transaction fees (mint)
//	minted              height, amount, rewards, miners, treasury, supply  end block (mint)
//	transfer            from, to, amount                           every movement of funds (bank)
//	mint, burn          to/from, amount                            bank
//	create_validator    operator, consensus_pubkey, self_bond, moniker
//	bond                operator, amount, bonded
//	unbond              operator, amount, completion_height
//	unbonding_complete  operator, amount                           begin block (operator: the account paid)
//	slash               operator, consensus_address, infraction_height, amount
//	jail                operator
//	power               operator, power                            end block, one per validator update
//	delegate            delegator, validator, amount, shares
//	undelegate          delegator, validator, amount, completion_height
//	redelegate          delegator, src_validator, dst_validator, amount, completion_height
//	unjail              operator
//	edit_validator      operator, moniker, commission_bps
//	downtime            operator, missed, jailed_until             begin block (with slash and jail)
//	rewards             validator, amount, commission              begin block, one per signer (distribution)
//	withdraw_rewards    delegator, validator, amount               withdrawal, or before a delegation changes
//	withdraw_commission operator, amount
//	profile_set         owner, name, roles                         registry
//	node_announced      operator, node_pubkey, endpoint, architectures, capacity, last_announced_height
//	node_removed        operator, node_pubkey
//	package_registered  package_id, name, version, kind, skill, parent, author, royalty_bps
//	offering_set        vendor, package_id, price, lead_time_blocks, node_key, stake, botspec_id
//	offering_removed    vendor, package_id
//	order_created       order_id, buyer, package_id, max_price, po_stake, bid_deadline, direct   market
//	order_cancelled     order_id, buyer
//	bid_placed          order_id, provider, node_key, price, stake, botspec_id
//	bid_withdrawn       order_id, provider
//	order_awarded       order_id, provider, node_key, price, bid_stake, delivery_deadline, input_deadline,
//	                    botspec_id
//	                    (begin block, or buy_offering)
//	order_expired       order_id                                   begin block
//	order_delivered     order_id, output_root, event_log_head, confirm_deadline, result, exit_code
//	order_closed        order_id, auto, payment, network_fee, royalty, reveal_deadline   (auto: begin block)
//	order_failed        order_id, provider, reason, slashed, to_buyer, to_treasury, reputation   begin block
//	input_receipt_posted    order_id, by, node_key, voided_report
//	missing_inputs_reported order_id, provider, contest_deadline
//	rating_revealed     order_id, rater, stars
//	ratings_final       order_id, buyer_stars, provider_stars, buyer_revealed, provider_revealed, reputation
//	                    begin block
//	verifier_registered, verifier_unregistered   node_key, operator, stake
//	dispute_opened      order_id, claim, outcome, stake, commit_deadline, reveal_deadline, seed_deadline, kind
//	dispute_drawn       order_id, round, verifiers, commit_deadline, reveal_deadline
//	domain_vote_opened  order_id, domain_skill, commit_deadline, reveal_deadline   begin block
//	domain_vote_evicted order_id, voter, by
//	dispute_commit      order_id, verifier, commitment
//	dispute_reveal      order_id, verifier, output_root, verdict
//	domain_vote_commit  order_id, voter, commitment
//	domain_vote_reveal  order_id, voter, vote, weight
//	dispute_decided     order_id, verdict, majority_root, state, rewarded, reward, slashed, kind,
//	                    provider_weight, buyer_weight, round, next_seed_deadline,
//	                    majority_verdict   begin block
//	litigation_released order_id, to_buyer, to_provider
//	credit_changed      order_id, account, added, spent, balance
//	miner_staked        miner, amount, stake, since_height               reputation
//	miner_unstaked      miner, amount, stake
//	root_submitted      cycle, miner, entry_index, root, n_leaves, jrh, position, claim
//	cycle_frozen        cycle, open, window_start, window_end            begin block
//	mining_window_reopened  cycle, window_start, window_end              begin block
//	root_accepted       cycle, root, n_leaves, jrh, submissions          begin block
//	miners_rewarded     cycle, miners, paid, reputation                  begin block
//	challenge_round     cycle, round, claims, challenges, bye            begin block or tx
//	claim_bye           cycle, round, claim                              begin block or tx
//	challenge_opened    cycle, round, index, claim0, claim1, step, deadline
//	challenge_answered  cycle, round, index, claim, step, by
//	challenge_step      cycle, round, index, step, lo, hi, search_steps, deadline
//	challenge_decided   cycle, round, index, winner, invalidated, reason
//	miner_slashed       cycle, claim, miner, stake, defenders, treasury
//	mining_reopened     cycle, window_start, window_end                  begin block
//	mining_started      cycle, window_start, window_end                  begin block
//	recovery_entered    by, open_cycle, mining, challenging
//	recovery_root_set   by, edit, cycle, root, n_leaves, jrh, mining, dropped
//	recovery_exit_approved  by, edit, approvals, needed
//	recovery_exited     edit, approvals, paused, open_cycle_start, mining, window_start, window_end, challenges
//	recovery_addresses_set  addresses, recovery, edit
//	proposal_submitted  proposal_id, proposer, deposit, deposit_end_height, needs_reputation   gov
//	proposal_deposit    proposal_id, depositor, amount, total
//	voting_started      proposal_id, voting_end_height
//	vote_cast           proposal_id, voter, option, reputation
//	proposal_cancelled  proposal_id, burned
//	proposal_expired    proposal_id                                      begin block
//	proposal_tallied    proposal_id, status, yes, no, abstain, veto, total_bonded, reputation_yes,
//	                    reputation_no, execution_height                  begin block
//	proposal_executed   proposal_id                                      begin block (after the events of
//	                                                                     its messages)
//	proposal_failed     proposal_id, reason                              begin block
package ledger

// Package miner is the reputation miner daemon (`cell miner start`): it
// follows the chain, replays every frozen reputation update log with the
// reputation library exactly as the Colony Network's reference miner does,
// submits the mining cycle's root when it may, answers the challenges of
// that root when other roots compete with it, checks its roots against
// the ones the chain accepts, and serves users their reputation with
// Merkle proofs against the accepted root (reputation.md: "Mining (on
// chain)"; Colony whitepaper §7.4–7.5).
//
// # What it does, block by block
//
//  1. At start it makes sure the miner account has Options.Stake staked,
//     and at least the chain's min_miner_stake, which buys one entry
//     index (MsgStakeMiner of the difference).
//  2. It follows every committed block from the chain's latest height
//     (client/follow). It keeps no cursor and no reputation state on
//     disk: at every start it replays every frozen cycle from the chain
//     again, which is the state it needs anyway.
//  3. After each block it reads the mining status ("reputation/mining")
//     and replays, with a Replayer, every cycle frozen since the last
//     block: the skill tree ("reputation/skills"), the cycle's log
//     ("reputation/log", page by page) and reputation.Replay from the
//     previous cycle's state; each cycle decays the previous state once
//     before its log, the first decays nothing. It keeps the latest cycle
//     and the accepted one. Cycles it only passes through (at start, the
//     old ones) are computed with reputation.Apply, without their
//     justification tree, ten times faster; the latest — the cycle being
//     mined — never is: of it the Replayer keeps the Defense (the
//     previous state, the skill tree, the decay, the log and the replay
//     with its justification tree) that answering its challenges takes.
//  4. When a root is accepted it compares it with its own root of that
//     cycle and logs an error, REPUTATION ROOT DISAGREEMENT, when they
//     differ (and appends the outcome to DATA/checks.jsonl when
//     Options.DataDir is set, moving a file of 1 MiB to checks.jsonl.1).
//  5. While a cycle's submission window is open, it finds the entry
//     index n in 1 … stake / min_miner_stake whose eligibility hash
//     keccak256(miner ‖ uint256 n ‖ root) is lowest (BestEntry) and
//     submits MsgSubmitRootHash (root, nLeaves, JRH, n) as soon as it
//     may: it has been staked long enough — the next height is at least
//     since_height + miner_min_staked_cycles × reputation_cycle_blocks
//     (SubmitFrom; its record and the params are read again each cycle)
//     — and that hash is below the target of the next height, which
//     rises linearly over the window (Eligible; the ledger's own
//     EligibilityHash and Target decide). It submits once per cycle; a
//     failed submission is tried again at the next block, at most three
//     times, except a refusal for a stake too recent
//     (ErrStakedTooBriefly), after which it reads its record again and
//     waits. It logs why it waits, once per reason: the cycle is not
//     replayed, recovery mode, no stake, "staked too briefly: may submit
//     from height H", no index eligible yet (and the height at which one
//     will be), the window closed. Submissions are counted per window: a
//     window that opens again without the miner's submission (every claim
//     lost, or recovery mode set the root back) gets a new one.
//  6. When the window closed on two or more claims, the challenge phase
//     runs (ledger/reputation, "# Challenges"). After each block the
//     miner reads the claims and the challenges of the current round
//     from the status and, for every open challenge one of whose sides
//     is the claim of its own replay (Defense.Claims) — whoever submitted
//     it — sends the message that answers the step that side awaits
//     (Defense.Answer: MsgConfirmJustification, MsgChallengeSearch,
//     MsgRespondToChallenge, MsgProveLeafCount), once per step and at
//     once, since the step's deadline is mining_response_window_blocks
//     away. An answer that does not reach the chain is sent again after
//     the next block, until the deadline; one the ledger refuses is
//     logged (as an error when the ledger found it wrong, as a warning
//     when another defender was first or the challenge moved on) and not
//     sent again. It logs every answer, and the fate of its claim: a
//     bye, and OUR CLAIM LOST ITS CHALLENGE if it ever loses.
//
// # Recovery mode
//
// While the chain is in recovery mode (ledger/reputation, "# Recovery
// mode") the miner submits and answers nothing, since the chain refuses
// both. When the recovery addresses set the accepted root of a cycle
// back, the chain mines the next cycle again; the miner replays it from
// its own state of that cycle, so it follows a root it computed itself —
// the honest root of a cycle, restored after a wrong one was accepted.
// A root it never computed cannot be followed from the chain's logs: the
// miner reports REPUTATION ROOT DISAGREEMENT for that cycle.
//
// # Faults
//
// Options.Fault injects a fault on purpose, a tool for tests and the
// devnet (`cell miner start --fault`, `cell devnet --miner-fault`):
// FaultWrongRoot submits, for every cycle with updates, the root of a
// replay wrong from its middle update on (reputation.ReplayForged) and
// defends that claim with the forged replay, up to the last step, which
// it cannot win. An honest miner beats it, and it loses its stake.
//
// # HTTP
//
//	GET /v1/reputation/{address}[?skill=ID]  a user's leaves in the network colony with proofs
//	GET /v1/root                             the latest computed and the accepted roots
//	GET /healthz                             200 once the miner follows the chain
//
// {address} is bech32 "cell1…" or 0x and 40 hex digits. The reputation
// reply (proofapi.ReputationResponse) is against the ACCEPTED root, so that
// anyone can check it with proofapi.VerifyReputation against the chain's
// "reputation/root" without trusting the miner:
//
//	{"cycle": 3, "root": "0x…", "colony": "0x…", "user": "cell1…",
//	 "leaves": [{"skill": 1, "path": "compute", "uid": 7, "amount": "1000",
//	             "value": "0x<128 hex>", "branch_mask": "0x<64 hex>", "siblings": ["0x<64 hex>", …]}]}
//
// Package miner/proofapi holds the JSON of this API, a Go client of it
// and the verification of its answers.
package miner

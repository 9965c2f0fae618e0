// Package miner is the reputation miner daemon (`cell miner start`): it
// follows the chain, replays every frozen reputation update log with the
// reputation library exactly as the Colony Network's reference miner does,
// submits the mining cycle's root when one of its entry indices becomes
// eligible, checks its roots against the ones the chain accepts, and
// serves users their reputation with Merkle proofs against the accepted
// root (reputation.md: "Mining (on chain)").
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
//     justification tree, ten times faster.
//  4. When a root is accepted it compares it with its own root of that
//     cycle and logs an error, REPUTATION ROOT DISAGREEMENT, when they
//     differ (and appends the outcome to DATA/checks.jsonl when
//     Options.DataDir is set).
//  5. While a cycle is being mined, it finds the entry index n in 1 …
//     stake / min_miner_stake whose eligibility hash keccak256(miner ‖
//     uint256 n ‖ root) is lowest (BestEntry) and submits
//     MsgSubmitRootHash (root, nLeaves, JRH, n) as soon as that hash is
//     below the target of the next height, which rises linearly over the
//     submission window (Eligible; the ledger's own EligibilityHash and
//     Target decide); once per cycle (a failed submission is tried again
//     at the next block, at most three times). It logs why it waits: the
//     cycle is not replayed, no stake, mining is blocked, no index
//     eligible yet (and the height at which one will be), the window
//     closed.
//
// # HTTP
//
//	GET /v1/reputation/{address}[?skill=ID]  a user's leaves in the network colony with proofs
//	GET /v1/root                             the latest computed and the accepted roots
//	GET /healthz                             200 once the miner follows the chain
//
// {address} is bech32 "cell1…" or 0x and 40 hex digits. The reputation
// reply (repproof.ReputationResponse) is against the ACCEPTED root, so that
// anyone can check it with repproof.VerifyReputation against the chain's
// "reputation/root" without trusting the miner:
//
//	{"cycle": 3, "root": "0x…", "colony": "0x…", "user": "cell1…",
//	 "leaves": [{"skill": 1, "path": "compute", "uid": 7, "amount": "1000",
//	             "value": "0x<128 hex>", "branch_mask": "0x<64 hex>", "siblings": ["0x<64 hex>", …]}]}
//
// Package client/repproof holds the JSON of this API, a Go client of it
// and the verification of its answers.
package miner

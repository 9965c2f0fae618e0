// Package reputation is the ledger side of Celltonomy's reputation: the
// skill tree and the reputation update log, kept in the format of the
// Colony Network so that a Colony-compatible miner can replay the log
// (shared/specs/reputation.md; Colony whitepaper §6.3, §6.4), and the
// on-chain side of mining: miner stakes, cycles, submissions, the
// accepted reputation root and proofs against it. The reputation values
// themselves and the Patricia trees are not here: the log is the input of
// the miners, and the pure library in reputation/ computes from it (this
// package uses its reputation/patricia to check proofs).
//
// # Skills
//
// Skills (and domains, which are skills too) form a forest. As in
// Colony's addSkill:
//
//   - ids are 1, 2, 3, … in creation order; 0 is never a skill, and a
//     parent id of 0 means "none": the new skill is a root;
//   - a skill records its parent, nParents and its ancestors nearest first
//     (parent, grandparent, …, root; a plain list rather than Colony's skip
//     list of the ancestors at distance 2^i, which only saves gas);
//   - its children are all its descendants at any depth, in creation
//     order: creating a skill appends it to the children of every
//     ancestor. nChildren counts them.
//
// Celltonomy also names skills by path, e.g. "compute/genomics/digest":
// each segment is [a-z0-9_-] (spec.CheckSkill, the rule a package's skill
// follows), at most MaxSegmentBytes, MaxSkillDepth segments and
// MaxSkillPathBytes in all. A path names one skill; a skill's parent is
// the path without its last segment.
//
//  1. At genesis, InitGenesis creates the skills listed, in order
//     (DefaultGenesisSkills: compute, protocol, buyer, mining → ids 1 to
//     4). Root skills come only from genesis.
//  2. MsgCreateSkill creates a skill under an existing one
//     (HandleCreateSkill); other modules may call CreateSkill (by parent
//     path, "" for a root) or AddSkill (by parent id, 0 for a root).
//  3. The registry checks that a package's skill exists with SkillExists;
//     the market resolves it to an id with SkillID.
//
// # Colonies
//
// A colony is a 20-byte address under which reputation is held
// separately. The network is one colony, NetworkColony() =
// sha256("colony/network")[:20] (bank.ModuleAddress style; no key has
// it). Organisations may have more (ColonyAddress(name)); nothing creates
// them yet.
//
// # The reputation update log
//
// The log is kept per cycle. Entries go to the log of the open cycle
// (CurrentCycle, 0 at genesis); StartCycle freezes it — it becomes the log
// being mined — and opens the next. Frozen logs are kept.
// An entry is {user, amount, skill, colony, nUpdates, nPreviousUpdates},
// as Colony's ReputationLogEntry:
//
//   - Append appends nothing when the amount is 0 or the user is the zero
//     address (which holds the colony-wide totals in the reputation
//     tree); AppendMinerReward appends in every case, as Colony's
//     rewardStakersWithReputation does;
//   - the amount is clamped to [−2^127, 2^127−1] when appended;
//   - nUpdates = 2 × (nParents + 1), plus 2 × nChildren when the amount is
//     negative, nChildren as it stands when the entry is appended: a loss
//     also reaches every descendant. The factor 2 is the colony-wide total
//     and the user's own reputation;
//   - nPreviousUpdates is the previous entry's nPreviousUpdates + nUpdates
//     in the same cycle, 0 for the first; decays are not counted.
//
// From the market (market.md: "Reputation from the market"), a final
// rating of s stars on a payment of t ucell gives t × (2s − 5) / 3,
// truncated toward zero (RatingAmount); AppendRating appends it, and the
// market appends it (less a penalty for a side that did not reveal) with
// Append.
//
// # Mining (reputation.md: "Mining (on chain)")
//
// Mining (NewMining over the bank and the treasury) runs the cycles in
// its block hook, BeginBlock, and executes three messages:
//
//   - MsgStakeMiner moves ucell from the signer to the module account
//     "miners" (MinerAccount) and records Miner{address, stake,
//     since_height}; since_height is the height of the first stake, kept
//     when topping up. The stake after it must reach min_miner_stake.
//   - MsgUnstakeMiner returns stake; a stake of 0 removes the miner. It
//     is refused (ErrMinerBusy) while the signer has a submission to the
//     cycle being mined, in its open window and also while mining is
//     blocked: that submission is what a challenge would judge.
//   - MsgSubmitRootHash{cycle, root, n_leaves, jrh, entry_index}: cycle
//     is the mining cycle and mining is not blocked (ErrNotMining); the
//     height is in its window (ErrMiningWindow); 1 ≤ entry_index ≤ stake
//     / min_miner_stake (ErrEntryIndex); each (miner, entry_index) once
//     per cycle (ErrEntryUsed); at most MaxSubmissionsPerHash = 12
//     submissions per distinct (root, n_leaves, jrh)
//     (ErrTooManySubmissions); and keccak256(miner (20) ‖ uint256
//     entry_index (32, big-endian) ‖ root (32)) < Target
//     (ErrNotEligible).
//
// The target, for the window [start, end] of W = end − start + 1 blocks,
// rises linearly from (2^256 − 1)/W at the first block to 2^256 − 1 at
// the last (integer arithmetic, truncating):
//
//	target = (2^256 − 1) × (height − start + 1) / W
//
// A miner with more stake has more entry indices, hence more chances to
// be eligible early.
//
// Cycles, in BeginBlock at height h, before the transactions:
//
//  1. The open cycle opened at height 0 (cycle 0) or at the height of the
//     last freeze. When reputation_cycle_blocks have passed since and no
//     earlier cycle waits for acceptance, StartCycle freezes its log: it
//     becomes the mining cycle, with the submission window [h+1,
//     h+mining_window_blocks] (event cycle_frozen).
//  2. When the window has closed (h > its end), with no submission the
//     window reopens as [h+1, h+mining_window_blocks] and the cycle stays
//     the mining cycle (mining_window_reopened).
//  3. With exactly one distinct (root, n_leaves, jrh), it becomes the
//     accepted ReputationRoot{cycle, root, n_leaves, jrh,
//     accepted_height} (root_accepted): the state after replaying cycles
//     0 … cycle, each cycle's state decayed once before its log except
//     the first (reputation.Replay with decay_numerator /
//     decay_denominator). Its submissions are rewarded (miners_rewarded)
//     and then deleted, and step 1 may freeze the next cycle in the same
//     block.
//  4. With two or more distinct hashes, all are kept, nothing is
//     accepted, and mining is blocked (mining_blocked): no submission is
//     taken and no cycle freezes — the open cycle's log keeps growing —
//     until a later issue resolves them. Resolving them is the
//     challenge-response of reputation.md (pairing, binary search over
//     the justification trees, one update verified on chain), which is
//     not implemented yet.
//
// The window is checked before the freeze, so steps 2 to 4 come first in
// a block.
//
// The rewards of an accepted cycle: the submission at position n (0 to
// 11, in submission order among those of the hash) of a miner staked t
// blocks when it submitted weighs, with T = mining_stake_maturity_blocks,
//
//	w = (1 − 1/e3(t/T)) × (1 − n/24),  e3(x) = 1 + x + x²/2 + x³/6
//	  = (6T²t + 3Tt² + t³) × (24 − n) / (24 × (6T³ + 6T²t + 3Tt² + t³))
//
// computed exactly as a rational (MinerWeight). min(miner_reward,
// treasury balance) ucell are paid from the treasury — while it has funds,
// so nothing is minted — and miner_reputation_reward is appended in the
// skill "mining" of the network colony to the open cycle's log with
// AppendMinerReward, one entry per submission; both are split by
// RewardShares: share_i = floor(total × w_i / Σ w), what the truncation
// leaves stays in the treasury. A fresh stake (t = 0) weighs 0.
//
// # Reputation proofs
//
// Anyone can prove a reputation against the accepted root:
// ledgerpb.ReputationProof{colony, skill, user, value (64 bytes:
// reputation ‖ uid, uint256 each), branch_mask (32), siblings (32 each,
// root down)}. ProvenReputation checks its shape (ValidateProof), that it
// is for the expected colony, skill and user, and that
// patricia.Verify(accepted root, keccak256(colony ‖ uint256 skill ‖
// user), value, proof) holds, and returns the reputation. The market
// uses it for bids and verifiers.
//
// # Key layout
//
//	reputation/skill/ ‖ id                      ledgerpb.Skill               SkillKey
//	reputation/children/ ‖ id ‖ n               descendant id, 8 bytes       ChildKey, DecodeID
//	reputation/name/ ‖ path                     skill id, 8 bytes            NameKey, DecodeID
//	reputation/skill_count                      number of skills, 8 bytes    SkillCountKey, DecodeID
//	reputation/cycle                            open cycle, 8 bytes          CycleKey, DecodeID
//	reputation/log/ ‖ cycle ‖ index             ledgerpb.ReputationLogEntry  LogKey, EntryFromRecord
//	reputation/mining_state                     ledgerpb.MiningState         MiningStateKey
//	reputation/root                             ledgerpb.ReputationRoot      RootKey
//	reputation/miner/ ‖ address                 ledgerpb.Miner               MinerKey
//	reputation/submission/ ‖ cycle ‖ n          ledgerpb.Submission          SubmissionKey
//	reputation/entry/ ‖ cycle ‖ miner ‖ entry   0x01 (index)                 EntryKey
//	reputation/hash_count/ ‖ cycle ‖ hash       count, 8 bytes               HashCountKey, SubmissionHash
//
// Integers in keys and values are 8 bytes big-endian. An amount is 16
// bytes of big-endian two's complement (EncodeAmount, DecodeAmount),
// which holds exactly the clamped range.
//
// # Events
//
//	create_skill        id, parent, path
//	reputation_update   cycle, index, colony, user, skill, amount, n_updates, n_previous_updates
//	reputation_cycle    mining, open, entries, updates
//	miner_staked        miner, amount, stake, since_height
//	miner_unstaked      miner, amount, stake
//	cycle_frozen        cycle, open, window_start, window_end            begin block
//	root_submitted      cycle, miner, entry_index, root, n_leaves, jrh, position
//	mining_window_reopened  cycle, window_start, window_end              begin block
//	root_accepted       cycle, root, n_leaves, jrh, submissions          begin block
//	miners_rewarded     cycle, miners, paid, reputation                  begin block
//	mining_blocked      cycle, hashes, submissions                       begin block
package reputation

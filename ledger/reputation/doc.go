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
//     4). Root skills come only from genesis. Initial reputation may be
//     granted in them (InitGrants; see "Initial reputation").
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
// # Initial reputation
//
// Colony whitepaper §6.2.3, "Bootstrapping reputation": in a new network
// nobody has reputation, so no dispute can be resolved by a vote, and the
// first to complete a task would rule the decisions of its skill "until
// another user earns similar types of reputation". So its creators assign
// initial reputation, "a representation of the existing trust", which
// decays like any other. Colony grants it in the colony-wide domain; here
// each grant names a skill. Genesis lists the grants
// (ledgerpb.ReputationGenesis.grants: address in bech32, skill path,
// amount), and InitGrants, after InitGenesis created the skills, appends
// each, in order, as an entry of the log of cycle 0 in the network
// colony with Append's rules. Cycle 0 is mined like any other, so the
// grants become provable reputation once its root is accepted.
//
//   - The amount is a string: a positive decimal integer of at most
//     2^127 − 1 (the largest entry amount, which a uint64 cannot hold),
//     digits only, without sign or leading zeros (ParseGrantAmount); it
//     needs no clamping.
//   - The address is not the zero address (Append would skip it: that
//     key holds the colony-wide totals); the skill is one of the genesis
//     skills. A user may have several grants, in one skill or several.
//   - Their number has no bound of its own: what bounds it is the size of
//     genesis.json, which every node reads whole and hands to InitChain
//     (100 to 200 bytes of JSON a grant), and cycle 0's log, which every
//     miner replays — as with any log, each grant in a skill with p
//     ancestors is 2 × (p + 1) updates.
//
// A bad grant fails genesis with an error naming its index and field,
// e.g. `reputation.grants[3].amount "0": must be positive`.
//
// # Mining (reputation.md: "Mining (on chain)")
//
// Mining (NewMining over the bank, the miners' reward pool and the
// treasury) runs the cycles in
// its block hook, BeginBlock, and executes these messages:
//
//   - MsgStakeMiner moves ucell from the signer to the module account
//     "miners" (MinerAccount) and records Miner{address, stake,
//     since_height}; since_height is the height of the first stake, kept
//     when topping up. The stake after it must reach min_miner_stake.
//   - MsgUnstakeMiner returns stake; a stake of 0 removes the miner. It
//     is refused (ErrMinerBusy) while the signer has a submission to the
//     cycle being mined, in its open window and also while its claims
//     are challenged: that stake is what a lost challenge takes.
//   - MsgSubmitRootHash{cycle, root, n_leaves, jrh, entry_index}: cycle
//     is the mining cycle and its window has not closed into a challenge
//     (ErrNotMining); the height is in its window (ErrMiningWindow); the
//     miner has been staked miner_min_staked_cycles ×
//     reputation_cycle_blocks blocks (ErrStakedTooBriefly); 1 ≤
//     entry_index ≤ stake / min_miner_stake (ErrEntryIndex); each (miner,
//     entry_index) once per cycle (ErrEntryUsed); a (root, n_leaves, jrh)
//     that lost a challenge of the cycle is barred (ErrInvalidatedClaim);
//     at most MaxSubmissionsPerHash = 12 submissions per distinct (root,
//     n_leaves, jrh) (ErrTooManySubmissions); and keccak256(miner (20) ‖
//     uint256 entry_index (32, big-endian) ‖ root (32)) < Target
//     (ErrNotEligible). Each distinct (root, n_leaves, jrh) is a Claim,
//     numbered 0, 1, 2, … in order of first submission.
//   - MsgConfirmJustification, MsgProveLeafCount, MsgChallengeSearch and
//     MsgRespondToChallenge answer the steps of a challenge (below); anyone
//     may send them, for either side.
//   - MsgEnterRecovery, MsgRecoverySetRoot, MsgApproveRecoveryExit and
//     MsgSetRecoveryAddresses run recovery mode (below).
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
//  2. When the window has closed (h > its end), with no claim the window
//     reopens as [h+1, h+mining_window_blocks] and the cycle stays the
//     mining cycle (mining_window_reopened).
//  3. With exactly one claim, it becomes the accepted
//     ReputationRoot{cycle, root, n_leaves, jrh, accepted_height}
//     (root_accepted): the state after replaying cycles 0 … cycle, each
//     cycle's state decayed once before its log except the first
//     (reputation.Replay with decay_numerator / decay_denominator). Its
//     submissions are rewarded (miners_rewarded); the cycle's
//     submissions, claims and challenges are deleted, and step 1 may
//     freeze the next cycle in the same block. If the next cycle is
//     frozen already — a backlog, which only recovery mode leaves — it
//     becomes the mining cycle at once, with the window [h+1,
//     h+mining_window_blocks] (mining_started), and no cycle freezes
//     until the backlog is mined.
//  4. With two or more claims, the challenge phase starts (below); no
//     submission is taken and no cycle freezes until it ends, which it
//     always does: every step has a deadline.
//
// # Challenges (Colony whitepaper §7.5; reputation.md "Mining")
//
// The claims are paired into rounds (startRound, challenge_round): the
// claims still alive, in id order, meet two by two — claims 2i and 2i + 1
// in challenge i — and an odd one out gets a bye (claim_bye). When every
// challenge of a round is decided, the winners and the bye meet in the
// next round; when one claim is left, it is accepted at the next block
// (step 3); when none is left (both sides of the last challenges lost),
// the window reopens (mining_reopened) with the lost claims barred.
//
// Each challenge waits for one step at a time, until a deadline of
// mining_response_window_blocks after the step began (challenge_opened,
// challenge_step); answers are accepted up to and including the deadline
// (challenge_answered), and a step with both sides answered moves on at
// once. At the block after the deadline the hook decides the challenge:
// a side that did not answer loses; both lose when neither did.
//
//  1. LEAF_COUNT, when both claims have the same root: the side claiming
//     more leaves proves a leaf whose UID is its n_leaves
//     (MsgProveLeafCount) and wins; if it does not, it loses. UIDs are 1
//     … nLeaves without gaps, so such a leaf refutes the smaller count.
//     (Colony reads the count from the shape of a proof of the last leaf;
//     our reputation tree is keyed by hashed keys, where a leaf's
//     position says nothing, so the UID is the evidence.)
//  2. CONFIRM_JRH: each side proves, against its JRH, leaf 0 = the
//     previous accepted state (the empty state for cycle 0) and leaf N =
//     its claim, N = CycleUpdates = the previous state's leaves (one decay
//     each) + the cycle's log updates; both proofs must have the branch
//     mask of their index in a tree of exactly N + 1 leaves
//     (patricia.SequenceBranchMask), which fixes the tree's size
//     (MsgConfirmJustification).
//  3. SEARCH: starting from the two JRHs, each side posts the edge hashes
//     of the two children of its current node (MsgChallengeSearch;
//     reputation.Search.CheckChildren); when both have, the search goes
//     left if their left children differ, else right. At a single leaf L
//     — the first where the trees differ, after ⌈log₂(N + 1)⌉ steps at
//     most — update t = L − 1 is the one in dispute: both trees agree on
//     leaf t.
//  4. RESPOND: anyone proves update t for a side
//     (MsgRespondToChallenge): leaf t of the side's tree (the agreed
//     state), then, for a decay (t below the previous state's leaf
//     count), the leaf with UID t + 1 and its decayed value
//     (reputation.VerifyDecay); for a log update, the log entry holding
//     it, expanded as miners expand it (ExpandUpdate), and witnesses of
//     the updated key (present with its UID, or absent and inserted with
//     UID nLeaves + 1), of the user's origin value and, on a colony-wide
//     child of a loss, of the user's child value
//     (reputation.VerifyUpdate); the state so computed must be the side's
//     leaf L. It holds only for the right transition: that side wins.
//
// A decided challenge (challenge_decided) invalidates the losing claim,
// and every miner of its submissions loses its whole stake
// (miner_slashed): miner_slash_defender_bps of it split equally among the
// winning side's defenders — the first MaxDefenders accounts that
// answered a step for it — and the rest (with the split's remainder) to
// the treasury; each of its submissions appends −miner_reputation_penalty
// in the skill "mining". An honest claim loses only if nobody answers for
// it in time; the miner daemon answers for the root it computed.
//
// The rewards of an accepted cycle: the submission at position n (0 to
// 11, in submission order among those of the hash) of a miner staked t
// blocks when it submitted weighs, with T = mining_stake_maturity_blocks,
//
//	w = (1 − 1/e3(t/T)) × (1 − n/24),  e3(x) = 1 + x + x²/2 + x³/6
//	  = (6T²t + 3Tt² + t³) × (24 − n) / (24 × (6T³ + 6T²t + 3Tt² + t³))
//
// computed exactly as a rational (MinerWeight). min(miner_reward, pool +
// treasury balance) ucell are paid from the miners' reward pool (the
// module account "mining_rewards", fed by minting, ledger/mint) first and
// from the treasury for what the pool lacks — nothing is minted here —
// and miner_reputation_reward is appended in the
// skill "mining" of the network colony to the open cycle's log with
// AppendMinerReward, one entry per submission; both are split by
// RewardShares: share_i = floor(total × w_i / Σ w), what the truncation
// leaves stays in the pool or the treasury. A fresh stake (t = 0) weighs 0.
//
// # Recovery mode (Colony whitepaper §2.2, §7.9)
//
// "The reputation mining process will also have an emergency
// stop-and-repair mechanism (to begin with). This will allow the whitelisted
// addresses to revert the reputation root hash to a previous version and
// halt all updates to the reputation state until the issues have been
// resolved" (§7.9 "Emergency Shutdown"; §2.2 "Contract security" has the
// rules of recovery mode). The whitelisted addresses are the recovery addresses:
// at most MaxRecoveryAddresses, listed in genesis (recovery_addresses,
// InitRecovery) and replaced by the governance_authority of the params
// (MsgSetRecoveryAddresses; Colony lets a majority of the addresses do
// it). None: nobody may enter recovery mode.
//
//  1. MsgEnterRecovery (EnterRecovery), from a recovery address, enters
//     recovery mode (recovery_entered); entering twice is ErrRecoveryMode.
//     Mining stops: BeginBlock does nothing — no cycle freezes, so no
//     decay runs and the open cycle's log keeps receiving entries; no
//     window closes; no challenge step times out — and submissions and
//     challenge answers are refused (ErrRecoveryMode). Stakes may still
//     be added, and taken back under the usual rule. The accepted root
//     stays: "colonies will be able to continue operations as usual using
//     the reputations of the last valid state, which will be temporarily
//     frozen and not decay" (§7.9).
//  2. Edits, from a recovery address (ErrNotRecoveryAddress) in recovery
//     mode (ErrNotInRecovery). MsgRecoverySetRoot (RecoverySetRoot) makes
//     (root, n_leaves, jrh) the accepted root of a frozen cycle c, below
//     the open one (ErrRecoveryCycle): the submissions, claims and
//     challenges of the cycle being mined are dropped without rewards or
//     slashing, their stakes unlocked; c + 1 is mined next — at once if it
//     is frozen (its window opens at the exit, and the frozen cycles after
//     it follow one by one, each as soon as the previous is accepted),
//     otherwise when the open cycle freezes (recovery_root_set).
//     MsgSetRecoveryAddresses in recovery mode is an edit too. Each edit
//     increments RecoveryState.edits, the edit sequence.
//  3. MsgApproveRecoveryExit (ApproveRecoveryExit), from a recovery
//     address in recovery mode, records an approval tagged with the edit
//     sequence (recovery_exit_approved); a second one since the latest
//     edit is ErrAlreadyApproved. "Any approvals from whitelisted
//     addresses to leave recovery mode must be reset whenever a variable
//     is edited […] only agreements made after the last edit are counted"
//     (§2.2): an approval counts while its edit is the current one
//     (RecoveryApproved). When a majority of the recovery addresses
//     (RecoveryNeeded: n/2 + 1) counts, recovery mode ends in that
//     transaction (recovery_exited). The blocks spent in recovery mode do
//     not count: the open cycle's start moves forward by them, so it
//     freezes after the blocks it had left. A cycle being mined gets a new
//     window [h+1, h+mining_window_blocks]; while its claims are
//     challenged, every open challenge's step gets a new deadline, h +
//     mining_response_window_blocks (challenge_step), and keeps what was
//     answered.
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
//	reputation/claim_hash/ ‖ cycle ‖ hash       claim id, 8 bytes            ClaimHashKey, SubmissionHash
//	reputation/claim/ ‖ cycle ‖ id              ledgerpb.Claim               ClaimKey
//	reputation/challenge/ ‖ cycle ‖ round ‖ i   ledgerpb.Challenge           ChallengeKey
//	reputation/challenge_due/ ‖ deadline ‖ cycle ‖ round ‖ i
//	                                            0x01                         ChallengeDueKey
//	reputation/recovery                         ledgerpb.RecoveryState       RecoveryKey
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
//	root_submitted      cycle, miner, entry_index, root, n_leaves, jrh, position, claim
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
package reputation

// Package reputation is the ledger side of Celltonomy's reputation: the
// skill tree and the reputation update log, kept in the format of the
// Colony Network so that a Colony-compatible miner can replay the log
// (shared/specs/reputation.md; Colony whitepaper §6.3, §6.4). The
// reputation values themselves, the Patricia trees and mining are not
// here: the log is the input of the miners, and the pure library in
// reputation/ computes from it.
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
// being mined (MiningCycle) — and opens the next. Frozen logs are kept.
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
// # Key layout
//
//	reputation/skill/ ‖ id                      ledgerpb.Skill               SkillKey
//	reputation/children/ ‖ id ‖ n               descendant id, 8 bytes       ChildKey, DecodeID
//	reputation/name/ ‖ path                     skill id, 8 bytes            NameKey, DecodeID
//	reputation/skill_count                      number of skills, 8 bytes    SkillCountKey, DecodeID
//	reputation/cycle                            open cycle, 8 bytes          CycleKey, DecodeID
//	reputation/log/ ‖ cycle ‖ index             ledgerpb.ReputationLogEntry  LogKey, EntryFromRecord
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
package reputation

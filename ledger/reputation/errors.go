package reputation

import "github.com/celltonomy/celltonomy/ledger/codes"

// Codespace is the codespace of the reputation module's codes.
const Codespace = "reputation"

// Codes of codespace "reputation". Numbers are appended, never renumbered.
var (
	// ErrInvalidSkillName: a skill name or path breaks the naming rules
	// (segments of [a-z0-9_-], at most MaxSegmentBytes each, at most
	// MaxSkillDepth segments, at most MaxSkillPathBytes in all).
	ErrInvalidSkillName = codes.New(Codespace, 1, "invalid skill name")
	// ErrUnknownSkill: a skill id or path names no skill.
	ErrUnknownSkill = codes.New(Codespace, 2, "unknown skill")
	// ErrSkillExists: a skill with that path exists already.
	ErrSkillExists = codes.New(Codespace, 3, "skill already exists")
	// ErrInvalidRating: stars outside 0 to 5.
	ErrInvalidRating = codes.New(Codespace, 4, "invalid rating")
	// ErrInvalidAmount: a miner stake or unstake amount is 0, or a stake
	// overflows uint64.
	ErrInvalidAmount = codes.New(Codespace, 5, "invalid amount")
	// ErrStakeTooLow: a miner's stake would stay below min_miner_stake.
	ErrStakeTooLow = codes.New(Codespace, 6, "miner stake too low")
	// ErrNoMiner: the signer is not a staked miner.
	ErrNoMiner = codes.New(Codespace, 7, "no such miner")
	// ErrInsufficientStake: an unstake above the miner's stake.
	ErrInsufficientStake = codes.New(Codespace, 8, "insufficient miner stake")
	// ErrMinerBusy: the miner has a submission to the cycle being mined.
	ErrMinerBusy = codes.New(Codespace, 9, "miner has a pending submission")
	// ErrInvalidSubmission: a root or JRH is not 32 bytes.
	ErrInvalidSubmission = codes.New(Codespace, 10, "invalid submission")
	// ErrNotMining: no cycle is being mined, its window has closed and its
	// claims are being challenged, or the submission names another cycle.
	ErrNotMining = codes.New(Codespace, 11, "not the mining cycle")
	// ErrMiningWindow: the height is outside the submission window.
	ErrMiningWindow = codes.New(Codespace, 12, "outside the mining window")
	// ErrEntryIndex: an entry index of 0 or above stake / min_miner_stake.
	ErrEntryIndex = codes.New(Codespace, 13, "invalid entry index")
	// ErrEntryUsed: the miner used the entry index in this cycle already.
	ErrEntryUsed = codes.New(Codespace, 14, "entry index used")
	// ErrTooManySubmissions: the (root, n_leaves, jrh) has
	// MaxSubmissionsPerHash submissions already.
	ErrTooManySubmissions = codes.New(Codespace, 15, "too many submissions of this hash")
	// ErrNotEligible: the submission's eligibility hash is not below the
	// target at this height.
	ErrNotEligible = codes.New(Codespace, 16, "submission not eligible yet")
	// ErrInvalidProof: a reputation proof is malformed, names another
	// colony, skill or user, or does not verify against the accepted root.
	ErrInvalidProof = codes.New(Codespace, 17, "invalid reputation proof")
	// ErrNoRoot: no reputation root has been accepted yet.
	ErrNoRoot = codes.New(Codespace, 18, "no accepted reputation root")
	// ErrNotChallenging: the cycle's claims are not being challenged, or
	// the claim has a bye in its round.
	ErrNotChallenging = codes.New(Codespace, 19, "no challenge")
	// ErrNoClaim: the claim id names no claim of the cycle still in the
	// running.
	ErrNoClaim = codes.New(Codespace, 20, "no such claim")
	// ErrWrongStep: the claim's challenge waits for another step, or the
	// other side must answer this one.
	ErrWrongStep = codes.New(Codespace, 21, "wrong challenge step")
	// ErrAlreadyAnswered: the claim's side answered this step already.
	ErrAlreadyAnswered = codes.New(Codespace, 22, "step answered already")
	// ErrChallengeDeadline: the step's deadline has passed.
	ErrChallengeDeadline = codes.New(Codespace, 23, "challenge deadline passed")
	// ErrInvalidJustification: a proof of a justification leaf does not
	// verify against the claim's JRH, proves another value, or has the
	// shape of another tree size.
	ErrInvalidJustification = codes.New(Codespace, 24, "invalid justification proof")
	// ErrBadSearchStep: the children posted do not hash to the side's
	// current node of the binary search.
	ErrBadSearchStep = codes.New(Codespace, 25, "bad binary search step")
	// ErrInvalidWitness: a proof or witness is malformed or does not
	// prove what the step needs (the key, its value or absence, its UID).
	ErrInvalidWitness = codes.New(Codespace, 26, "invalid witness")
	// ErrWrongLogEntry: the log entry named does not hold the disputed
	// update.
	ErrWrongLogEntry = codes.New(Codespace, 27, "wrong log entry")
	// ErrWrongTransition: the disputed update, recomputed from the
	// witnesses, does not land on the claim's justification leaf.
	ErrWrongTransition = codes.New(Codespace, 28, "wrong transition")
	// ErrInvalidatedClaim: the (root, n_leaves, jrh) lost a challenge in
	// this cycle and cannot be submitted again.
	ErrInvalidatedClaim = codes.New(Codespace, 29, "invalidated claim")
	// ErrStakedTooBriefly: the miner has not been staked for
	// miner_min_staked_cycles × reputation_cycle_blocks blocks.
	ErrStakedTooBriefly = codes.New(Codespace, 30, "miner staked too briefly")
	// ErrRecoveryMode: reputation mining is in recovery mode, which stops
	// submissions and challenge answers; or it is entered twice.
	ErrRecoveryMode = codes.New(Codespace, 31, "reputation mining in recovery mode")
	// ErrNotInRecovery: a recovery edit or exit approval outside recovery
	// mode.
	ErrNotInRecovery = codes.New(Codespace, 32, "not in recovery mode")
	// ErrNotRecoveryAddress: the signer is not a recovery address.
	ErrNotRecoveryAddress = codes.New(Codespace, 33, "not a recovery address")
	// ErrInvalidRecoveryAddresses: a recovery address is not bech32 or is
	// listed twice, there are more than MaxRecoveryAddresses, or none
	// would be left in recovery mode.
	ErrInvalidRecoveryAddresses = codes.New(Codespace, 34, "invalid recovery addresses")
	// ErrNotAuthority: only a passed governance proposal may do this (a
	// MsgSetRecoveryAddresses sent directly).
	ErrNotAuthority = codes.New(Codespace, 35, "governance only")
	// ErrRecoveryCycle: a root set in recovery mode names a cycle that is
	// not frozen (the open cycle or a later one).
	ErrRecoveryCycle = codes.New(Codespace, 36, "cycle not frozen")
	// ErrAlreadyApproved: the recovery address approved the exit already
	// since the latest edit.
	ErrAlreadyApproved = codes.New(Codespace, 37, "exit approved already")
	// ErrStaleApproval: an exit approval names an edit count other than
	// the current one: the state changed since its signer reviewed it.
	ErrStaleApproval = codes.New(Codespace, 38, "approval of a stale state")
)

// Codes lists the codes of codespace "reputation" in number order.
func Codes() []codes.Code {
	return []codes.Code{ErrInvalidSkillName, ErrUnknownSkill, ErrSkillExists, ErrInvalidRating,
		ErrInvalidAmount, ErrStakeTooLow, ErrNoMiner, ErrInsufficientStake, ErrMinerBusy,
		ErrInvalidSubmission, ErrNotMining, ErrMiningWindow, ErrEntryIndex, ErrEntryUsed,
		ErrTooManySubmissions, ErrNotEligible, ErrInvalidProof, ErrNoRoot, ErrNotChallenging, ErrNoClaim,
		ErrWrongStep, ErrAlreadyAnswered, ErrChallengeDeadline, ErrInvalidJustification, ErrBadSearchStep,
		ErrInvalidWitness, ErrWrongLogEntry, ErrWrongTransition, ErrInvalidatedClaim, ErrStakedTooBriefly,
		ErrRecoveryMode, ErrNotInRecovery, ErrNotRecoveryAddress, ErrInvalidRecoveryAddresses, ErrNotAuthority,
		ErrRecoveryCycle, ErrAlreadyApproved, ErrStaleApproval}
}

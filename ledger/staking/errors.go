package staking

import "github.com/celltonomy/celltonomy/ledger/codes"

// Codespace is the codespace of the staking module's codes.
const Codespace = "staking"

// Codes of codespace "staking". Numbers are appended, never renumbered.
var (
	// ErrInvalidPubKey: a consensus key is not an ed25519 key (32 bytes).
	ErrInvalidPubKey = codes.New(Codespace, 1, "invalid consensus key")
	// ErrPubKeyInUse: the consensus key is, or was, another validator's.
	ErrPubKeyInUse = codes.New(Codespace, 2, "validator key already in use")
	// ErrValidatorExists: the signer already operates a validator.
	ErrValidatorExists = codes.New(Codespace, 3, "validator already exists")
	// ErrSelfBondTooLow: stake below the min_self_bond param.
	ErrSelfBondTooLow = codes.New(Codespace, 4, "self-bond too low")
	// ErrNoValidator: the signer operates no validator.
	ErrNoValidator = codes.New(Codespace, 5, "no such validator")
	// ErrNotOperator: a bond names a validator the signer does not operate.
	ErrNotOperator = codes.New(Codespace, 6, "not the validator's operator")
	// ErrInvalidAmount: an amount is zero where it must be positive.
	ErrInvalidAmount = codes.New(Codespace, 7, "invalid amount")
	// ErrInsufficientBond: an unbond asks for more than is bonded.
	ErrInsufficientBond = codes.New(Codespace, 8, "insufficient bonded stake")
	// ErrInvalidMoniker: a moniker is empty, too long or has control
	// characters.
	ErrInvalidMoniker = codes.New(Codespace, 9, "invalid moniker")
	// ErrJailed: the validator is jailed.
	ErrJailed = codes.New(Codespace, 10, "validator jailed")
	// ErrInvalidAddress: an address is not 20 bytes.
	ErrInvalidAddress = codes.New(Codespace, 11, "invalid address")
	// ErrBadConsensusSignature: create_validator's consensus_signature is
	// missing or does not verify under the consensus key
	// (ConsensusKeyProofBytes).
	ErrBadConsensusSignature = codes.New(Codespace, 12, "bad consensus key signature")
	// ErrNoDelegation: the signer has no delegation to the validator.
	ErrNoDelegation = codes.New(Codespace, 13, "no such delegation")
	// ErrInvalidCommission: a commission breaks its bounds (max rate, max
	// change).
	ErrInvalidCommission = codes.New(Codespace, 14, "invalid commission")
	// ErrCommissionTooSoon: a commission change comes before
	// staking_commission_change_blocks since the previous one.
	ErrCommissionTooSoon = codes.New(Codespace, 15, "commission changed too recently")
	// ErrNotJailed: unjail of a validator that is not jailed.
	ErrNotJailed = codes.New(Codespace, 16, "validator not jailed")
	// ErrTombstoned: the validator double-signed and is jailed for ever.
	ErrTombstoned = codes.New(Codespace, 17, "validator tombstoned")
	// ErrStillJailed: unjail before the jail period is over.
	ErrStillJailed = codes.New(Codespace, 18, "jail period not over")
	// ErrRedelegation: a redelegation to the source itself, or from a
	// validator that the delegator's stake reached by a redelegation still
	// in its unbonding period (no hop).
	ErrRedelegation = codes.New(Codespace, 19, "invalid redelegation")
)

// Codes lists the codes of codespace "staking" in number order.
func Codes() []codes.Code {
	return []codes.Code{ErrInvalidPubKey, ErrPubKeyInUse, ErrValidatorExists, ErrSelfBondTooLow,
		ErrNoValidator, ErrNotOperator, ErrInvalidAmount, ErrInsufficientBond, ErrInvalidMoniker,
		ErrJailed, ErrInvalidAddress, ErrBadConsensusSignature,
		ErrNoDelegation, ErrInvalidCommission, ErrCommissionTooSoon, ErrNotJailed, ErrTombstoned, ErrStillJailed,
		ErrRedelegation}
}

package reputation

import (
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/store"
)

// maxAmountDigits is the number of decimal digits of MaxAmount,
// 170141183460469231731687303715884105727.
const maxAmountDigits = 39

// ParseGrantAmount parses the amount of a genesis grant: a positive
// decimal integer of at most MaxAmount (2^127 − 1), digits only, without
// sign or leading zeros, so that each amount has one spelling. Errors
// say what is wrong and quote s (at most its first 50 bytes).
func ParseGrantAmount(s string) (*big.Int, error) {
	quoted := s
	if len(quoted) > 50 {
		quoted = quoted[:50] + "…"
	}
	digits, negative := strings.CutPrefix(s, "-")
	switch {
	case digits == "" || strings.Trim(digits, "0123456789") != "":
		return nil, fmt.Errorf("%q: not a decimal integer", quoted)
	case len(digits) > 1 && digits[0] == '0':
		return nil, fmt.Errorf("%q: leading zero", quoted)
	case negative || digits == "0":
		return nil, fmt.Errorf("%q: must be positive", quoted)
	case len(digits) > maxAmountDigits:
		return nil, fmt.Errorf("%q: above 2^127 - 1", quoted)
	}
	v, _ := new(big.Int).SetString(digits, 10)
	if v.Cmp(MaxAmount()) > 0 {
		return nil, fmt.Errorf("%q: above 2^127 - 1", quoted)
	}
	return v, nil
}

// errZeroUser refuses a grant to the zero address, which Append would
// skip: that key holds the colony-wide totals.
var errZeroUser = errors.New("the zero address holds the colony-wide totals")

// InitGrants appends the initial reputation grants of genesis (Colony
// whitepaper §6.2.3, "Bootstrapping reputation") to the log of the open
// cycle, cycle 0 at genesis, in order, in the network colony, with
// Append's rules: each becomes one log entry {user, amount, skill,
// NetworkColony()} with its nUpdates and nPreviousUpdates. Call it after
// InitGenesis: each grant's skill must be one of the genesis skills.
// Genesis emits no events. Errors name the grant's index and field:
// an address that is not bech32 or is the zero address, a skill that is
// not a genesis skill, an amount that ParseGrantAmount refuses.
func (k Keeper) InitGrants(st store.KVStore, grants []*ledgerpb.ReputationGrant) error {
	colony := NetworkColony()
	for i, g := range grants {
		user, err := address.Parse(g.GetAddress())
		if err == nil && user.IsZero() {
			err = errZeroUser
		}
		if err != nil {
			return fmt.Errorf("reputation.grants[%d].address: %w", i, err)
		}
		skill, ok := k.SkillID(st, g.GetSkill())
		if !ok {
			return fmt.Errorf("reputation.grants[%d].skill %q: not a genesis skill", i, g.GetSkill())
		}
		amount, err := ParseGrantAmount(g.GetAmount())
		if err != nil {
			return fmt.Errorf("reputation.grants[%d].amount %w", i, err)
		}
		var ev event.Log
		if _, err := k.Append(st, &ev, colony, user, skill, amount); err != nil {
			return fmt.Errorf("reputation.grants[%d]: %w", i, err)
		}
	}
	return nil
}

package app

import (
	"bytes"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/auth"
	"github.com/celltonomy/celltonomy/ledger/bank"
	"github.com/celltonomy/celltonomy/ledger/distribution"
	"github.com/celltonomy/celltonomy/ledger/gov"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/ledger/registry"
	"github.com/celltonomy/celltonomy/ledger/reputation"
	"github.com/celltonomy/celltonomy/ledger/staking"
)

// TestKeyPrefixesAreDisjoint: no table's prefix is a prefix of another's,
// so no key of one table can fall into another's range (one IAVL tree
// holds every module).
func TestKeyPrefixesAreDisjoint(t *testing.T) {
	prefixes := map[string][]byte{
		"auth account":                   auth.AccountPrefix(),
		"bank balance":                   bank.BalancePrefix(),
		"bank supply":                    bank.SupplyKey(),
		"params":                         params.Key(),
		"staking validator":              staking.ValidatorPrefix(),
		"staking consensus":              staking.ConsensusPrefix(),
		"staking power":                  staking.PowerPrefix(),
		"staking unbonding":              staking.UnbondingPrefix(),
		"staking changed":                []byte("staking/changed"),
		"staking delegation":             []byte("staking/delegation/"),
		"staking delegator":              []byte("staking/delegator/"),
		"staking redelegation":           staking.RedelegationPrefix(),
		"staking redelegated":            []byte("staking/redelegated/"),
		"staking unbonding by validator": []byte("staking/unbonding_by_validator/"),
		"staking redelegation by src":    []byte("staking/redelegation_by_src/"),
		"staking signing":                []byte("staking/signing/"),
		"staking missed":                 []byte("staking/missed/"),
		"distribution validator":         []byte("distribution/validator/"),
		"distribution start":             []byte("distribution/start/"),
		"distribution outstanding":       distribution.OutstandingKey(),
		"registry profile":               registry.ProfilePrefix(),
		"registry node":                  registry.NodePrefix(),
		"registry op node":               registry.OperatorNodePrefix(address.Address{}),
		"registry package":               registry.PackagePrefix(),
		"registry pkg name":              registry.PackageNamePrefix(""),
		"registry name":                  registry.NameAuthorPrefix(),
		"registry offering":              registry.OfferingPrefix(address.Address{}),
		"registry pkg offr":              registry.PackageOfferingPrefix(nil),
		"market next id":                 market.NextIDKey(),
		"market order":                   market.OrderPrefix(),
		"market bid":                     market.BidTablePrefix(),
		"market due":                     market.DueTablePrefix(),
		"market buyer":                   market.BuyerPrefix(address.Address{}),
		"market provider":                market.ProviderPrefix(address.Address{}),
		"market state":                   market.StatePrefix(0),
		"market verifier":                market.VerifierPrefix(),
		"market credit":                  market.CreditPrefix(),
		"rep skill":                      reputation.SkillPrefix(),
		"rep children":                   reputation.ChildrenTablePrefix(),
		"rep name":                       reputation.NamePrefix(),
		"rep skill count":                reputation.SkillCountKey(),
		"rep cycle":                      reputation.CycleKey(),
		"rep log":                        reputation.LogTablePrefix(),
		"rep mining state":               reputation.MiningStateKey(),
		"rep root":                       reputation.RootKey(),
		"rep miner":                      reputation.MinerPrefix(),
		"rep submission":                 reputation.SubmissionTablePrefix(),
		"rep entry":                      reputation.EntryTablePrefix(),
		"rep claim hash":                 reputation.ClaimHashTablePrefix(),
		"rep claim":                      reputation.ClaimTablePrefix(),
		"rep challenge":                  reputation.ChallengeTablePrefix(),
		"rep challenge due":              reputation.ChallengeDuePrefix(),
		"rep recovery":                   reputation.RecoveryKey(),
		"gov next id":                    gov.NextIDKey(),
		"gov proposal":                   gov.ProposalPrefix(),
		"gov deposit":                    gov.DepositTablePrefix(),
		"gov vote":                       gov.VoteTablePrefix(),
		"gov due":                        gov.DueTablePrefix(),
	}
	for a, pa := range prefixes {
		for b, pb := range prefixes {
			if a != b && bytes.HasPrefix(pb, pa) {
				t.Errorf("%s prefix %q is a prefix of %s prefix %q", a, pa, b, pb)
			}
		}
	}
}

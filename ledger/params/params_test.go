package params

import (
	"encoding/hex"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/store"
)

func TestKey(t *testing.T) {
	if got := hex.EncodeToString(Key()); got != hex.EncodeToString([]byte("params/current")) {
		t.Errorf("key %s", got)
	}
}

func TestValidate(t *testing.T) {
	if err := Validate(Default()); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for _, tc := range []struct {
		edit func(p *ledgerpb.Params)
		want string
	}{
		{func(p *ledgerpb.Params) { p.UnbondingBlocks = 0 }, "unbonding_blocks 0"},
		{func(p *ledgerpb.Params) { p.UnbondingBlocks = MaxUnbondingBlocks + 1 }, "unbonding_blocks"},
		{func(p *ledgerpb.Params) { p.PowerReduction = 0 }, "power_reduction 0"},
		{func(p *ledgerpb.Params) { p.MinSelfBond = p.PowerReduction - 1 }, "min_self_bond"},
		{func(p *ledgerpb.Params) { p.SlashFractionBps = 10_001 }, "slash_fraction_bps 10001"},
		{func(p *ledgerpb.Params) { p.MaxValidators = 0 }, "max_validators 0"},
		{func(p *ledgerpb.Params) { p.MaxMsgsPerTx = 0 }, "max_msgs_per_tx 0"},
		{func(p *ledgerpb.Params) { p.NodeTtlBlocks = 0 }, "node_ttl_blocks 0"},
		{func(p *ledgerpb.Params) { p.NodeTtlBlocks = MaxNodeTTLBlocks + 1 }, "node_ttl_blocks"},
		{func(p *ledgerpb.Params) { p.MinPoStake = 0 }, "min_po_stake 0"},
		{func(p *ledgerpb.Params) { p.BidStakeRatioBps = 10_001 }, "bid_stake_ratio_bps 10001"},
		{func(p *ledgerpb.Params) { p.NetworkFeeBps = 10_001 }, "network_fee_bps 10001"},
		{func(p *ledgerpb.Params) { p.FailSlashBuyerBps = 10_001 }, "fail_slash_buyer_bps 10001"},
		{func(p *ledgerpb.Params) { p.MaxBidWindow = 0 }, "max_bid_window 0"},
		{func(p *ledgerpb.Params) { p.MaxDeliveryWindow = MaxWindowBlocks + 1 }, "max_delivery_window"},
		{func(p *ledgerpb.Params) { p.MaxConfirmWindow = 0 }, "max_confirm_window 0"},
		{func(p *ledgerpb.Params) { p.RevealWindowBlocks = 0 }, "reveal_window_blocks 0"},
		{func(p *ledgerpb.Params) { p.MinVerifierStake = 0 }, "min_verifier_stake 0"},
		{func(p *ledgerpb.Params) { p.MinDisputeStake = 0 }, "min_dispute_stake 0"},
		{func(p *ledgerpb.Params) { p.VerifiersPerDispute = 0 }, "verifiers_per_dispute 0"},
		{func(p *ledgerpb.Params) { p.VerifiersPerDispute = MaxVerifiersPerDispute + 1 }, "verifiers_per_dispute"},
		{func(p *ledgerpb.Params) { p.VerifierCommitWindow = 0 }, "verifier_commit_window 0"},
		{func(p *ledgerpb.Params) { p.VerifierRevealWindow = 0 }, "verifier_reveal_window 0"},
		{func(p *ledgerpb.Params) { p.VerifierRewardBps = 10_001 }, "verifier_reward_bps 10001"},
		{func(p *ledgerpb.Params) { p.GovernanceAuthority = "nope" }, "governance_authority"},
		{func(p *ledgerpb.Params) { p.ReputationCycleBlocks = 0 }, "reputation_cycle_blocks 0"},
		{func(p *ledgerpb.Params) { p.ReputationCycleBlocks = MaxWindowBlocks + 1 }, "reputation_cycle_blocks"},
		{func(p *ledgerpb.Params) { p.MiningWindowBlocks = 0 }, "mining_window_blocks 0"},
		{func(p *ledgerpb.Params) { p.MinMinerStake = 0 }, "min_miner_stake 0"},
		{func(p *ledgerpb.Params) { p.DecayDenominator = 0; p.DecayNumerator = 0 }, "decay_denominator 0"},
		{func(p *ledgerpb.Params) { p.DecayNumerator = p.DecayDenominator + 1 }, "decay_numerator"},
		{func(p *ledgerpb.Params) { p.MiningStakeMaturityBlocks = 0 }, "mining_stake_maturity_blocks 0"},
		{func(p *ledgerpb.Params) { p.MinBidStake = 0 }, "min_bid_stake 0"},
		{func(p *ledgerpb.Params) { p.MinPrice = 0 }, "min_price 0"},
		{func(p *ledgerpb.Params) { p.MaxRoyaltyBps = MaxRoyaltyBps + 1 }, "max_royalty_bps"},
		{func(p *ledgerpb.Params) { p.NetworkFeeBps, p.MaxRoyaltyBps = 5_000, 5_000 }, "must be below 10000"},
		{func(p *ledgerpb.Params) { p.InputWindowBlocks = 0 }, "input_window_blocks 0"},
		{func(p *ledgerpb.Params) { p.InputContestWindowBlocks = 0 }, "input_contest_window_blocks 0"},
		{func(p *ledgerpb.Params) { p.MaxDisputeRounds = 0 }, "max_dispute_rounds 0"},
		{func(p *ledgerpb.Params) { p.MaxDisputeRounds = MaxDisputeRounds + 1 }, "max_dispute_rounds"},
		{func(p *ledgerpb.Params) { p.MinDisputeQuorum = 0 }, "min_dispute_quorum 0"},
		{func(p *ledgerpb.Params) { p.MinDisputeQuorum = p.VerifiersPerDispute + 1 }, "min_dispute_quorum"},
		{func(p *ledgerpb.Params) { p.DisputeSeedWindowBlocks = 0 }, "dispute_seed_window_blocks 0"},
		{func(p *ledgerpb.Params) { p.MinDomainVoteStake = 0 }, "min_domain_vote_stake 0"},
		{func(p *ledgerpb.Params) { p.MaxDuePerBlock = 0 }, "max_due_per_block 0"},
		// Tokenomics: mint.Validate's rules apply (ledger/mint tests them all).
		{func(p *ledgerpb.Params) { p.MintInflationBps = 10_001 }, "mint_inflation_bps 10001"},
		{func(p *ledgerpb.Params) { p.MintBlockTimeMs = 0 }, "mint_block_time_ms 0"},
		{func(p *ledgerpb.Params) { p.MintSupplyCeiling = 0 }, "mint_supply_ceiling 0"},
		{func(p *ledgerpb.Params) { p.MintMinersBps = 4_001 }, "mint_rewards_bps 6000 + mint_miners_bps 4001"},
		{func(p *ledgerpb.Params) { p.FeeBurnBps = 5_001 }, "fee_burn_bps 5001 + fee_validator_bps 5000"},
	} {
		p := Default()
		tc.edit(p)
		if err := Validate(p); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%v) = %v, want %q", p, err, tc.want)
		}
	}
	if err := Validate(nil); err == nil {
		t.Error("nil params accepted")
	}
}

func TestSetGet(t *testing.T) {
	st := store.NewMemStore()
	if _, err := Get(st); err == nil {
		t.Fatal("Get on empty state")
	}
	bad := Default()
	bad.MaxValidators = 0
	if err := Set(st, bad); err == nil || st.Len() != 0 {
		t.Fatal("Set wrote invalid params")
	}
	if err := Set(st, Default()); err != nil {
		t.Fatal(err)
	}
	p, err := Get(st)
	if err != nil || !proto.Equal(p, Default()) {
		t.Fatalf("Get = %v, %v", p, err)
	}
}

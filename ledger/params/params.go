// Package params keeps the ledger's consensus parameters (ledgerpb.Params)
// in state: the defaults a new chain starts from, the rules they must
// satisfy, and the one key they are stored under. Params are written at
// genesis; governance will change them later. Modules read them as a value
// passed in by the app, loaded once per block.
package params

import (
	"fmt"
	"math"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/ledger/internal/codec"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/mint"
	"github.com/celltonomy/celltonomy/ledger/staking"
	"github.com/celltonomy/celltonomy/ledger/store"
)

// Default returns the parameters of a chain whose genesis names none:
//
//	min_fee             1,000 ucell (0.001 CELL)
//	unbonding_blocks    100,800 blocks (one week of 6-second blocks)
//	min_self_bond       1,000,000 ucell (1 CELL)
//	slash_fraction_bps  500 (5% of the stake, Cosmos' double-sign default)
//	power_reduction     1,000,000 ucell per unit of voting power (1 CELL)
//	max_validators      100
//	max_msgs_per_tx     32
//	max_memo_bytes      256 bytes
//	node_ttl_blocks     14,400 blocks (one day of 6-second blocks)
//	min_po_stake          100,000 ucell (0.1 CELL): the price of a spam order
//	bid_stake_ratio_bps   1,000 (a bid stake of at least 10% of the price)
//	network_fee_bps       100 (1% of an order's price, a fee: burned and split like any fee)
//	fail_slash_buyer_bps  5,000 (half a slashed bid stake to the buyer)
//	max_bid_window        14,400 blocks (one day)
//	max_delivery_window   100,800 blocks (one week)
//	max_confirm_window    100,800 blocks (one week)
//	reveal_window_blocks  14,400 blocks (one day)
//	min_verifier_stake      1,000,000 ucell (1 CELL)
//	min_dispute_stake       100,000 ucell (0.1 CELL)
//	verifiers_per_dispute   3
//	verifier_commit_window  1,440 blocks (2.4 hours)
//	verifier_reveal_window  1,440 blocks
//	verifier_reward_bps     5,000 (half the loser's stake to the majority verifiers)
//	reputation_cycle_blocks       600 blocks (one hour)
//	mining_window_blocks          60 blocks (six minutes)
//	min_miner_stake               100,000,000 ucell (100 CELL) per entry index: what
//	                              a forged root costs its miner when it loses
//	miner_reward                  1,000,000 ucell per accepted cycle, from the treasury
//	                              while it has funds
//	miner_reputation_reward       1,000,000 (reputation in the skill "mining")
//	decay_numerator / decay_denominator
//	                              999679150010889 / 10^15 (2160 cycles halve a reputation)
//	mining_stake_maturity_blocks  1,296,000 blocks (90 days)
//	min_bid_stake                 10,000 ucell: a failed dust bid still costs this
//	min_price                     1,000 ucell: no bid, order or offering below it
//	max_royalty_bps               2,000 (an author takes at most 20% of a price)
//	input_window_blocks           100 blocks (ten minutes) to upload the inputs
//	input_contest_window_blocks   100 blocks to answer a report of missing inputs
//	max_dispute_rounds            2 (one redraw after an undecided round, then a split)
//	min_dispute_quorum            2 reveals of the majority root decide
//	dispute_seed_window_blocks    100 blocks to reveal a round's draw seed
//	min_verifier_reputation       0 (verifiers need no proven reputation; a chain
//	                              with reputation should raise it)
//	min_domain_vote_stake         100,000 ucell (0.1 CELL) per domain vote
//	max_due_per_block             2,000 order deadlines per block, the rest carried over
//	mining_response_window_blocks 50 blocks (five minutes) per challenge step
//	miner_min_staked_cycles       2 whole cycles (of reputation_cycle_blocks) staked
//	                              before a miner may submit
//	miner_slash_defender_bps      5,000 (half an invalidated miner's stake to the
//	                              defenders of the claim it lost to)
//	miner_reputation_penalty      1,000,000 (reputation in "mining" lost per
//	                              invalidated submission)
//	staking_commission_change_blocks 14,400 blocks (a day) between commission changes
//	staking_signed_blocks_window  1,000 blocks of downtime window (0: no downtime slashing)
//	staking_min_signed_bps        5,000 (sign at least half of the window)
//	staking_downtime_jail_blocks  600 blocks in jail for downtime
//	staking_downtime_slash_bps    100 (1 % of the stake burned for downtime)
//	mint_inflation_bps   500 (5 % of the supply a year)
//	mint_block_time_ms   6,000 ms (5,259,600 blocks a mint year)
//	mint_supply_ceiling  10^16 ucell (10 billion CELL)
//	mint_rewards_bps     6,000 (60 % of minting to validators and delegators)
//	mint_miners_bps      1,000 (10 % to the miners' reward pool; 30 % to the treasury)
//	fee_burn_bps         2,000 (20 % of every fee burned)
//	fee_validator_bps    5,000 (50 % to validators and delegators; 30 % to the treasury)
//	gov_min_deposit               10,000,000 ucell (10 CELL) moves a proposal to voting
//	gov_deposit_period_blocks     100,800 blocks (one week) to reach it
//	gov_voting_period_blocks      100,800 blocks (one week) of voting
//	gov_quorum_bps                3,340 (a third of the bonded stake votes)
//	gov_threshold_bps             5,000 (more than half of yes + no + veto)
//	gov_veto_threshold_bps        3,340 (a third of the votes vetoes)
//	gov_timelock_blocks           28,800 blocks (two days, Compound's timelock)
//	market_max_service_blocks     100,800 blocks (a week of 6-second blocks): the longest
//	                              service order; a longer service is ordered again
func Default() *ledgerpb.Params {
	return &ledgerpb.Params{
		MinFee:           1_000,
		UnbondingBlocks:  100_800,
		MinSelfBond:      1_000_000,
		SlashFractionBps: 500,
		PowerReduction:   1_000_000,
		MaxValidators:    100,
		MaxMsgsPerTx:     32,
		MaxMemoBytes:     256,
		NodeTtlBlocks:    14_400,

		MinPoStake:         100_000,
		BidStakeRatioBps:   1_000,
		NetworkFeeBps:      100,
		FailSlashBuyerBps:  5_000,
		MaxBidWindow:       14_400,
		MaxDeliveryWindow:  100_800,
		MaxConfirmWindow:   100_800,
		RevealWindowBlocks: 14_400,

		MinVerifierStake:     1_000_000,
		MinDisputeStake:      100_000,
		VerifiersPerDispute:  3,
		VerifierCommitWindow: 1_440,
		VerifierRevealWindow: 1_440,
		VerifierRewardBps:    5_000,

		ReputationCycleBlocks:     600,
		MiningWindowBlocks:        60,
		MinMinerStake:             100_000_000,
		MinerReward:               1_000_000,
		MinerReputationReward:     1_000_000,
		DecayNumerator:            999_679_150_010_889,
		DecayDenominator:          1_000_000_000_000_000,
		MiningStakeMaturityBlocks: 1_296_000,

		MinBidStake:              10_000,
		MinPrice:                 1_000,
		MaxRoyaltyBps:            2_000,
		InputWindowBlocks:        100,
		InputContestWindowBlocks: 100,
		MaxDisputeRounds:         2,
		MinDisputeQuorum:         2,
		DisputeSeedWindowBlocks:  100,
		MinVerifierReputation:    0,
		MinDomainVoteStake:       100_000,
		MaxDuePerBlock:           2_000,

		MiningResponseWindowBlocks: 50,
		MinerMinStakedCycles:       2,
		MinerSlashDefenderBps:      5_000,
		MinerReputationPenalty:     1_000_000,

		StakingCommissionChangeBlocks: staking.DefaultCommissionChangeBlocks,
		StakingSignedBlocksWindow:     staking.DefaultSignedBlocksWindow,
		StakingMinSignedBps:           staking.DefaultMinSignedBps,
		StakingDowntimeJailBlocks:     staking.DefaultDowntimeJailBlocks,
		StakingDowntimeSlashBps:       staking.DefaultDowntimeSlashBps,
		MintInflationBps:              500,
		MintBlockTimeMs:               6_000,
		MintSupplyCeiling:             10_000_000_000_000_000,
		MintRewardsBps:                6_000,
		MintMinersBps:                 1_000,
		FeeBurnBps:                    2_000,
		FeeValidatorBps:               5_000,
		GovMinDeposit:                 10_000_000,
		GovDepositPeriodBlocks:        100_800,
		GovVotingPeriodBlocks:         100_800,
		GovQuorumBps:                  3_340,
		GovThresholdBps:               5_000,
		GovVetoThresholdBps:           3_340,
		GovTimelockBlocks:             28_800,

		MarketMaxServiceBlocks: 100_800,
	}
}

// MaxUnbondingBlocks bounds unbonding_blocks (about 400 years of 6-second
// blocks), so that a completion height never overflows int64.
const MaxUnbondingBlocks = math.MaxInt32

// MaxNodeTTLBlocks bounds node_ttl_blocks, for the same reason.
const MaxNodeTTLBlocks = math.MaxInt32

// MaxWindowBlocks bounds the market's windows (max_bid_window,
// max_delivery_window, max_confirm_window, reveal_window_blocks), so that
// a deadline never overflows int64.
const MaxWindowBlocks = math.MaxInt32

// MaxVerifiersPerDispute bounds verifiers_per_dispute, so that a dispute
// record stays small.
const MaxVerifiersPerDispute = 64

// MaxRoyaltyBps bounds max_royalty_bps: an author never takes more than
// half a price, so a provider is always paid (market hardening: a 100%
// royalty made compute free for its author).
const MaxRoyaltyBps = 5_000

// MaxDisputeRounds bounds max_dispute_rounds, so that a dispute ends and
// its record (drawn_before) stays small.
const MaxDisputeRounds = 8

// Validate returns an error naming the first field that breaks its rule:
//
//   - unbonding_blocks in [1, MaxUnbondingBlocks];
//   - power_reduction at least 1;
//   - min_self_bond at least power_reduction, so that every validator with
//     stake has voting power;
//   - slash_fraction_bps at most 10000;
//   - max_validators and max_msgs_per_tx at least 1;
//   - node_ttl_blocks in [1, MaxNodeTTLBlocks];
//   - min_po_stake at least 1 (market.md: "spam costs");
//   - bid_stake_ratio_bps, network_fee_bps and fail_slash_buyer_bps at
//     most 10000;
//   - max_bid_window, max_delivery_window, max_confirm_window and
//     reveal_window_blocks in [1, MaxWindowBlocks];
//   - min_verifier_stake and min_dispute_stake at least 1;
//     verifiers_per_dispute in [1, MaxVerifiersPerDispute];
//     verifier_commit_window and verifier_reveal_window in [1,
//     MaxWindowBlocks]; verifier_reward_bps at most 10000;
//   - min_bid_stake and min_price at least 1; max_royalty_bps at most
//     MaxRoyaltyBps, and network_fee_bps + max_royalty_bps below 10000,
//     so a provider is always paid part of its price;
//   - input_window_blocks, input_contest_window_blocks and
//     dispute_seed_window_blocks in [1, MaxWindowBlocks];
//     max_dispute_rounds in [1, MaxDisputeRounds]; min_dispute_quorum in
//     [1, verifiers_per_dispute]; min_domain_vote_stake and
//     max_due_per_block at least 1; min_verifier_reputation may be 0;
//   - mining_response_window_blocks in [1, MaxWindowBlocks];
//     miner_min_staked_cycles at most MaxWindowBlocks;
//     miner_slash_defender_bps at most 10000;
//   - the mint_* and fee_* params by mint.Validate;
//   - the staking_* params by staking.ValidateParams;
//   - gov_min_deposit at least 1; gov_deposit_period_blocks,
//     gov_voting_period_blocks and gov_timelock_blocks in [1,
//     MaxWindowBlocks]; gov_quorum_bps, gov_threshold_bps and
//     gov_veto_threshold_bps at most 10000, the veto threshold at least 1;
//   - reputation_cycle_blocks, mining_window_blocks and
//     mining_stake_maturity_blocks in [1, MaxWindowBlocks];
//     min_miner_stake at least 1; decay_denominator at least 1 and
//     decay_numerator at most decay_denominator (reputation.md: "Decay").
//     miner_reward and miner_reputation_reward may be 0;
//   - market_max_service_blocks at most MaxWindowBlocks (0: no service
//     orders).
//
// min_fee and max_memo_bytes may be 0 (free transactions, no memo).
func Validate(p *ledgerpb.Params) error {
	switch {
	case p == nil:
		return fmt.Errorf("params: missing")
	case p.UnbondingBlocks < 1 || p.UnbondingBlocks > MaxUnbondingBlocks:
		return fmt.Errorf("params: unbonding_blocks %d: must be in [1, %d]", p.UnbondingBlocks, MaxUnbondingBlocks)
	case p.PowerReduction < 1:
		return fmt.Errorf("params: power_reduction 0: must be at least 1")
	case p.MinSelfBond < p.PowerReduction:
		return fmt.Errorf("params: min_self_bond %d: must be at least power_reduction %d, so that a validator with stake has voting power", p.MinSelfBond, p.PowerReduction)
	case p.SlashFractionBps > 10_000:
		return fmt.Errorf("params: slash_fraction_bps %d: must be at most 10000", p.SlashFractionBps)
	case p.MaxValidators < 1:
		return fmt.Errorf("params: max_validators 0: must be at least 1")
	case p.MaxMsgsPerTx < 1:
		return fmt.Errorf("params: max_msgs_per_tx 0: must be at least 1")
	case p.NodeTtlBlocks < 1 || p.NodeTtlBlocks > MaxNodeTTLBlocks:
		return fmt.Errorf("params: node_ttl_blocks %d: must be in [1, %d]", p.NodeTtlBlocks, MaxNodeTTLBlocks)
	case p.MinPoStake < 1:
		return fmt.Errorf("params: min_po_stake 0: must be at least 1")
	case p.BidStakeRatioBps > 10_000:
		return fmt.Errorf("params: bid_stake_ratio_bps %d: must be at most 10000", p.BidStakeRatioBps)
	case p.NetworkFeeBps > 10_000:
		return fmt.Errorf("params: network_fee_bps %d: must be at most 10000", p.NetworkFeeBps)
	case p.FailSlashBuyerBps > 10_000:
		return fmt.Errorf("params: fail_slash_buyer_bps %d: must be at most 10000", p.FailSlashBuyerBps)
	case p.MaxBidWindow < 1 || p.MaxBidWindow > MaxWindowBlocks:
		return fmt.Errorf("params: max_bid_window %d: must be in [1, %d]", p.MaxBidWindow, MaxWindowBlocks)
	case p.MaxDeliveryWindow < 1 || p.MaxDeliveryWindow > MaxWindowBlocks:
		return fmt.Errorf("params: max_delivery_window %d: must be in [1, %d]", p.MaxDeliveryWindow, MaxWindowBlocks)
	case p.MaxConfirmWindow < 1 || p.MaxConfirmWindow > MaxWindowBlocks:
		return fmt.Errorf("params: max_confirm_window %d: must be in [1, %d]", p.MaxConfirmWindow, MaxWindowBlocks)
	case p.RevealWindowBlocks < 1 || p.RevealWindowBlocks > MaxWindowBlocks:
		return fmt.Errorf("params: reveal_window_blocks %d: must be in [1, %d]", p.RevealWindowBlocks, MaxWindowBlocks)
	case p.MinVerifierStake < 1:
		return fmt.Errorf("params: min_verifier_stake 0: must be at least 1")
	case p.MinDisputeStake < 1:
		return fmt.Errorf("params: min_dispute_stake 0: must be at least 1")
	case p.VerifiersPerDispute < 1 || p.VerifiersPerDispute > MaxVerifiersPerDispute:
		return fmt.Errorf("params: verifiers_per_dispute %d: must be in [1, %d]", p.VerifiersPerDispute, MaxVerifiersPerDispute)
	case p.VerifierCommitWindow < 1 || p.VerifierCommitWindow > MaxWindowBlocks:
		return fmt.Errorf("params: verifier_commit_window %d: must be in [1, %d]", p.VerifierCommitWindow, MaxWindowBlocks)
	case p.VerifierRevealWindow < 1 || p.VerifierRevealWindow > MaxWindowBlocks:
		return fmt.Errorf("params: verifier_reveal_window %d: must be in [1, %d]", p.VerifierRevealWindow, MaxWindowBlocks)
	case p.VerifierRewardBps > 10_000:
		return fmt.Errorf("params: verifier_reward_bps %d: must be at most 10000", p.VerifierRewardBps)
	case p.ReputationCycleBlocks < 1 || p.ReputationCycleBlocks > MaxWindowBlocks:
		return fmt.Errorf("params: reputation_cycle_blocks %d: must be in [1, %d]", p.ReputationCycleBlocks, MaxWindowBlocks)
	case p.MiningWindowBlocks < 1 || p.MiningWindowBlocks > MaxWindowBlocks:
		return fmt.Errorf("params: mining_window_blocks %d: must be in [1, %d]", p.MiningWindowBlocks, MaxWindowBlocks)
	case p.MinMinerStake < 1:
		return fmt.Errorf("params: min_miner_stake 0: must be at least 1")
	case p.DecayDenominator < 1:
		return fmt.Errorf("params: decay_denominator 0: must be at least 1")
	case p.DecayNumerator > p.DecayDenominator:
		return fmt.Errorf("params: decay_numerator %d: must be at most decay_denominator %d", p.DecayNumerator, p.DecayDenominator)
	case p.MiningStakeMaturityBlocks < 1 || p.MiningStakeMaturityBlocks > MaxWindowBlocks:
		return fmt.Errorf("params: mining_stake_maturity_blocks %d: must be in [1, %d]", p.MiningStakeMaturityBlocks, MaxWindowBlocks)
	case p.MinBidStake < 1:
		return fmt.Errorf("params: min_bid_stake 0: must be at least 1")
	case p.MinPrice < 1:
		return fmt.Errorf("params: min_price 0: must be at least 1")
	case p.MaxRoyaltyBps > MaxRoyaltyBps:
		return fmt.Errorf("params: max_royalty_bps %d: must be at most %d", p.MaxRoyaltyBps, MaxRoyaltyBps)
	case p.NetworkFeeBps+p.MaxRoyaltyBps >= 10_000:
		return fmt.Errorf("params: network_fee_bps %d + max_royalty_bps %d: must be below 10000, so a provider is paid", p.NetworkFeeBps, p.MaxRoyaltyBps)
	case p.InputWindowBlocks < 1 || p.InputWindowBlocks > MaxWindowBlocks:
		return fmt.Errorf("params: input_window_blocks %d: must be in [1, %d]", p.InputWindowBlocks, MaxWindowBlocks)
	case p.InputContestWindowBlocks < 1 || p.InputContestWindowBlocks > MaxWindowBlocks:
		return fmt.Errorf("params: input_contest_window_blocks %d: must be in [1, %d]", p.InputContestWindowBlocks, MaxWindowBlocks)
	case p.MaxDisputeRounds < 1 || p.MaxDisputeRounds > MaxDisputeRounds:
		return fmt.Errorf("params: max_dispute_rounds %d: must be in [1, %d]", p.MaxDisputeRounds, MaxDisputeRounds)
	case p.MinDisputeQuorum < 1 || p.MinDisputeQuorum > p.VerifiersPerDispute:
		return fmt.Errorf("params: min_dispute_quorum %d: must be in [1, verifiers_per_dispute %d]", p.MinDisputeQuorum, p.VerifiersPerDispute)
	case p.DisputeSeedWindowBlocks < 1 || p.DisputeSeedWindowBlocks > MaxWindowBlocks:
		return fmt.Errorf("params: dispute_seed_window_blocks %d: must be in [1, %d]", p.DisputeSeedWindowBlocks, MaxWindowBlocks)
	case p.MinDomainVoteStake < 1:
		return fmt.Errorf("params: min_domain_vote_stake 0: must be at least 1")
	case p.MaxDuePerBlock < 1:
		return fmt.Errorf("params: max_due_per_block 0: must be at least 1")
	case p.MiningResponseWindowBlocks < 1 || p.MiningResponseWindowBlocks > MaxWindowBlocks:
		return fmt.Errorf("params: mining_response_window_blocks %d: must be in [1, %d]", p.MiningResponseWindowBlocks, MaxWindowBlocks)
	case p.MinerMinStakedCycles > MaxWindowBlocks:
		return fmt.Errorf("params: miner_min_staked_cycles %d: must be at most %d", p.MinerMinStakedCycles, MaxWindowBlocks)
	case p.MinerSlashDefenderBps > 10_000:
		return fmt.Errorf("params: miner_slash_defender_bps %d: must be at most 10000", p.MinerSlashDefenderBps)
	}
	if err := mint.Validate(p); err != nil {
		return err
	}
	if err := staking.ValidateParams(p); err != nil {
		return err
	}
	return validateGov(p)
}

func validateGov(p *ledgerpb.Params) error {
	switch {
	case p.GovMinDeposit < 1:
		return fmt.Errorf("params: gov_min_deposit 0: must be at least 1")
	case p.GovDepositPeriodBlocks < 1 || p.GovDepositPeriodBlocks > MaxWindowBlocks:
		return fmt.Errorf("params: gov_deposit_period_blocks %d: must be in [1, %d]", p.GovDepositPeriodBlocks, MaxWindowBlocks)
	case p.GovVotingPeriodBlocks < 1 || p.GovVotingPeriodBlocks > MaxWindowBlocks:
		return fmt.Errorf("params: gov_voting_period_blocks %d: must be in [1, %d]", p.GovVotingPeriodBlocks, MaxWindowBlocks)
	case p.GovTimelockBlocks < 1 || p.GovTimelockBlocks > MaxWindowBlocks:
		return fmt.Errorf("params: gov_timelock_blocks %d: must be in [1, %d]", p.GovTimelockBlocks, MaxWindowBlocks)
	case p.GovQuorumBps > 10_000:
		return fmt.Errorf("params: gov_quorum_bps %d: must be at most 10000", p.GovQuorumBps)
	case p.GovThresholdBps > 10_000:
		return fmt.Errorf("params: gov_threshold_bps %d: must be at most 10000", p.GovThresholdBps)
	case p.GovVetoThresholdBps < 1 || p.GovVetoThresholdBps > 10_000:
		return fmt.Errorf("params: gov_veto_threshold_bps %d: must be in [1, 10000]", p.GovVetoThresholdBps)
	case p.MarketMaxServiceBlocks > MaxWindowBlocks:
		return fmt.Errorf("params: market_max_service_blocks %d: must be at most %d", p.MarketMaxServiceBlocks, MaxWindowBlocks)
	}
	return nil
}

// Key returns the state key of the params.
func Key() []byte { return []byte(keyParams) }

const keyParams = "params/current"

// Set validates p and writes it.
func Set(st store.KVStore, p *ledgerpb.Params) error {
	if err := Validate(p); err != nil {
		return err
	}
	st.Set(Key(), codec.Marshal(p))
	return nil
}

// Get reads the params. It returns an error if they are absent (InitChain
// has not run) or do not decode, which on a running chain means corrupt
// state.
func Get(st store.KVStore) (*ledgerpb.Params, error) {
	b := st.Get(Key())
	if b == nil {
		return nil, fmt.Errorf("params: not in state: the chain has not been initialized")
	}
	p := &ledgerpb.Params{}
	if err := proto.Unmarshal(b, p); err != nil {
		return nil, fmt.Errorf("params: decode state: %w", err)
	}
	return p, nil
}

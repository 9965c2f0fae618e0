package schema_test

import (
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/celltonomy/celltonomy/ledger/auth"
	"github.com/celltonomy/celltonomy/ledger/bank"
	"github.com/celltonomy/celltonomy/ledger/distribution"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/gov"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/mint"
	"github.com/celltonomy/celltonomy/ledger/registry"
	"github.com/celltonomy/celltonomy/ledger/reputation"
	"github.com/celltonomy/celltonomy/ledger/staking"
)

// handRendered is how each event was rendered before event.Encode: one
// hand-written renderer per type, kept as the reference that Encode must
// reproduce byte for byte (TestEncodeMatchesHandRenderers). It returns
// an event without a type for a type it does not know.
func handRendered(ev event.Typed) event.Event {
	switch e := ev.(type) {
	case bank.EventTransfer:
		return event.Event{Type: "transfer", Attributes: []event.Attribute{
			{Key: "from", Value: e.From.String()},
			{Key: "to", Value: e.To.String()},
			{Key: "amount", Value: strconv.FormatUint(e.Amount, 10)},
		}}
	case bank.EventMint:
		return event.Event{Type: "mint", Attributes: []event.Attribute{
			{Key: "to", Value: e.To.String()},
			{Key: "amount", Value: strconv.FormatUint(e.Amount, 10)},
		}}
	case bank.EventBurn:
		return event.Event{Type: "burn", Attributes: []event.Attribute{
			{Key: "from", Value: e.From.String()},
			{Key: "amount", Value: strconv.FormatUint(e.Amount, 10)},
		}}
	case market.EventOrderCreated:
		return event.Event{Type: "order_created", Attributes: []event.Attribute{
			{Key: "order_id", Value: u(e.OrderID)},
			{Key: "buyer", Value: e.Buyer.String()},
			{Key: "package_id", Value: hex.EncodeToString(e.PackageID)},
			{Key: "max_price", Value: u(e.MaxPrice)},
			{Key: "po_stake", Value: u(e.POStake)},
			{Key: "bid_deadline", Value: i(e.BidDeadline)},
			{Key: "direct", Value: strconv.FormatBool(e.Direct)},
			{Key: "service_blocks", Value: u(e.ServiceBlocks)},
		}}
	case market.EventOrderCancelled:
		return event.Event{Type: "order_cancelled", Attributes: []event.Attribute{
			{Key: "order_id", Value: u(e.OrderID)},
			{Key: "buyer", Value: e.Buyer.String()},
		}}
	case market.EventOrderExpired:
		return event.Event{Type: "order_expired", Attributes: []event.Attribute{{Key: "order_id", Value: u(e.OrderID)}}}
	case market.EventBidPlaced:
		return event.Event{Type: "bid_placed", Attributes: []event.Attribute{
			{Key: "order_id", Value: u(e.OrderID)},
			{Key: "provider", Value: e.Provider.String()},
			{Key: "node_key", Value: hex.EncodeToString(e.NodeKey)},
			{Key: "price", Value: u(e.Price)},
			{Key: "stake", Value: u(e.Stake)},
			{Key: "botspec_id", Value: hex.EncodeToString(e.BotSpecID)},
		}}
	case market.EventBidWithdrawn:
		return event.Event{Type: "bid_withdrawn", Attributes: []event.Attribute{
			{Key: "order_id", Value: u(e.OrderID)},
			{Key: "provider", Value: e.Provider.String()},
		}}
	case market.EventOrderAwarded:
		return event.Event{Type: "order_awarded", Attributes: []event.Attribute{
			{Key: "order_id", Value: u(e.OrderID)},
			{Key: "provider", Value: e.Provider.String()},
			{Key: "node_key", Value: hex.EncodeToString(e.NodeKey)},
			{Key: "price", Value: u(e.Price)},
			{Key: "bid_stake", Value: u(e.BidStake)},
			{Key: "delivery_deadline", Value: i(e.DeliveryDeadline)},
			{Key: "input_deadline", Value: i(e.InputDeadline)},
			{Key: "botspec_id", Value: hex.EncodeToString(e.BotSpecID)},
		}}
	case market.EventOrderDelivered:
		return event.Event{Type: "order_delivered", Attributes: []event.Attribute{
			{Key: "order_id", Value: u(e.OrderID)},
			{Key: "output_root", Value: hex.EncodeToString(e.OutputRoot)},
			{Key: "event_log_head", Value: hex.EncodeToString(e.EventLogHead)},
			{Key: "confirm_deadline", Value: i(e.ConfirmDeadline)},
			{Key: "result", Value: e.Result},
			{Key: "exit_code", Value: u(uint64(e.ExitCode))},
			{Key: "served_blocks", Value: u(e.ServedBlocks)},
			{Key: "calls", Value: u(e.Calls)},
			{Key: "bytes_in", Value: u(e.BytesIn)},
			{Key: "bytes_out", Value: u(e.BytesOut)},
		}}
	case market.EventOrderClosed:
		return event.Event{Type: "order_closed", Attributes: []event.Attribute{
			{Key: "order_id", Value: u(e.OrderID)},
			{Key: "auto", Value: strconv.FormatBool(e.Auto)},
			{Key: "payment", Value: u(e.Payment)},
			{Key: "network_fee", Value: u(e.NetworkFee)},
			{Key: "royalty", Value: u(e.Royalty)},
			{Key: "reveal_deadline", Value: i(e.RevealDeadline)},
			{Key: "refund", Value: u(e.Refund)},
		}}
	case market.EventServiceStopped:
		return event.Event{Type: "service_stopped", Attributes: []event.Attribute{
			{Key: "order_id", Value: u(e.OrderID)},
			{Key: "buyer", Value: e.Buyer.String()},
			{Key: "stop_height", Value: i(e.StopHeight)},
			{Key: "served_bound", Value: u(e.ServedBound)},
			{Key: "delivery_deadline", Value: i(e.DeliveryDeadline)},
		}}
	case market.EventRatingRevealed:
		return event.Event{Type: "rating_revealed", Attributes: []event.Attribute{
			{Key: "order_id", Value: u(e.OrderID)},
			{Key: "rater", Value: e.Rater.String()},
			{Key: "stars", Value: u(uint64(e.Stars))},
		}}
	case market.EventRatingsFinal:
		return event.Event{Type: "ratings_final", Attributes: []event.Attribute{
			{Key: "order_id", Value: u(e.OrderID)},
			{Key: "buyer_stars", Value: u(uint64(e.BuyerStars))},
			{Key: "provider_stars", Value: u(uint64(e.ProviderStars))},
			{Key: "buyer_revealed", Value: strconv.FormatBool(e.BuyerRevealed)},
			{Key: "provider_revealed", Value: strconv.FormatBool(e.ProviderRevealed)},
			{Key: "reputation", Value: strconv.FormatBool(e.Reputation)},
		}}
	case market.EventOrderFailed:
		return event.Event{Type: "order_failed", Attributes: []event.Attribute{
			{Key: "order_id", Value: u(e.OrderID)},
			{Key: "provider", Value: e.Provider.String()},
			{Key: "reason", Value: e.Reason},
			{Key: "slashed", Value: u(e.Slashed)},
			{Key: "to_buyer", Value: u(e.ToBuyer)},
			{Key: "to_treasury", Value: u(e.ToTreasury)},
			{Key: "reputation", Value: e.Reputation},
		}}
	case market.EventInputReceiptPosted:
		return event.Event{Type: "input_receipt_posted", Attributes: []event.Attribute{
			{Key: "order_id", Value: u(e.OrderID)},
			{Key: "by", Value: e.By.String()},
			{Key: "node_key", Value: hex.EncodeToString(e.NodeKey)},
			{Key: "voided_report", Value: strconv.FormatBool(e.VoidedReport)},
		}}
	case market.EventMissingInputsReported:
		return event.Event{Type: "missing_inputs_reported", Attributes: []event.Attribute{
			{Key: "order_id", Value: u(e.OrderID)},
			{Key: "provider", Value: e.Provider.String()},
			{Key: "contest_deadline", Value: i(e.ContestDeadline)},
		}}
	case market.EventDisputeDrawn:
		return event.Event{Type: "dispute_drawn", Attributes: []event.Attribute{
			{Key: "order_id", Value: u(e.OrderID)},
			{Key: "round", Value: u(uint64(e.Round))},
			{Key: "verifiers", Value: hexList(e.Verifiers)},
			{Key: "commit_deadline", Value: i(e.CommitDeadline)},
			{Key: "reveal_deadline", Value: i(e.RevealDeadline)},
		}}
	case market.EventDomainVoteEvicted:
		return event.Event{Type: "domain_vote_evicted", Attributes: []event.Attribute{
			{Key: "order_id", Value: u(e.OrderID)},
			{Key: "voter", Value: e.Voter.String()},
			{Key: "by", Value: e.By.String()},
		}}
	case market.EventDomainVoteOpened:
		return event.Event{Type: "domain_vote_opened", Attributes: []event.Attribute{
			{Key: "order_id", Value: u(e.OrderID)},
			{Key: "domain_skill", Value: u(e.DomainSkill)},
			{Key: "commit_deadline", Value: i(e.CommitDeadline)},
			{Key: "reveal_deadline", Value: i(e.RevealDeadline)},
		}}
	case market.EventVerifierRegistered:
		return event.Event{Type: "verifier_registered", Attributes: []event.Attribute{
			{Key: "node_key", Value: hex.EncodeToString(e.NodeKey)},
			{Key: "operator", Value: e.Operator.String()},
			{Key: "stake", Value: u(e.Stake)},
		}}
	case market.EventVerifierUnregistered:
		return event.Event{Type: "verifier_unregistered", Attributes: []event.Attribute{
			{Key: "node_key", Value: hex.EncodeToString(e.NodeKey)},
			{Key: "operator", Value: e.Operator.String()},
			{Key: "stake", Value: u(e.Stake)},
		}}
	case market.EventDisputeOpened:
		return event.Event{Type: "dispute_opened", Attributes: []event.Attribute{
			{Key: "order_id", Value: u(e.OrderID)},
			{Key: "claim", Value: i(int64(e.Claim))},
			{Key: "outcome", Value: i(int64(e.Outcome))},
			{Key: "stake", Value: u(e.Stake)},
			{Key: "commit_deadline", Value: i(e.CommitDeadline)},
			{Key: "reveal_deadline", Value: i(e.RevealDeadline)},
			{Key: "seed_deadline", Value: i(e.SeedDeadline)},
			{Key: "kind", Value: e.Kind},
		}}
	case market.EventDisputeCommit:
		return event.Event{Type: "dispute_commit", Attributes: []event.Attribute{
			{Key: "order_id", Value: u(e.OrderID)},
			{Key: "verifier", Value: e.Verifier.String()},
			{Key: "commitment", Value: hex.EncodeToString(e.Commitment)},
		}}
	case market.EventDisputeReveal:
		return event.Event{Type: "dispute_reveal", Attributes: []event.Attribute{
			{Key: "order_id", Value: u(e.OrderID)},
			{Key: "verifier", Value: e.Verifier.String()},
			{Key: "output_root", Value: hex.EncodeToString(e.OutputRoot)},
			{Key: "verdict", Value: e.Verdict},
		}}
	case market.EventDisputeDecided:
		return event.Event{Type: "dispute_decided", Attributes: []event.Attribute{
			{Key: "order_id", Value: u(e.OrderID)},
			{Key: "verdict", Value: e.Verdict},
			{Key: "majority_root", Value: hex.EncodeToString(e.MajorityRoot)},
			{Key: "state", Value: e.State},
			{Key: "rewarded", Value: hexList(e.Rewarded)},
			{Key: "reward", Value: u(e.Reward)},
			{Key: "slashed", Value: hexList(e.Slashed)},
			{Key: "kind", Value: e.Kind},
			{Key: "provider_weight", Value: e.ProviderWeight},
			{Key: "buyer_weight", Value: e.BuyerWeight},
			{Key: "round", Value: u(uint64(e.Round))},
			{Key: "next_seed_deadline", Value: i(e.NextSeedDeadline)},
			{Key: "majority_verdict", Value: e.MajorityVerdict},
		}}
	case market.EventDomainVoteCommit:
		return event.Event{Type: "domain_vote_commit", Attributes: []event.Attribute{
			{Key: "order_id", Value: u(e.OrderID)},
			{Key: "voter", Value: e.Voter.String()},
			{Key: "commitment", Value: hex.EncodeToString(e.Commitment)},
		}}
	case market.EventDomainVoteReveal:
		return event.Event{Type: "domain_vote_reveal", Attributes: []event.Attribute{
			{Key: "order_id", Value: u(e.OrderID)},
			{Key: "voter", Value: e.Voter.String()},
			{Key: "vote", Value: e.Vote},
			{Key: "weight", Value: e.Weight},
		}}
	case gov.EventProposalSubmitted:
		return event.Event{Type: "proposal_submitted", Attributes: []event.Attribute{
			{Key: "proposal_id", Value: u(e.ProposalID)},
			{Key: "proposer", Value: e.Proposer.String()},
			{Key: "deposit", Value: u(e.Deposit)},
			{Key: "deposit_end_height", Value: i(e.DepositEndHeight)},
			{Key: "needs_reputation", Value: strconv.FormatBool(e.NeedsReputation)},
		}}
	case gov.EventProposalDeposit:
		return event.Event{Type: "proposal_deposit", Attributes: []event.Attribute{
			{Key: "proposal_id", Value: u(e.ProposalID)},
			{Key: "depositor", Value: e.Depositor.String()},
			{Key: "amount", Value: u(e.Amount)},
			{Key: "total", Value: u(e.Total)},
		}}
	case gov.EventVotingStarted:
		return event.Event{Type: "voting_started", Attributes: []event.Attribute{
			{Key: "proposal_id", Value: u(e.ProposalID)},
			{Key: "voting_end_height", Value: i(e.VotingEndHeight)},
		}}
	case gov.EventVoteCast:
		return event.Event{Type: "vote_cast", Attributes: []event.Attribute{
			{Key: "proposal_id", Value: u(e.ProposalID)},
			{Key: "voter", Value: e.Voter.String()},
			{Key: "option", Value: e.Option},
			{Key: "reputation", Value: e.Reputation},
		}}
	case gov.EventProposalTallied:
		return event.Event{Type: "proposal_tallied", Attributes: []event.Attribute{
			{Key: "proposal_id", Value: u(e.ProposalID)},
			{Key: "status", Value: e.Status},
			{Key: "yes", Value: u(e.Yes)},
			{Key: "no", Value: u(e.No)},
			{Key: "abstain", Value: u(e.Abstain)},
			{Key: "veto", Value: u(e.Veto)},
			{Key: "total_bonded", Value: u(e.TotalBonded)},
			{Key: "reputation_yes", Value: e.ReputationYes},
			{Key: "reputation_no", Value: e.ReputationNo},
			{Key: "execution_height", Value: i(e.ExecutionHeight)},
		}}
	case gov.EventProposalExecuted:
		return event.Event{Type: "proposal_executed", Attributes: []event.Attribute{{Key: "proposal_id", Value: u(e.ProposalID)}}}
	case gov.EventProposalFailed:
		return event.Event{Type: "proposal_failed", Attributes: []event.Attribute{
			{Key: "proposal_id", Value: u(e.ProposalID)},
			{Key: "reason", Value: e.Reason},
		}}
	case gov.EventProposalCancelled:
		return event.Event{Type: "proposal_cancelled", Attributes: []event.Attribute{
			{Key: "proposal_id", Value: u(e.ProposalID)},
			{Key: "burned", Value: u(e.Burned)},
		}}
	case gov.EventProposalExpired:
		return event.Event{Type: "proposal_expired", Attributes: []event.Attribute{{Key: "proposal_id", Value: u(e.ProposalID)}}}
	case market.EventLitigationReleased:
		return event.Event{Type: "litigation_released", Attributes: []event.Attribute{
			{Key: "order_id", Value: u(e.OrderID)},
			{Key: "to_buyer", Value: u(e.ToBuyer)},
			{Key: "to_provider", Value: u(e.ToProvider)},
		}}
	case market.EventCreditChanged:
		return event.Event{Type: "credit_changed", Attributes: []event.Attribute{
			{Key: "order_id", Value: u(e.OrderID)},
			{Key: "account", Value: e.Account.String()},
			{Key: "added", Value: u(e.Added)},
			{Key: "spent", Value: u(e.Spent)},
			{Key: "balance", Value: u(e.Balance)},
		}}
	case registry.EventProfileSet:
		return event.Event{Type: "profile_set", Attributes: []event.Attribute{
			{Key: "owner", Value: e.Owner.String()},
			{Key: "name", Value: e.Name},
			{Key: "roles", Value: strings.Join(e.Roles, ",")},
		}}
	case registry.EventNodeAnnounced:
		return event.Event{Type: "node_announced", Attributes: []event.Attribute{
			{Key: "operator", Value: e.Operator.String()},
			{Key: "node_pubkey", Value: hex.EncodeToString(e.NodePubKey)},
			{Key: "endpoint", Value: e.Endpoint},
			{Key: "architectures", Value: strings.Join(e.Architectures, ",")},
			{Key: "capacity", Value: u(uint64(e.Capacity))},
			{Key: "last_announced_height", Value: i(e.LastAnnouncedHeight)},
		}}
	case registry.EventNodeRemoved:
		return event.Event{Type: "node_removed", Attributes: []event.Attribute{
			{Key: "operator", Value: e.Operator.String()},
			{Key: "node_pubkey", Value: hex.EncodeToString(e.NodePubKey)},
		}}
	case registry.EventPackageRegistered:
		return event.Event{Type: "package_registered", Attributes: []event.Attribute{
			{Key: "package_id", Value: hex.EncodeToString(e.PackageID)},
			{Key: "name", Value: e.Name},
			{Key: "version", Value: e.Version},
			{Key: "kind", Value: e.Kind},
			{Key: "skill", Value: e.Skill},
			{Key: "parent", Value: hex.EncodeToString(e.Parent)},
			{Key: "author", Value: e.Author.String()},
			{Key: "royalty_bps", Value: u(uint64(e.RoyaltyBps))},
		}}
	case registry.EventOfferingSet:
		return event.Event{Type: "offering_set", Attributes: []event.Attribute{
			{Key: "vendor", Value: e.Vendor.String()},
			{Key: "package_id", Value: hex.EncodeToString(e.PackageID)},
			{Key: "price", Value: u(e.Price)},
			{Key: "lead_time_blocks", Value: u(e.LeadTimeBlocks)},
			{Key: "node_key", Value: hex.EncodeToString(e.NodeKey)},
			{Key: "stake", Value: u(e.Stake)},
			{Key: "botspec_id", Value: hex.EncodeToString(e.BotSpecID)},
		}}
	case registry.EventOfferingRemoved:
		return event.Event{Type: "offering_removed", Attributes: []event.Attribute{
			{Key: "vendor", Value: e.Vendor.String()},
			{Key: "package_id", Value: hex.EncodeToString(e.PackageID)},
		}}
	case reputation.EventCreateSkill:
		return event.Event{Type: "create_skill", Attributes: []event.Attribute{
			{Key: "id", Value: u(e.ID)},
			{Key: "parent", Value: u(e.Parent)},
			{Key: "path", Value: e.Path},
		}}
	case reputation.EventUpdate:
		return event.Event{Type: "reputation_update", Attributes: []event.Attribute{
			{Key: "cycle", Value: u(e.Cycle)},
			{Key: "index", Value: u(e.Index)},
			{Key: "colony", Value: e.Colony.String()},
			{Key: "user", Value: e.User.String()},
			{Key: "skill", Value: u(e.Skill)},
			{Key: "amount", Value: e.Amount.String()},
			{Key: "n_updates", Value: u(e.NUpdates)},
			{Key: "n_previous_updates", Value: u(e.NPreviousUpdates)},
		}}
	case reputation.EventCycle:
		return event.Event{Type: "reputation_cycle", Attributes: []event.Attribute{
			{Key: "mining", Value: u(e.Mining)},
			{Key: "open", Value: u(e.Open)},
			{Key: "entries", Value: u(e.Entries)},
			{Key: "updates", Value: u(e.Updates)},
		}}
	case reputation.EventMinerStaked:
		return event.Event{Type: "miner_staked", Attributes: []event.Attribute{
			{Key: "miner", Value: e.Miner.String()},
			{Key: "amount", Value: u(e.Amount)},
			{Key: "stake", Value: u(e.Stake)},
			{Key: "since_height", Value: i64(e.SinceHeight)},
		}}
	case reputation.EventMinerUnstaked:
		return event.Event{Type: "miner_unstaked", Attributes: []event.Attribute{
			{Key: "miner", Value: e.Miner.String()},
			{Key: "amount", Value: u(e.Amount)},
			{Key: "stake", Value: u(e.Stake)},
		}}
	case reputation.EventCycleFrozen:
		return event.Event{Type: "cycle_frozen", Attributes: []event.Attribute{
			{Key: "cycle", Value: u(e.Cycle)},
			{Key: "open", Value: u(e.Open)},
			{Key: "window_start", Value: i64(e.WindowStart)},
			{Key: "window_end", Value: i64(e.WindowEnd)},
		}}
	case reputation.EventRootSubmitted:
		return event.Event{Type: "root_submitted", Attributes: []event.Attribute{
			{Key: "cycle", Value: u(e.Cycle)},
			{Key: "miner", Value: e.Miner.String()},
			{Key: "entry_index", Value: u(e.EntryIndex)},
			{Key: "root", Value: hex.EncodeToString(e.Root)},
			{Key: "n_leaves", Value: u(e.NLeaves)},
			{Key: "jrh", Value: hex.EncodeToString(e.JRH)},
			{Key: "position", Value: u(uint64(e.Position))},
			{Key: "claim", Value: u32(e.Claim)},
		}}
	case reputation.EventWindowReopened:
		return event.Event{Type: "mining_window_reopened", Attributes: []event.Attribute{
			{Key: "cycle", Value: u(e.Cycle)},
			{Key: "window_start", Value: i64(e.WindowStart)},
			{Key: "window_end", Value: i64(e.WindowEnd)},
		}}
	case reputation.EventRootAccepted:
		return event.Event{Type: "root_accepted", Attributes: []event.Attribute{
			{Key: "cycle", Value: u(e.Cycle)},
			{Key: "root", Value: hex.EncodeToString(e.Root)},
			{Key: "n_leaves", Value: u(e.NLeaves)},
			{Key: "jrh", Value: hex.EncodeToString(e.JRH)},
			{Key: "submissions", Value: strconv.Itoa(e.Submissions)},
		}}
	case reputation.EventMinersRewarded:
		return event.Event{Type: "miners_rewarded", Attributes: []event.Attribute{
			{Key: "cycle", Value: u(e.Cycle)},
			{Key: "miners", Value: strconv.Itoa(e.Miners)},
			{Key: "paid", Value: u(e.Paid)},
			{Key: "reputation", Value: u(e.Reputation)},
		}}
	case reputation.EventRoundStarted:
		return event.Event{Type: "challenge_round", Attributes: []event.Attribute{
			{Key: "cycle", Value: u(e.Cycle)},
			{Key: "round", Value: u32(e.Round)},
			{Key: "claims", Value: strconv.Itoa(e.Claims)},
			{Key: "challenges", Value: strconv.Itoa(e.Challenges)},
			{Key: "bye", Value: strconv.FormatBool(e.Bye)},
		}}
	case reputation.EventClaimBye:
		return event.Event{Type: "claim_bye", Attributes: []event.Attribute{
			{Key: "cycle", Value: u(e.Cycle)},
			{Key: "round", Value: u32(e.Round)},
			{Key: "claim", Value: u32(e.Claim)},
		}}
	case reputation.EventChallengeOpened:
		return event.Event{Type: "challenge_opened", Attributes: []event.Attribute{
			{Key: "cycle", Value: u(e.Cycle)},
			{Key: "round", Value: u32(e.Round)},
			{Key: "index", Value: u32(e.Index)},
			{Key: "claim0", Value: u32(e.Claims[0])},
			{Key: "claim1", Value: u32(e.Claims[1])},
			{Key: "step", Value: e.Step},
			{Key: "deadline", Value: i64(e.Deadline)},
		}}
	case reputation.EventChallengeAnswered:
		return event.Event{Type: "challenge_answered", Attributes: []event.Attribute{
			{Key: "cycle", Value: u(e.Cycle)},
			{Key: "round", Value: u32(e.Round)},
			{Key: "index", Value: u32(e.Index)},
			{Key: "claim", Value: u32(e.Claim)},
			{Key: "step", Value: e.Step},
			{Key: "by", Value: e.By.String()},
		}}
	case reputation.EventChallengeStep:
		return event.Event{Type: "challenge_step", Attributes: []event.Attribute{
			{Key: "cycle", Value: u(e.Cycle)},
			{Key: "round", Value: u32(e.Round)},
			{Key: "index", Value: u32(e.Index)},
			{Key: "step", Value: e.Step},
			{Key: "lo", Value: u(e.Lo)},
			{Key: "hi", Value: u(e.Hi)},
			{Key: "search_steps", Value: u32(e.SearchSteps)},
			{Key: "deadline", Value: i64(e.Deadline)},
		}}
	case reputation.EventChallengeDecided:
		winner := ""
		if e.HasWinner {
			winner = u32(e.Winner)
		}
		lost := make([]string, len(e.Invalidated))
		for i, c := range e.Invalidated {
			lost[i] = u32(c)
		}
		return event.Event{Type: "challenge_decided", Attributes: []event.Attribute{
			{Key: "cycle", Value: u(e.Cycle)},
			{Key: "round", Value: u32(e.Round)},
			{Key: "index", Value: u32(e.Index)},
			{Key: "winner", Value: winner},
			{Key: "invalidated", Value: strings.Join(lost, ",")},
			{Key: "reason", Value: e.Reason},
		}}
	case reputation.EventMinerSlashed:
		return event.Event{Type: "miner_slashed", Attributes: []event.Attribute{
			{Key: "cycle", Value: u(e.Cycle)},
			{Key: "claim", Value: u32(e.Claim)},
			{Key: "miner", Value: e.Miner.String()},
			{Key: "stake", Value: u(e.Stake)},
			{Key: "defenders", Value: u(e.Defenders)},
			{Key: "treasury", Value: u(e.Treasury)},
		}}
	case reputation.EventMiningReopened:
		return event.Event{Type: "mining_reopened", Attributes: []event.Attribute{
			{Key: "cycle", Value: u(e.Cycle)},
			{Key: "window_start", Value: i64(e.WindowStart)},
			{Key: "window_end", Value: i64(e.WindowEnd)},
		}}
	case reputation.EventMiningStarted:
		return event.Event{Type: "mining_started", Attributes: []event.Attribute{
			{Key: "cycle", Value: u(e.Cycle)},
			{Key: "window_start", Value: i64(e.WindowStart)},
			{Key: "window_end", Value: i64(e.WindowEnd)},
		}}
	case reputation.EventRecoveryEntered:
		return event.Event{Type: "recovery_entered", Attributes: []event.Attribute{
			{Key: "by", Value: e.By.String()},
			{Key: "open_cycle", Value: u(e.OpenCycle)},
			{Key: "mining", Value: optCycle(e.MiningCycle, e.Mining)},
			{Key: "challenging", Value: strconv.FormatBool(e.Challenging)},
		}}
	case reputation.EventRecoveryRootSet:
		return event.Event{Type: "recovery_root_set", Attributes: []event.Attribute{
			{Key: "by", Value: e.By.String()},
			{Key: "edit", Value: u(e.Edit)},
			{Key: "cycle", Value: u(e.Cycle)},
			{Key: "root", Value: hex.EncodeToString(e.Root)},
			{Key: "n_leaves", Value: u(e.NLeaves)},
			{Key: "jrh", Value: hex.EncodeToString(e.JRH)},
			{Key: "mining", Value: optCycle(e.MiningCycle, e.Mining)},
			{Key: "dropped", Value: u(e.Dropped)},
		}}
	case reputation.EventRecoveryExitApproved:
		return event.Event{Type: "recovery_exit_approved", Attributes: []event.Attribute{
			{Key: "by", Value: e.By.String()},
			{Key: "edit", Value: u(e.Edit)},
			{Key: "approvals", Value: strconv.Itoa(e.Approvals)},
			{Key: "needed", Value: strconv.Itoa(e.Needed)},
		}}
	case reputation.EventRecoveryExited:
		return event.Event{Type: "recovery_exited", Attributes: []event.Attribute{
			{Key: "edit", Value: u(e.Edit)},
			{Key: "approvals", Value: strconv.Itoa(e.Approvals)},
			{Key: "paused", Value: i64(e.Paused)},
			{Key: "open_cycle_start", Value: i64(e.OpenCycleStart)},
			{Key: "mining", Value: optCycle(e.MiningCycle, e.Mining)},
			{Key: "window_start", Value: i64(e.WindowStart)},
			{Key: "window_end", Value: i64(e.WindowEnd)},
			{Key: "challenges", Value: strconv.Itoa(e.Challenges)},
		}}
	case reputation.EventRecoveryAddressesSet:
		s := make([]string, len(e.Addresses))
		for i, a := range e.Addresses {
			s[i] = a.String()
		}
		return event.Event{Type: "recovery_addresses_set", Attributes: []event.Attribute{
			{Key: "addresses", Value: strings.Join(s, ",")},
			{Key: "recovery", Value: strconv.FormatBool(e.Recovery)},
			{Key: "edit", Value: u(e.Edit)},
		}}
	case staking.EventCreateValidator:
		return event.Event{Type: "create_validator", Attributes: []event.Attribute{
			{Key: "operator", Value: e.Operator.String()},
			{Key: "consensus_pubkey", Value: hex.EncodeToString(e.ConsensusPubKey)},
			{Key: "self_bond", Value: u(e.SelfBond)},
			{Key: "moniker", Value: e.Moniker},
		}}
	case staking.EventBond:
		return event.Event{Type: "bond", Attributes: []event.Attribute{
			{Key: "operator", Value: e.Operator.String()},
			{Key: "amount", Value: u(e.Amount)},
			{Key: "bonded", Value: u(e.Bonded)},
		}}
	case staking.EventUnbond:
		return event.Event{Type: "unbond", Attributes: []event.Attribute{
			{Key: "operator", Value: e.Operator.String()},
			{Key: "amount", Value: u(e.Amount)},
			{Key: "completion_height", Value: i(e.CompletionHeight)},
		}}
	case staking.EventUnbondingComplete:
		return event.Event{Type: "unbonding_complete", Attributes: []event.Attribute{
			{Key: "operator", Value: e.Operator.String()},
			{Key: "amount", Value: u(e.Amount)},
		}}
	case staking.EventSlash:
		return event.Event{Type: "slash", Attributes: []event.Attribute{
			{Key: "operator", Value: e.Operator.String()},
			{Key: "consensus_address", Value: hex.EncodeToString(e.ConsensusAddress[:])},
			{Key: "infraction_height", Value: i(e.InfractionHeight)},
			{Key: "amount", Value: u(e.Amount)},
		}}
	case staking.EventDelegate:
		return event.Event{Type: "delegate", Attributes: []event.Attribute{
			{Key: "delegator", Value: e.Delegator.String()},
			{Key: "validator", Value: e.Validator.String()},
			{Key: "amount", Value: u(e.Amount)},
			{Key: "shares", Value: u(e.Shares)},
		}}
	case staking.EventUndelegate:
		return event.Event{Type: "undelegate", Attributes: []event.Attribute{
			{Key: "delegator", Value: e.Delegator.String()},
			{Key: "validator", Value: e.Validator.String()},
			{Key: "amount", Value: u(e.Amount)},
			{Key: "completion_height", Value: i(e.CompletionHeight)},
		}}
	case staking.EventRedelegate:
		return event.Event{Type: "redelegate", Attributes: []event.Attribute{
			{Key: "delegator", Value: e.Delegator.String()},
			{Key: "src_validator", Value: e.Src.String()},
			{Key: "dst_validator", Value: e.Dst.String()},
			{Key: "amount", Value: u(e.Amount)},
			{Key: "completion_height", Value: i(e.CompletionHeight)},
		}}
	case staking.EventUnjail:
		return event.Event{Type: "unjail", Attributes: []event.Attribute{{Key: "operator", Value: e.Operator.String()}}}
	case staking.EventEditValidator:
		return event.Event{Type: "edit_validator", Attributes: []event.Attribute{
			{Key: "operator", Value: e.Operator.String()},
			{Key: "moniker", Value: e.Moniker},
			{Key: "commission_bps", Value: u(uint64(e.CommissionBps))},
		}}
	case staking.EventDowntime:
		return event.Event{Type: "downtime", Attributes: []event.Attribute{
			{Key: "operator", Value: e.Operator.String()},
			{Key: "missed", Value: u(e.Missed)},
			{Key: "jailed_until", Value: i(e.JailedUntil)},
		}}
	case distribution.EventRewards:
		return event.Event{Type: "rewards", Attributes: []event.Attribute{
			{Key: "validator", Value: e.Validator.String()},
			{Key: "amount", Value: u(e.Amount)},
			{Key: "commission", Value: u(e.Commission)},
		}}
	case distribution.EventWithdrawRewards:
		return event.Event{Type: "withdraw_rewards", Attributes: []event.Attribute{
			{Key: "delegator", Value: e.Delegator.String()},
			{Key: "validator", Value: e.Validator.String()},
			{Key: "amount", Value: u(e.Amount)},
		}}
	case distribution.EventWithdrawCommission:
		return event.Event{Type: "withdraw_commission", Attributes: []event.Attribute{
			{Key: "operator", Value: e.Operator.String()},
			{Key: "amount", Value: u(e.Amount)},
		}}
	case staking.EventJail:
		return event.Event{Type: "jail", Attributes: []event.Attribute{{Key: "operator", Value: e.Operator.String()}}}
	case staking.EventPower:
		return event.Event{Type: "power", Attributes: []event.Attribute{
			{Key: "operator", Value: e.Operator.String()},
			{Key: "power", Value: i(e.Power)},
		}}
	case auth.EventTx:
		return event.Event{Type: "tx", Attributes: []event.Attribute{
			{Key: "signer", Value: e.Signer.String()},
			{Key: "sequence", Value: strconv.FormatUint(e.Sequence, 10)},
			{Key: "fee", Value: strconv.FormatUint(e.Fee, 10)},
			{Key: "burned", Value: u(e.Burned)},
			{Key: "validators", Value: u(e.Validators)},
			{Key: "treasury", Value: u(e.Treasury)},
		}}
	case mint.EventFee:
		return event.Event{Type: "fee", Attributes: []event.Attribute{
			{Key: "payer", Value: e.Payer.String()},
			{Key: "amount", Value: u(e.Amount)},
			{Key: "burned", Value: u(e.Burned)},
			{Key: "validators", Value: u(e.Validators)},
			{Key: "treasury", Value: u(e.Treasury)},
		}}
	case mint.EventFeesSettled:
		return event.Event{Type: "fees_settled", Attributes: []event.Attribute{
			{Key: "height", Value: i(e.Height)},
			{Key: "burned", Value: u(e.Burned)},
			{Key: "validators", Value: u(e.Validators)},
			{Key: "treasury", Value: u(e.Treasury)},
		}}
	case mint.EventMinted:
		return event.Event{Type: "minted", Attributes: []event.Attribute{
			{Key: "height", Value: i(e.Height)},
			{Key: "amount", Value: u(e.Amount)},
			{Key: "rewards", Value: u(e.Rewards)},
			{Key: "miners", Value: u(e.Miners)},
			{Key: "treasury", Value: u(e.Treasury)},
			{Key: "supply", Value: u(e.Supply)},
		}}
	}
	return event.Event{}
}

func u(v uint64) string   { return strconv.FormatUint(v, 10) }
func i(v int64) string    { return strconv.FormatInt(v, 10) }
func i64(v int64) string  { return strconv.FormatInt(v, 10) }
func u32(v uint32) string { return strconv.FormatUint(uint64(v), 10) }

func hexList(bs [][]byte) string {
	out := make([]byte, 0, len(bs)*65)
	for n, b := range bs {
		if n > 0 {
			out = append(out, ',')
		}
		out = hex.AppendEncode(out, b)
	}
	return string(out)
}

func optCycle(c uint64, ok bool) string {
	if !ok {
		return ""
	}
	return u(c)
}

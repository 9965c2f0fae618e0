package staking

import (
	"fmt"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
)

// MaxSignedBlocksWindow bounds staking_signed_blocks_window, so that a
// validator's missed-block bits stay few.
const MaxSignedBlocksWindow = 1_000_000

// MaxParamBlocks bounds staking_commission_change_blocks and
// staking_downtime_jail_blocks (about 400 years of 6-second blocks).
const MaxParamBlocks = 1<<31 - 1

// Defaults of the staking_* params (ledger/params.Default).
const (
	// DefaultCommissionChangeBlocks: one commission change a day (14,400
	// blocks of 6 s).
	DefaultCommissionChangeBlocks = 14_400
	// DefaultSignedBlocksWindow: downtime is judged over 1,000 blocks.
	DefaultSignedBlocksWindow = 1_000
	// DefaultMinSignedBps: a validator must sign half of them.
	DefaultMinSignedBps = 5_000
	// DefaultDowntimeJailBlocks: one hour of 6-second blocks in jail.
	DefaultDowntimeJailBlocks = 600
	// DefaultDowntimeSlashBps: 1 % of the stake burned for downtime.
	DefaultDowntimeSlashBps = 100
)

// ValidateParams returns an error naming the first staking_* param that
// breaks its rule: staking_commission_change_blocks and
// staking_downtime_jail_blocks at most MaxParamBlocks,
// staking_signed_blocks_window at most MaxSignedBlocksWindow (0 disables
// downtime slashing), staking_min_signed_bps and
// staking_downtime_slash_bps at most 10000.
func ValidateParams(p *ledgerpb.Params) error {
	switch {
	case p.StakingCommissionChangeBlocks > MaxParamBlocks:
		return fmt.Errorf("params: staking_commission_change_blocks %d: must be at most %d", p.StakingCommissionChangeBlocks, MaxParamBlocks)
	case p.StakingSignedBlocksWindow > MaxSignedBlocksWindow:
		return fmt.Errorf("params: staking_signed_blocks_window %d: must be at most %d", p.StakingSignedBlocksWindow, MaxSignedBlocksWindow)
	case p.StakingMinSignedBps > 10_000:
		return fmt.Errorf("params: staking_min_signed_bps %d: must be at most 10000", p.StakingMinSignedBps)
	case p.StakingDowntimeJailBlocks > MaxParamBlocks:
		return fmt.Errorf("params: staking_downtime_jail_blocks %d: must be at most %d", p.StakingDowntimeJailBlocks, MaxParamBlocks)
	case p.StakingDowntimeSlashBps > 10_000:
		return fmt.Errorf("params: staking_downtime_slash_bps %d: must be at most 10000", p.StakingDowntimeSlashBps)
	}
	return nil
}

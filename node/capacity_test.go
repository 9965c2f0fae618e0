package node

import (
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/node/config"
	"github.com/celltonomy/celltonomy/nodeapi"
)

// TestRedTeamJobsAwaitingInputsFillCapacity: a buyer wins a node's
// capacity with orders it never uploads to. A job awaiting its inputs
// holds a slot only for input_wait_blocks after its award, so the node
// bids again once they pass; running and executed jobs keep theirs.
func TestRedTeamJobsAwaitingInputsFillCapacity(t *testing.T) {
	jobs, err := openJobs(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default(t.TempDir())
	cfg.Capacity, cfg.InputWaitBlocks = 2, 10
	n := &Node{cfg: cfg, jobs: jobs}
	for _, j := range []Job{
		{OrderID: 1, Role: nodeapi.RoleProvider, State: nodeapi.StateAwaitingInputs, AwardHeight: 100},
		{OrderID: 2, Role: nodeapi.RoleProvider, State: nodeapi.StateAwaitingInputs, AwardHeight: 105},
		{OrderID: 3, Role: nodeapi.RoleProvider, State: nodeapi.StateRunning, AwardHeight: 90},
		{OrderID: 4, Role: nodeapi.RoleProvider, State: nodeapi.StateDelivered, AwardHeight: 80},
		{OrderID: 5, Role: nodeapi.RoleVerifier, State: nodeapi.StateAwaitingInputs},
	} {
		if err := jobs.create(j); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		height int64
		want   int
	}{
		{105, 3}, // every awaiting job within its wait, and the running one
		{110, 2}, // order 1 waited 10 blocks: no longer counted
		{115, 1}, // nor order 2: only the running job holds a slot
	} {
		if got := n.openJobs(tc.height); got != tc.want {
			t.Errorf("height %d: %d jobs hold capacity, want %d", tc.height, got, tc.want)
		}
	}
}

// TestRunWallTime: the wall time of a run grows with its declared fuel,
// within its bounds, so that it never decides how a run ends.
func TestRunWallTime(t *testing.T) {
	for _, tc := range []struct {
		fuel int64
		want time.Duration
	}{
		{0, MaxRunWallTime},
		{1, MinRunWallTime},
		{1_000_000_000, 200 * time.Second},
		{1_000_000_000_000, MaxRunWallTime},
		{-1, MaxRunWallTime},
	} {
		if got := RunWallTime(tc.fuel); got != tc.want {
			t.Errorf("RunWallTime(%d) = %v, want %v", tc.fuel, got, tc.want)
		}
	}
}

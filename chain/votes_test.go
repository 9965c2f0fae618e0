package chain

import (
	"slices"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	cmttypes "github.com/cometbft/cometbft/api/cometbft/types/v1"

	"github.com/celltonomy/celltonomy/ledger/app"
)

// TestCommitVotes: a validator signed the previous block only if its
// precommit for the block is in the commit; absent and nil votes are
// missed blocks; addresses and powers pass through.
func TestCommitVotes(t *testing.T) {
	a, b, c := []byte("aaaaaaaaaaaaaaaaaaaa"), []byte("bbbbbbbbbbbbbbbbbbbb"), []byte("cccccccccccccccccccc")
	in := []abci.VoteInfo{
		{Validator: abci.Validator{Address: a, Power: 10}, BlockIdFlag: cmttypes.BlockIDFlagCommit},
		{Validator: abci.Validator{Address: b, Power: 20}, BlockIdFlag: cmttypes.BlockIDFlagAbsent},
		{Validator: abci.Validator{Address: c, Power: 30}, BlockIdFlag: cmttypes.BlockIDFlagNil},
	}
	want := []app.Vote{{ValidatorAddress: a, Power: 10, Signed: true}, {ValidatorAddress: b, Power: 20}, {ValidatorAddress: c, Power: 30}}
	eq := func(x, y app.Vote) bool {
		return string(x.ValidatorAddress) == string(y.ValidatorAddress) && x.Power == y.Power && x.Signed == y.Signed
	}
	if got := commitVotes(in); !slices.EqualFunc(got, want, eq) {
		t.Fatalf("commitVotes = %+v, want %+v", got, want)
	}
	ext := make([]abci.ExtendedVoteInfo, len(in))
	for i, v := range in {
		ext[i] = abci.ExtendedVoteInfo{Validator: v.Validator, BlockIdFlag: v.BlockIdFlag}
	}
	if got := extendedCommitVotes(ext); !slices.EqualFunc(got, want, eq) {
		t.Fatalf("extendedCommitVotes = %+v, want %+v", got, want)
	}
}

package app

import (
	"fmt"
	"math/big"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/reputation"
	"github.com/celltonomy/celltonomy/ledger/store"
)

// benchGrants are the genesis grants of BenchmarkRespondToChallenge: user
// i gains 1,000 + i in compute, compute/genomics or compute/genomics/digest
// (i mod 3), so that n grants give about 2n leaves.
func benchGrants(n int) []*ledgerpb.ReputationGrant {
	skills := []string{"compute", "compute/genomics", "compute/genomics/digest"}
	out := make([]*ledgerpb.ReputationGrant, n)
	for i := range out {
		out[i] = &ledgerpb.ReputationGrant{Address: benchUser(i).String(), Skill: skills[i%3], Amount: fmt.Sprint(1_000 + i)}
	}
	return out
}

// benchUser is the address of user i of benchGrants.
func benchUser(i int) address.Address {
	return address.Address(hash32(fmt.Sprint("bench user ", i))[:address.Size])
}

// BenchmarkRespondToChallenge measures the ledger's verification of one
// single-update response (MsgRespondToChallenge, Colony whitepaper
// §7.5.1) against a state of about 100,000 leaves, granted at genesis:
// "child-step" proves a colony-wide child step of a loss (three
// witnesses: the updated key, the user's origin and child values),
// "new-leaf" a gain for a user without a leaf (an absence proof and an
// insertion). The chain is driven to the RESPOND step of a challenge
// between the honest replay of cycle 0 and one forged at that update;
// then each iteration runs the honest side's response on a fresh branch
// of that state: "msg" decodes the message and executes it
// (reputation.Mining.RespondToChallenge: the justification proofs, the
// log entry, the witnesses, VerifyUpdate), "tx" runs the whole signed
// transaction in a block (FinalizeBlock: decoding, signature, fee and
// sequence, the message, the block hooks). The setup, about 15 seconds,
// is not timed:
//
//	go test ./ledger/app -run '^$' -bench RespondToChallenge
func BenchmarkRespondToChallenge(b *testing.B) {
	base := newChain(b, respondBenchGenesis(50_000))
	base.mustBlock(base.tx(miner1, stakeMiner(50_000)), base.tx(miner2, stakeMiner(50_000)))
	// At the end of the log, where the state has every leaf of the
	// grants: user 4 (granted in compute/genomics) gains in
	// compute/genomics/digest, then loses in compute/genomics, which has
	// that descendant; a newcomer gains in compute/genomics/digest.
	genomics, _ := base.app.skills.SkillID(base.st, "compute/genomics")
	digest, _ := base.app.skills.SkillID(base.st, "compute/genomics/digest")
	var ev event.Log
	col := reputation.NetworkColony()
	if _, err := base.app.skills.Append(base.st, &ev, col, benchUser(4), digest, big.NewInt(500)); err != nil {
		b.Fatal(err)
	}
	if _, err := base.app.skills.Append(base.st, &ev, col, benchUser(4), genomics, big.NewInt(-300)); err != nil {
		b.Fatal(err)
	}
	if _, err := base.app.skills.Append(base.st, &ev, col, miner5.addr, digest, big.NewInt(40)); err != nil {
		b.Fatal(err)
	}
	base.emptyBlocksTo(5) // cycle 0 freezes
	honest := base.defense(0, -1)
	n := honest.Result.Justification.Len() - 1
	loss := honest.Log[len(honest.Log)-2]
	for _, tc := range []struct {
		name string
		at   uint64
	}{
		{"child-step", loss.NPreviousUpdates}, // the first colony-wide child step
		{"new-leaf", n - 1},                   // the newcomer's last update: its origin
	} {
		c := &chain{t: b, app: New(), st: clone(base.st), height: base.height, p: base.p}
		forged := c.defense(0, int64(tc.at))
		c.mustBlock(c.tx(miner1, submitRoot(0, claimOfDefense(honest), c.eligibleEntry(miner1, honest.Result.Root[:], 50, true))),
			c.tx(miner2, submitRoot(0, claimOfDefense(forged), c.eligibleEntry(miner2, forged.Result.Root[:], 50, true))))
		ch := c.runUntil(map[uint32]defender{0: {k: miner1, d: honest}, 1: {k: miner2, d: forged, forged: true}}, ledgerpb.ChallengeStep_CHALLENGE_STEP_RESPOND)
		if ch.Lo-1 != tc.at {
			b.Fatalf("%s: the search ended at update %d, the forged one is %d", tc.name, ch.Lo-1, tc.at)
		}
		m, err := honest.Answer(ch, 0, c.app.skills.Claim(c.st, 0, 1))
		if err != nil {
			b.Fatal(err)
		}
		r := m.GetRespondToChallenge()
		if tc.name == "child-step" && (r.Origin == nil || r.Child == nil) || tc.name == "new-leaf" && r.Subject.Present {
			b.Fatalf("%s: the response has the wrong witnesses: %v", tc.name, r)
		}
		raw, err := proto.Marshal(m)
		if err != nil {
			b.Fatal(err)
		}
		txRaw := c.tx(miner3, m)
		leaves := float64(honest.Result.NLeaves)
		depth := float64(len(r.Subject.Proof.Siblings))
		b.Run(tc.name+"/msg", func(b *testing.B) {
			for b.Loop() {
				var msg ledgerpb.Msg
				if err := proto.Unmarshal(raw, &msg); err != nil {
					b.Fatal(err)
				}
				var ev event.Log
				if err := c.app.mining.RespondToChallenge(store.NewCache(c.st), &ev, c.p, c.height+1, miner3.addr, msg.GetRespondToChallenge()); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(leaves, "leaves")
			b.ReportMetric(depth, "proof-depth")
		})
		b.Run(tc.name+"/tx", func(b *testing.B) {
			h := Header{ChainID: testChainID, Height: c.height + 1, Hash: testBlockHash(c.height + 1)}
			for b.Loop() {
				res := c.app.FinalizeBlock(store.NewCache(c.st), h, [][]byte{txRaw}, nil)
				if r := res.TxResults[0]; r.Code != 0 {
					b.Fatalf("code %s/%d: %s", r.Codespace, r.Code, r.Log)
				}
			}
			b.ReportMetric(leaves, "leaves")
		})
	}
}

// respondBenchGenesis is the genesis of BenchmarkRespondToChallenge:
// testParams with cycles of 5 blocks, a mining window of 2 blocks and a
// response window of 3, miners 1 to 3 funded, and n grants (benchGrants).
func respondBenchGenesis(n int) *ledgerpb.Genesis {
	p := testParams()
	p.ReputationCycleBlocks = 5
	p.MiningWindowBlocks = 2
	p.MiningResponseWindowBlocks = 3
	p.MinerMinStakedCycles = 0
	g := testGenesis(p)
	for _, k := range []key{miner1, miner2, miner3} {
		g.Accounts = append(g.Accounts, &ledgerpb.GenesisAccount{Address: k.addr.String(), Balance: 100_000})
	}
	g.Reputation = &ledgerpb.ReputationGenesis{Grants: benchGrants(n)}
	return g
}

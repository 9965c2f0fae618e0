package app

import (
	"bytes"
	"math/big"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/query"
	"github.com/celltonomy/celltonomy/ledger/reputation"
	"github.com/celltonomy/celltonomy/ledger/store"
	colonyrep "github.com/celltonomy/celltonomy/reputation"
)

// The initial reputation of genesis (Colony whitepaper §6.2.3,
// "Bootstrapping reputation"): grants become entries of cycle 0's log,
// then provable reputation once cycle 0 is mined.

func grant(k key, skill, amount string) *ledgerpb.ReputationGrant {
	return &ledgerpb.ReputationGrant{Address: k.addr.String(), Skill: skill, Amount: amount}
}

// maxAmount is 2^127 − 1 in decimal.
const maxAmount = "170141183460469231731687303715884105727"

// grantsGenesis is testGenesis with miner1 funded, cycles of 5 blocks, a
// mining window of 2 and grants.
func grantsGenesis(grants ...*ledgerpb.ReputationGrant) *ledgerpb.Genesis {
	p := testParams()
	p.ReputationCycleBlocks = 5
	p.MiningWindowBlocks = 2
	g := testGenesis(p)
	g.Accounts = append(g.Accounts, &ledgerpb.GenesisAccount{Address: miner1.addr.String(), Balance: 100_000})
	g.Reputation = &ledgerpb.ReputationGenesis{Grants: grants}
	return g
}

// TestGenesisGrants: the grants are appended in order to cycle 0's log
// of the network colony, with nUpdates and nPreviousUpdates as any entry
// (skills: compute 1, compute/genomics 5, compute/genomics/digest 6,
// mining 4); once a miner's replay of cycle 0 is accepted, each grant is
// provable reputation in its skill and its ancestors, for the user and
// in the colony-wide totals, which are capped at 2^127 − 1.
func TestGenesisGrants(t *testing.T) {
	c := newChain(t, grantsGenesis(
		grant(alice, "compute/genomics/digest", "1000"),
		grant(bob, "compute/genomics", "500"),
		grant(alice, "compute", maxAmount),
		grant(carol, "mining", "7"),
		grant(bob, "compute/genomics", "1"),
	))
	max := reputation.MaxAmount()
	col := reputation.NetworkColony()
	want := []reputation.Entry{
		{User: alice.addr, Amount: big.NewInt(1000), Skill: 6, Colony: col, NUpdates: 6, NPreviousUpdates: 0},
		{User: bob.addr, Amount: big.NewInt(500), Skill: 5, Colony: col, NUpdates: 4, NPreviousUpdates: 6},
		{User: alice.addr, Amount: max, Skill: 1, Colony: col, NUpdates: 2, NPreviousUpdates: 10},
		{User: carol.addr, Amount: big.NewInt(7), Skill: 4, Colony: col, NUpdates: 2, NPreviousUpdates: 12},
		{User: bob.addr, Amount: big.NewInt(1), Skill: 5, Colony: col, NUpdates: 4, NPreviousUpdates: 14},
	}
	log := c.app.skills.Log(c.st, 0)
	if len(log) != len(want) {
		t.Fatalf("cycle 0 has %d entries, want %d", len(log), len(want))
	}
	for i, e := range log {
		w := want[i]
		if e.User != w.User || e.Amount.Cmp(w.Amount) != 0 || e.Skill != w.Skill || e.Colony != w.Colony ||
			e.NUpdates != w.NUpdates || e.NPreviousUpdates != w.NPreviousUpdates {
			t.Errorf("entry %d: %+v, want %+v", i, e, w)
		}
	}

	// Mining cycle 0: it freezes at height 5, window [6, 7].
	c.mustBlock(c.tx(miner1, stakeMiner(50_000)))
	c.emptyBlocksTo(5)
	res := c.replay(0)
	cl := claimOf(res)
	for c.height < 7 {
		if e := c.eligibleEntry(miner1, cl.root, 50, true); e != 0 {
			c.mustBlock(c.tx(miner1, submitRoot(0, cl, e)))
			break
		}
		c.mustBlock()
	}
	c.emptyBlocksTo(8)
	var root ledgerpb.ReputationRoot
	c.query(query.ReputationRoot, nil, &root)
	if root.Cycle != 0 || !bytes.Equal(root.Root, cl.root) {
		t.Fatalf("accepted %v, want the replay's root", &root)
	}
	// Leaves: alice 6, 5, 1; bob 5, 1; carol 4; colony-wide 6, 5, 1, 4.
	if root.NLeaves != 10 {
		t.Errorf("%d leaves, want 10", root.NLeaves)
	}
	var zero address.Address
	for _, tc := range []struct {
		who   address.Address
		skill uint64
		want  *big.Int
	}{
		{alice.addr, 6, big.NewInt(1000)},
		{alice.addr, 5, big.NewInt(1000)},
		{alice.addr, 1, max}, // 1000 + 2^127 − 1, capped
		{bob.addr, 5, big.NewInt(501)},
		{bob.addr, 1, big.NewInt(501)},
		{carol.addr, 4, big.NewInt(7)},
		{zero, 6, big.NewInt(1000)},
		{zero, 5, big.NewInt(1501)},
		{zero, 1, max},
		{zero, 4, big.NewInt(7)},
	} {
		got, err := c.app.skills.ProvenReputation(c.st, "test", "proof", proveKey(t, res.State, tc.who, tc.skill), col, tc.who, tc.skill)
		if err != nil || got.Cmp(tc.want) != 0 {
			t.Errorf("%s in skill %d: proven %v, %v; want %v", tc.who, tc.skill, got, err, tc.want)
		}
	}
}

// proveKey returns the proof of who's reputation in skill of the network
// colony in s (the zero address: the colony-wide total).
func proveKey(t *testing.T, s *colonyrep.State, who address.Address, skill uint64) *ledgerpb.ReputationProof {
	t.Helper()
	col := reputation.NetworkColony()
	l, p, ok := s.Prove(colonyrep.Key{Colony: colonyrep.Address(col), Skill: skill, User: colonyrep.Address(who)})
	if !ok {
		t.Fatalf("no leaf for %s in skill %d", who, skill)
	}
	v, err := colonyrep.LeafValue(l.Reputation, l.UID)
	if err != nil {
		t.Fatal(err)
	}
	return &ledgerpb.ReputationProof{Colony: col.Bytes(), Skill: skill, User: who.Bytes(), Value: v[:],
		BranchMask: bytes.Clone(p.BranchMask[:]), Siblings: reputation.ProofRecord(p).Siblings}
}

// TestGenesisSkillsInReputation: the genesis skills may be listed in
// reputation.skills instead of skills, not in both.
func TestGenesisSkillsInReputation(t *testing.T) {
	g := grantsGenesis(grant(alice, "lab/pcr", "5"))
	g.Skills = nil
	g.Reputation.Skills = []string{"compute", "lab", "lab/pcr"}
	c := newChain(t, g)
	if id, ok := c.app.skills.SkillID(c.st, "lab/pcr"); !ok || id != 3 {
		t.Fatalf("lab/pcr: id %d, %v", id, ok)
	}
	if log := c.app.skills.Log(c.st, 0); len(log) != 1 || log[0].Skill != 3 || log[0].NUpdates != 4 {
		t.Fatalf("log %+v", log)
	}
	g.Skills = []string{"compute"}
	js, err := EncodeGenesis(g)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ValidateGenesis(testChainID, js); err == nil || !strings.Contains(err.Error(), "skills and reputation.skills") {
		t.Fatalf("both lists: %v", err)
	}
}

// TestGenesisGrantRejections: a bad grant fails genesis with an error
// naming its index and field, and InitChain writes nothing.
func TestGenesisGrantRejections(t *testing.T) {
	good := grant(alice, "compute", "10")
	for _, tc := range []struct {
		name   string
		bad    *ledgerpb.ReputationGrant
		wantIn string
	}{
		{"address not bech32", &ledgerpb.ReputationGrant{Address: "cosmos1xyz", Skill: "compute", Amount: "1"}, "reputation.grants[1].address"},
		{"address empty", &ledgerpb.ReputationGrant{Skill: "compute", Amount: "1"}, "reputation.grants[1].address"},
		{"zero address", &ledgerpb.ReputationGrant{Address: address.Address{}.String(), Skill: "compute", Amount: "1"}, "reputation.grants[1].address: the zero address"},
		{"unknown skill", grant(bob, "compute/physics", "1"), `reputation.grants[1].skill "compute/physics": not a genesis skill`},
		{"empty skill", grant(bob, "", "1"), `reputation.grants[1].skill "": not a genesis skill`},
		{"zero amount", grant(bob, "compute", "0"), `reputation.grants[1].amount "0": must be positive`},
		{"negative amount", grant(bob, "compute", "-5"), `reputation.grants[1].amount "-5": must be positive`},
		{"empty amount", grant(bob, "compute", ""), `reputation.grants[1].amount "": not a decimal integer`},
		{"amount not decimal", grant(bob, "compute", "0x10"), `reputation.grants[1].amount "0x10": not a decimal integer`},
		{"amount with a sign", grant(bob, "compute", "+5"), "not a decimal integer"},
		{"amount with a space", grant(bob, "compute", "5 "), "not a decimal integer"},
		{"amount with a leading zero", grant(bob, "compute", "05"), `reputation.grants[1].amount "05": leading zero`},
		{"amount 2^127", grant(bob, "compute", "170141183460469231731687303715884105728"), "above 2^127 - 1"},
		{"amount of 40 digits", grant(bob, "compute", "1"+strings.Repeat("0", 39)), "above 2^127 - 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			js, err := EncodeGenesis(grantsGenesis(good, tc.bad, good))
			if err != nil {
				t.Fatal(err)
			}
			st := store.NewMemStore()
			_, err = New().InitChain(st, testChainID, js)
			if err == nil || !strings.Contains(err.Error(), tc.wantIn) {
				t.Fatalf("error %v, want one containing %q", err, tc.wantIn)
			}
			if st.Len() != 0 {
				t.Fatalf("failed InitChain wrote %d keys", st.Len())
			}
		})
	}
	// The largest amount is accepted as is.
	js, err := EncodeGenesis(grantsGenesis(grant(bob, "compute", maxAmount)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ValidateGenesis(testChainID, js); err != nil {
		t.Fatal(err)
	}
}

package reputation

import (
	"math/big"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

// benchSkills is a skill tree of depth 4: one root, 4 children, 16
// grandchildren, 64 great-grandchildren (85 skills).
func benchSkills() *SkillTree {
	var s SkillTree
	level := []uint64{0}
	for range 4 {
		var next []uint64
		for _, p := range level {
			n := 4
			if p == 0 {
				n = 1
			}
			for range n {
				id, _ := s.Add(p)
				next = append(next, id)
			}
		}
		level = next
	}
	return &s
}

// benchLog is 100,000 entries over 10,000 users in random skills, one in
// ten a loss.
func benchLog(skills *SkillTree) Log {
	r := rand.New(rand.NewPCG(1, 1))
	users := make([]Address, 10_000)
	for i := range users {
		for j := range users[i] {
			users[i][j] = byte(r.Uint32())
		}
	}
	var log Log
	for range 100_000 {
		a := int64(r.IntN(1_000_000) + 1)
		if r.IntN(10) == 0 {
			a = -a / 10
		}
		log.Append(skills, colony, users[r.IntN(len(users))], uint64(r.IntN(skills.Len())+1), big.NewInt(a))
	}
	return log
}

// reportHeap reports the heap obtained from the system, in MB.
func reportHeap(b *testing.B) {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	b.ReportMetric(float64(m.HeapSys)/(1<<20), "MB-heap")
}

func benchReplay(b *testing.B, justify bool) {
	skills := benchSkills()
	log := benchLog(skills)
	updates := float64(log.NUpdates())
	var leaves uint64
	var jrh time.Duration // the final justification root, once the replay is done
	for b.Loop() {
		if justify {
			res, err := Replay(nil, skills, DefaultParams(), log)
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			res.Justification.Root()
			jrh += time.Since(start)
			leaves = res.NLeaves
		} else {
			s, err := Apply(nil, skills, DefaultParams(), log)
			if err != nil {
				b.Fatal(err)
			}
			leaves = s.NLeaves()
		}
	}
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(updates, "updates")
	b.ReportMetric(float64(leaves), "leaves")
	b.ReportMetric(updates/sec, "updates/s")
	b.ReportMetric(sec/updates*1e6, "µs/update")
	if justify {
		b.ReportMetric(jrh.Seconds()/float64(b.N), "s-jrh-root")
	}
	reportHeap(b)
}

// BenchmarkReplay replays 100,000 entries over 10,000 users in a skill tree
// of depth 4 from an empty state, with the justification tree and its root.
func BenchmarkReplay(b *testing.B) { benchReplay(b, true) }

// BenchmarkReplayNoJRH is BenchmarkReplay without the justification tree.
func BenchmarkReplayNoJRH(b *testing.B) { benchReplay(b, false) }

// BenchmarkDecay decays a state of 1,000,000 leaves: "root" rehashes once
// at the end (Apply), "jrh" re-roots after every leaf for the
// justification tree (Replay).
func BenchmarkDecay(b *testing.B) {
	const n = 1_000_000
	var skills SkillTree
	for range 100 {
		skills.Add(0)
	}
	r := rand.New(rand.NewPCG(2, 2))
	prev := NewState()
	for i := range n {
		var user Address
		for j := range user {
			user[j] = byte(r.Uint32())
		}
		prev.Set(Key{Colony: colony, Skill: uint64(i%100) + 1, User: user}, big.NewInt(r.Int64N(1e18)))
	}
	prev.Root()
	for _, justify := range []bool{false, true} {
		name := "root"
		if justify {
			name = "jrh"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				res, err := replay(prev, &skills, DefaultParams(), nil, replayAll(justify))
				if err != nil {
					b.Fatal(err)
				}
				if justify {
					res.Justification.Root()
				}
			}
			b.ReportMetric(n*float64(b.N)/b.Elapsed().Seconds(), "leaves/s")
			reportHeap(b)
		})
	}
}

// BenchmarkVerifyUpdate verifies one update as the ledger does in a
// challenge, on a state of 100,000 leaves: "child-step" a colony-wide
// child step of a loss, with its three witnesses (subject, origin,
// child); "new-leaf" a gain for a key without a leaf (an absence proof
// and an insertion).
func BenchmarkVerifyUpdate(b *testing.B) {
	skills := benchSkills()
	r := rand.New(rand.NewPCG(3, 3))
	s := NewState()
	user := Address{0xee}
	const origin = 2 // 1 parent, 20 descendants
	sk, _ := skills.Skill(origin)
	for _, k := range []Key{{Colony: colony, Skill: origin, User: user}, {Colony: colony, Skill: sk.Children[0], User: user}, {Colony: colony, Skill: sk.Children[0]}} {
		s.Set(k, big.NewInt(1_000_000))
	}
	for s.NLeaves() < 100_000 {
		var u Address
		for j := range u {
			u[j] = byte(r.Uint32())
		}
		s.Set(Key{Colony: colony, Skill: uint64(r.IntN(skills.Len()) + 1), User: u}, big.NewInt(r.Int64N(1e18)))
	}
	before := JustState{Root: s.Root(), NLeaves: s.NLeaves()}
	var log Log
	log.Append(skills, colony, user, origin, big.NewInt(-1000))
	log.Append(skills, colony, Address{0xef}, origin, big.NewInt(1000))
	cases := []struct {
		name  string
		entry Entry
		r     uint64
	}{
		{"child-step", log[0], 0},
		{"new-leaf", log[1], log[1].NUpdates - 1},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			u, err := c.entry.Update(skills, c.r)
			if err != nil {
				b.Fatal(err)
			}
			subject, origin, child, err := WitnessesFor(s, 0, log, skills, c.entry.NPreviousUpdates+c.r)
			if err != nil {
				b.Fatal(err)
			}
			if c.name == "new-leaf" && subject.Present {
				b.Fatal("the subject has a leaf")
			}
			for b.Loop() {
				if _, err := VerifyUpdate(before, c.entry, u, subject, origin, child); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(subject.Proof.Siblings)), "proof-depth")
		})
	}
}

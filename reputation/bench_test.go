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
